//! `paged_stream` and `cursor_stream` pull pages lazily and yield each item once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt as _, TryStreamExt as _};
use highlevel_client_core::{ApiError, Page, cursor_stream, paged_stream};

const TOTAL: u32 = 23;
const PAGE_SIZE: u32 = 5;

/// A fake `GET /voice-ai/agents?page=&pageSize=` over items 1..=TOTAL.
async fn agents_page(page: u32) -> Result<Page<u32>, ApiError> {
    let start = (page - 1) * PAGE_SIZE + 1;
    let items: Vec<u32> = (start..start + PAGE_SIZE)
        .filter(|id| *id <= TOTAL)
        .collect();
    Ok(Page::new(items, u64::from(TOTAL), PAGE_SIZE))
}

#[tokio::test]
async fn a_paged_stream_over_five_pages_yields_every_item_exactly_once() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let items: Vec<u32> = paged_stream(move |page| {
        counter.fetch_add(1, Ordering::SeqCst);
        agents_page(page)
    })
    .try_collect()
    .await
    .expect("no errors");
    assert_eq!(items, (1..=TOTAL).collect::<Vec<_>>());
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        5,
        "23 items in pages of 5: no sixth fetch"
    );
}

#[tokio::test]
async fn a_paged_stream_fetches_a_page_only_when_its_first_item_is_pulled() {
    let fetched_pages = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = fetched_pages.clone();
    let stream = paged_stream(move |page| {
        log.lock().expect("log lock").push(page);
        agents_page(page)
    });
    futures::pin_mut!(stream);
    let pages = || fetched_pages.lock().expect("log lock").clone();
    assert!(pages().is_empty(), "creating the stream fetches nothing");
    for expected_item in 1..=TOTAL {
        let item = stream.next().await.expect("an item").expect("no error");
        assert_eq!(item, expected_item);
        let pages_needed = (expected_item - 1) / PAGE_SIZE + 1;
        assert_eq!(
            pages(),
            (1..=pages_needed).collect::<Vec<_>>(),
            "after item {item}"
        );
    }
    assert!(stream.next().await.is_none());
    assert_eq!(pages().len(), 5);
}

#[tokio::test]
async fn a_paged_stream_stops_when_total_is_reached_even_if_pages_continue() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let items: Vec<u32> = paged_stream(move |page| {
        counter.fetch_add(1, Ordering::SeqCst);
        // A server whose pages never run dry, but whose total says 8.
        async move {
            Ok(Page::new(
                vec![page * 10, page * 10 + 1, page * 10 + 2, page * 10 + 3],
                8,
                4,
            ))
        }
    })
    .try_collect()
    .await
    .expect("no errors");
    assert_eq!(items, [10, 11, 12, 13, 20, 21, 22, 23]);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

/// A fake Conversation AI search over ids "a00".."a17", `limit` 4, cursor = last id.
async fn search(start_after: Option<String>) -> Result<(Vec<String>, Option<String>), ApiError> {
    let all: Vec<String> = (0..18).map(|n| format!("a{n:02}")).collect();
    let start = match start_after {
        None => 0,
        Some(after) => all
            .iter()
            .position(|id| *id == after)
            .map_or(all.len(), |index| index + 1),
    };
    let page: Vec<String> = all.iter().skip(start).take(4).cloned().collect();
    let next = (page.len() == 4 && start + 4 < all.len()).then(|| page[3].clone());
    Ok((page, next))
}

#[tokio::test]
async fn a_cursor_stream_yields_every_item_once_and_fetches_lazily() {
    let cursors = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = cursors.clone();
    let stream = cursor_stream(move |cursor: Option<String>| {
        log.lock().expect("log lock").push(cursor.clone());
        search(cursor)
    });
    futures::pin_mut!(stream);
    let calls = || cursors.lock().expect("log lock").len();
    assert_eq!(calls(), 0);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item.expect("no error"));
        assert_eq!(
            calls(),
            (items.len() - 1) / 4 + 1,
            "after {} items",
            items.len()
        );
    }
    assert_eq!(
        items,
        (0..18).map(|n| format!("a{n:02}")).collect::<Vec<_>>()
    );
    let cursors = cursors.lock().expect("log lock").clone();
    assert_eq!(
        cursors,
        [
            None,
            Some("a03".to_owned()),
            Some("a07".to_owned()),
            Some("a11".to_owned()),
            Some("a15".to_owned())
        ]
    );
}

#[tokio::test]
async fn an_error_mid_stream_is_yielded_after_the_earlier_items_and_ends_it() {
    let results: Vec<Result<u32, ApiError>> = paged_stream(|page| async move {
        if page == 2 {
            Err(ApiError::decode("page 2 broke"))
        } else {
            agents_page(page).await
        }
    })
    .collect()
    .await;
    assert_eq!(results.len(), 6);
    assert!(results[..5].iter().all(Result::is_ok));
    assert!(results[5].is_err());
}
