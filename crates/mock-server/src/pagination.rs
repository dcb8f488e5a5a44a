//! Page arithmetic shared by the list operations.
//!
//! Voice AI lists are 1-based `page`/`pageSize` pages over a creation-ordered list; bounds are
//! enforced by spec validation before this runs, so the arithmetic here only has to saturate
//! (a page past the end is empty, never an error). Conversation AI search uses a cursor instead
//! (see `store::conversation_ai`).

/// How many items 1-based page `page` of size `page_size` skips, and its size.
pub(crate) fn page_bounds(page: u64, page_size: u64) -> (usize, usize) {
    let size = usize::try_from(page_size).unwrap_or(usize::MAX);
    let skip = usize::try_from(page.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .saturating_mul(size);
    (skip, size)
}

/// The items of 1-based page `page` of size `page_size`.
pub(crate) fn page_of<T>(items: Vec<T>, page: u64, page_size: u64) -> Vec<T> {
    let (skip, size) = page_bounds(page, page_size);
    items.into_iter().skip(skip).take(size).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_one_based_and_saturate_past_the_end() {
        let items: Vec<u32> = (1..=25).collect();
        assert_eq!(page_of(items.clone(), 1, 10), (1..=10).collect::<Vec<_>>());
        assert_eq!(page_of(items.clone(), 3, 10), (21..=25).collect::<Vec<_>>());
        assert!(page_of(items.clone(), 4, 10).is_empty());
        assert!(page_of(items, u64::MAX, u64::MAX).is_empty());
    }
}
