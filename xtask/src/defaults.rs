//! Server-side defaults stay on the server: a request carries only the fields its caller set.
//!
//! typify turns a property with a `default` into a plain field (`respondToAudio: bool`) that is
//! always serialized, so a partial update silently sends the defaults and overwrites stored
//! values. Before generation, this pass moves every schema `default` into the description
//! (`Default when left out: …`), so typify generates `Option<T>` skipped when `None`. The
//! spec file keeps its `default`s; only the generator's copy changes.

use serde_json::Value;

/// Removes `default` from every schema of `doc` (components, parameters, request and response
/// bodies), noting it in the schema's description.
pub(crate) fn move_to_docs(doc: &mut Value) {
    crate::walk::schemas_mut(doc, &mut |schema| {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        if let Some(default) = object.remove("default") {
            let note = format!("Default when left out: `{default}`.");
            let description = match object.get("description").and_then(Value::as_str) {
                Some(text) => format!("{}\n\n{note}", text.trim_end()),
                None => note,
            };
            object.insert("description".to_owned(), Value::from(description));
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn defaults_become_notes_and_a_property_named_default_survives() {
        let mut doc = json!({"components": {"schemas": {"A": {
            "type": "object",
            "properties": {
                "flag": {"type": "boolean", "default": false, "description": "A flag."},
                "default": {"type": "string"},
                "mode": {"allOf": [{"$ref": "#/components/schemas/M"}], "default": "off"}
            }
        }}}});
        super::move_to_docs(&mut doc);
        let props = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(props["flag"].get("default"), None);
        assert_eq!(
            props["flag"]["description"],
            "A flag.\n\nDefault when left out: `false`."
        );
        assert_eq!(props["default"], json!({"type": "string"}));
        assert_eq!(
            props["mode"]["description"],
            "Default when left out: `\"off\"`."
        );
    }
}
