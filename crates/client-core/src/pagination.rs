//! Lazy streams over HighLevel's two pagination styles.
//!
//! - Voice AI lists (`GET /voice-ai/agents`, call logs) take a 1-based `page` and `pageSize`
//!   and return `total`: [`paged_stream`].
//! - Conversation AI search takes `startAfter` (the id of the last item seen) and `limit`:
//!   [`cursor_stream`].
//!
//! Both fetch a page only when the consumer asks for an item the buffer does not hold, and
//! stop without an extra request once the end is known. An error ends the stream after it is
//! yielded.

use std::collections::VecDeque;
use std::future::Future;

use futures::Stream;

use crate::error::ApiError;

/// One page of a `page`/`pageSize` list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The response's `total`: the number of items in the whole list.
    pub total: u64,
    /// The page size that was requested (a shorter page is the last one).
    pub page_size: u32,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`, fetched with `page_size`.
    pub fn new(items: Vec<T>, total: u64, page_size: u32) -> Self {
        Self {
            items,
            total,
            page_size,
        }
    }
}

struct PagedState<T, F> {
    fetch: F,
    next_page: u32,
    seen: u64,
    buffer: VecDeque<T>,
    done: bool,
}

/// Streams every item of a `page`/`pageSize` list, calling `fetch(page)` for pages 1, 2, …
/// only as items are consumed.
///
/// Fetching stops once `total` items were seen, or after an empty page or a page shorter
/// than its `page_size`.
///
/// ```
/// # futures::executor::block_on(async {
/// use futures::TryStreamExt as _;
/// use highlevel_client_core::{Page, paged_stream};
///
/// let items: Vec<u32> = paged_stream(|page| async move {
///     let all: Vec<u32> = (1..=5).collect();
///     let start = (page as usize - 1) * 2;
///     Ok(Page::new(all.iter().copied().skip(start).take(2).collect(), 5, 2))
/// })
/// .try_collect()
/// .await
/// .expect("no errors");
/// assert_eq!(items, [1, 2, 3, 4, 5]);
/// # });
/// ```
pub fn paged_stream<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, ApiError>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let state = PagedState {
        fetch,
        next_page: 1,
        seen: 0,
        buffer: VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.pop_front() {
                return Some((Ok(item), state));
            }
            if state.done {
                return None;
            }
            let page = state.next_page;
            match (state.fetch)(page).await {
                Err(error) => {
                    state.done = true;
                    return Some((Err(error), state));
                }
                Ok(fetched) => {
                    let count = fetched.items.len();
                    state.seen = state.seen.saturating_add(count as u64);
                    state.done = count == 0
                        || state.seen >= fetched.total
                        || count < fetched.page_size as usize
                        || page == u32::MAX;
                    state.next_page = page.saturating_add(1);
                    state.buffer.extend(fetched.items);
                }
            }
        }
    })
}

struct CursorState<T, F> {
    fetch: F,
    cursor: Option<String>,
    buffer: VecDeque<T>,
    done: bool,
}

/// Streams every item of a cursor-paginated list: `fetch(None)` for the first page, then
/// `fetch(Some(cursor))` with the cursor the previous page returned, only as items are consumed.
///
/// Fetching stops when a page returns no cursor, no items, or the cursor it was given (a
/// server that ignores `startAfter` would otherwise loop forever).
pub fn cursor_stream<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, ApiError>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ApiError>>,
{
    let state = CursorState {
        fetch,
        cursor: None,
        buffer: VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.pop_front() {
                return Some((Ok(item), state));
            }
            if state.done {
                return None;
            }
            let asked = state.cursor.take();
            match (state.fetch)(asked.clone()).await {
                Err(error) => {
                    state.done = true;
                    return Some((Err(error), state));
                }
                Ok((items, next)) => {
                    state.done = items.is_empty()
                        || next.as_deref().is_none_or(str::is_empty)
                        || next == asked;
                    state.cursor = next;
                    state.buffer.extend(items);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::{StreamExt as _, TryStreamExt as _};

    #[test]
    fn an_exactly_full_last_page_needs_no_extra_fetch() {
        let mut calls = Vec::new();
        let items: Vec<u32> = block_on(
            paged_stream(|page| {
                calls.push(page);
                async move {
                    let start = (page - 1) * 3;
                    Ok(Page::new((start..start + 3).collect(), 6, 3))
                }
            })
            .try_collect(),
        )
        .expect("no errors");
        assert_eq!(items, [0, 1, 2, 3, 4, 5]);
        assert_eq!(calls, [1, 2]);
    }

    #[test]
    fn an_empty_list_is_one_fetch_and_no_items() {
        let items: Vec<u32> = block_on(
            paged_stream(|_| async { Ok(Page::new(Vec::<u32>::new(), 0, 10)) }).try_collect(),
        )
        .expect("no errors");
        assert!(items.is_empty());
    }

    #[test]
    fn an_error_is_yielded_once_and_ends_the_stream() {
        let results: Vec<Result<u32, ApiError>> =
            block_on(paged_stream(|_| async { Err(ApiError::decode("boom")) }).collect());
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }

    #[test]
    fn a_cursor_that_does_not_move_ends_the_stream() {
        let items: Vec<u32> = block_on(
            cursor_stream(|_| async { Ok((vec![1, 2], Some("same".to_owned()))) })
                .take(10)
                .try_collect(),
        )
        .expect("no errors");
        assert_eq!(items, [1, 2, 1, 2]);
    }
}
