//! Answers rendered through a response shape, cached by the record revision the store reports:
//! the store says when a record changed, the bytes of its answer live here, in the HTTP layer.
//!
//! An agent's answer (with its actions) is rendered once per revision and shape; reads of an
//! unchanged agent then copy no maps and serialize nothing. The cache has a budget of
//! [`RENDER_CACHE_BYTES`]; when a new rendering would exceed it, the cache starts afresh
//! (entries of old revisions are never read again, so dropping everything is as good as LRU).
//!
//! A list page is cached whole, under the location's generation (which changes on every write
//! to the location) and the request's page parameters: a repeated read of an unchanged page
//! then looks up neither its agents nor their renderings.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use axum::body::Bytes;
use serde_json::Value;

use crate::spec::Shape;

/// The render cache's budget: 16 MiB of rendered answers.
pub(crate) const RENDER_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// What names a cached list page: the location's generation, the operation, and the page
/// parameters as validated (the filter text, page number and page size).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PageKey {
    /// The location's [`crate::store::Store::location_generation`].
    pub(crate) generation: u64,
    /// The list operation's `operationId`.
    pub(crate) operation: &'static str,
    /// The filter text, if any.
    pub(crate) query: Option<String>,
    /// The page number.
    pub(crate) page: u64,
    /// The page size.
    pub(crate) page_size: u64,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<(u64, usize), Bytes, foldhash::fast::RandomState>,
    pages: HashMap<PageKey, Bytes, foldhash::fast::RandomState>,
    bytes: usize,
}

/// Rendered answers by (record revision, shape).
#[derive(Debug, Default)]
pub(crate) struct RenderCache {
    entries: RwLock<Entries>,
}

impl RenderCache {
    /// The answer of revision `revision` through `shape`: cached, or `value()` rendered now.
    pub(crate) fn get_or_render(
        &self,
        revision: u64,
        shape: &Shape,
        value: &dyn Fn() -> Value,
    ) -> Bytes {
        // The shapes are the embedded specs', which live for the whole program: their address
        // names them.
        let key = (revision, std::ptr::from_ref(shape) as usize);
        if let Some(bytes) = self
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .get(&key)
        {
            return bytes.clone();
        }
        let bytes = Bytes::from(serde_json::to_vec(&shape.view(&value())).unwrap_or_default());
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.bytes + bytes.len() > RENDER_CACHE_BYTES {
            *entries = Entries::default();
        }
        entries.bytes += bytes.len();
        entries.map.insert(key, bytes.clone());
        bytes
    }

    /// The page answer named by `key`: cached, or `render()` now.
    pub(crate) fn page_or_render(&self, key: PageKey, render: impl FnOnce() -> Bytes) -> Bytes {
        if let Some(bytes) = self
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .pages
            .get(&key)
        {
            return bytes.clone();
        }
        let bytes = render();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.bytes + bytes.len() > RENDER_CACHE_BYTES {
            *entries = Entries::default();
        }
        entries.bytes += bytes.len();
        entries.pages.insert(key, bytes.clone());
        bytes
    }

    /// Forgets every rendering.
    pub(crate) fn clear(&self) {
        *self.entries.write().unwrap_or_else(PoisonError::into_inner) = Entries::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde_json::{Map, json};

    #[test]
    fn a_cached_rendering_follows_every_write_to_the_agent_and_its_actions() {
        let store = Store::new(1);
        let cache = RenderCache::default();
        let shape = &crate::spec::operation(crate::spec::Api::VoiceAi, "getAgent").success_shape;
        let rendered = |id: &str| -> Value {
            let bytes = store
                .voice_get_agent_by_revision("loc", id, |revision, value| {
                    cache.get_or_render(revision, shape, value)
                })
                .expect("exists");
            serde_json::from_slice(&bytes).expect("JSON")
        };
        let agent = store.voice_create_agent("loc", None, Map::new());
        let id = agent["id"].as_str().expect("id").to_owned();
        assert_eq!(rendered(&id)["actions"], json!([]));
        let action = store
            .voice_create_action("loc", &id, None, Map::new())
            .expect("agent exists");
        let action_id = action["id"].as_str().expect("id").to_owned();
        assert_eq!(rendered(&id)["actions"][0]["id"], json!(action_id));
        let renamed = json!({"agentName": "Renamed"});
        store
            .voice_patch_agent("loc", &id, renamed.as_object().cloned().expect("object"))
            .expect("exists");
        assert_eq!(rendered(&id)["agentName"], "Renamed");
        let named = json!({"name": "Named"});
        store
            .voice_update_action(
                "loc",
                &id,
                &action_id,
                named.as_object().cloned().expect("object"),
            )
            .expect("exists");
        assert_eq!(rendered(&id)["actions"][0]["name"], "Named");
        store
            .voice_delete_action("loc", &id, &action_id)
            .expect("exists");
        assert_eq!(rendered(&id)["actions"], json!([]));
        assert_eq!(
            rendered(&id),
            store.voice_get_agent("loc", &id).expect("exists")
        );
    }

    #[test]
    fn answers_carry_only_declared_fields_but_the_store_keeps_the_rest() {
        let store = Store::new(3);
        let body = json!({"name": "A", "respondToAudio": true});
        let agent = store.conversation_create_agent(
            "loc",
            None,
            body.as_object().cloned().expect("object"),
        );
        let id = agent["id"].as_str().expect("id").to_owned();
        assert_eq!(agent["respondToAudio"], true);
        let shape =
            &crate::spec::operation(crate::spec::Api::ConversationAi, "getAgent").success_shape;
        let bytes = store
            .conversation_get_agent_by_revision("loc", &id, |revision, value| {
                RenderCache::default().get_or_render(revision, shape, value)
            })
            .expect("exists");
        let answer: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(answer["name"], "A");
        for undeclared in ["respondToAudio", "createdAt", "updatedAt"] {
            assert!(answer.get(undeclared).is_none(), "{undeclared} in {answer}");
        }
        let stored = store.conversation_get_agent("loc", &id).expect("exists");
        assert_eq!(stored["respondToAudio"], true);
        assert!(stored.get("createdAt").is_some());
    }

    #[test]
    fn a_cached_list_page_is_not_served_after_any_write_to_its_location() {
        let store = Store::new(5);
        let cache = RenderCache::default();
        let key = |store: &Store| {
            store.location_generation("loc").map(|generation| PageKey {
                generation,
                operation: "listAgents",
                query: None,
                page: 1,
                page_size: 10,
            })
        };
        // As the list handler does: a location not yet created is answered without the cache.
        let total = |store: &Store| -> Bytes {
            let render = || Bytes::from(store.voice_list_agents("loc", None, 1, 10).0.to_string());
            match key(store) {
                Some(key) => cache.page_or_render(key, render),
                None => render(),
            }
        };
        assert_eq!(key(&store), None, "no location yet, no generation");
        store.voice_create_agent("loc", None, Map::new());
        assert_eq!(total(&store), "1");
        assert_eq!(key(&store), key(&store), "reads keep the generation");
        let agent = store.voice_create_agent("loc", None, Map::new());
        assert_eq!(total(&store), "2");
        let id = agent["id"].as_str().expect("id").to_owned();
        store.voice_delete_agent("loc", &id).expect("exists");
        assert_eq!(total(&store), "1");
        store.clear();
        assert_eq!(total(&store), "0");
    }

    #[test]
    fn the_cache_starts_afresh_rather_than_exceed_its_budget() {
        let cache = RenderCache::default();
        let shape = Shape::Any;
        let big = json!("x".repeat(RENDER_CACHE_BYTES / 2 + 1));
        cache.get_or_render(1, &shape, &|| big.clone());
        cache.get_or_render(2, &shape, &|| big.clone());
        let entries = cache.entries.read().expect("not poisoned");
        assert_eq!(entries.map.len(), 1);
        assert!(entries.bytes <= RENDER_CACHE_BYTES);
    }
}
