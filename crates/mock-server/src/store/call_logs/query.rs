//! The query planner: a filter resolved to the store's numbers, the source it is answered
//! from, the count, and the page (a direct slice, a walk in order, or a selection).

use super::*;

impl CallLogs {
    /// The slice of a creation-ordered row list inside the window (inclusive).
    pub(super) fn window<'a>(&self, rows: &'a [u32], range: Option<(i64, i64)>) -> &'a [u32] {
        match range {
            None => rows,
            Some((start, end)) => {
                let lo = rows.partition_point(|&r| self.created[r as usize] < start);
                let hi = rows.partition_point(|&r| self.created[r as usize] <= end);
                &rows[lo..hi.max(lo)]
            }
        }
    }

    pub(super) fn row_ok(&self, q: &Resolved, row: u32) -> bool {
        let r = row as usize;
        q.flags_ok(self.flags[r])
            && q.agent
                .is_none_or(|a| self.snaps[self.snap[r] as usize].agent == a)
            && q.range
                .is_none_or(|(s, e)| (s..=e).contains(&self.created[r]))
            && q.contacts
                .as_ref()
                .is_none_or(|cs| cs.contains(&self.contact[r]))
    }

    pub(super) fn resolve(&self, key: u64, filter: &CallLogFilter) -> Option<Resolved> {
        let agent = match &filter.agent_id {
            Some(id) => Some(*self.agent_index.get(id)?),
            None => None,
        };
        let contacts = if filter.contact_ids.is_empty() {
            None
        } else {
            let mut cs: Vec<u32> = filter
                .contact_ids
                .iter()
                .filter_map(|c| {
                    decode_contact(key, c, self.contact_pool)
                        .or_else(|| self.explicit_contact_index.get(c).copied())
                })
                .collect();
            cs.sort_unstable();
            cs.dedup();
            Some(cs)
        };
        let mask = filter
            .action_types
            .iter()
            .fold(0u16, |m, t| m | action_type_bit(t));
        if !filter.action_types.is_empty() && mask == 0 {
            return None;
        }
        let range = match (filter.start_ms, filter.end_ms) {
            (None, None) => None,
            (s, e) => Some((s.unwrap_or(i64::MIN), e.unwrap_or(i64::MAX))),
        };
        let (order, ascending) = match filter.sort_by.as_deref() {
            Some("duration") => (Order::Duration, filter.ascending),
            Some(_) => (Order::Created, filter.ascending),
            None => (Order::Created, false),
        };
        Some(Resolved {
            agent,
            contacts,
            trial: filter.trial,
            mask,
            range,
            order,
            ascending,
        })
    }

    /// The number of logs matching `filter` and the rows of one page, in the requested order.
    pub(crate) fn query(
        &self,
        key: u64,
        filter: &CallLogFilter,
        page: u64,
        page_size: u64,
    ) -> (usize, Vec<u32>) {
        let Some(q) = self.resolve(key, filter) else {
            return (0, Vec::new());
        };
        let size = usize::try_from(page_size).unwrap_or(usize::MAX);
        let skip = usize::try_from(page.saturating_sub(1))
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        if let Some(contacts) = &q.contacts {
            let mut rows = Vec::new();
            for c in contacts {
                if let Some(list) = self.contact_rows.get(c) {
                    rows.extend(
                        self.window(list, q.range)
                            .iter()
                            .copied()
                            .filter(|&r| self.row_ok(&q, r)),
                    );
                }
            }
            return (rows.len(), self.select(rows, &q, skip, size));
        }
        if let Some(agent) = q.agent {
            let source = self.window(&self.agent_rows[agent as usize], q.range);
            let total = if q.has_flag_filter() {
                source
                    .iter()
                    .filter(|&&r| q.flags_ok(self.flags[r as usize]))
                    .count()
            } else {
                source.len()
            };
            let rows = match q.order {
                Order::Created if !q.has_flag_filter() => direct(source, q.ascending, skip, size),
                Order::Created => walk(source.iter().copied(), q.ascending, skip, size, |r| {
                    q.flags_ok(self.flags[r as usize])
                }),
                Order::Duration => self.by_duration_page(&q, source, total, skip, size),
            };
            return (total, rows);
        }
        let lo = q
            .range
            .map_or(0, |(s, _)| self.created_sorted.partition_point(|&c| c < s));
        let hi = q.range.map_or(self.created_sorted.len(), |(_, e)| {
            self.created_sorted.partition_point(|&c| c <= e)
        });
        let hi = hi.max(lo);
        let flags = &self.created_flags[lo..hi];
        let total = if q.has_flag_filter() {
            flags.iter().filter(|&&f| q.flags_ok(f)).count()
        } else {
            hi - lo
        };
        let source = &self.by_created[lo..hi];
        let rows = match q.order {
            Order::Created if !q.has_flag_filter() => direct(source, q.ascending, skip, size),
            Order::Created => walk((lo..hi).map(|i| i as u32), q.ascending, skip, size, |i| {
                q.flags_ok(self.created_flags[i as usize])
            })
            .into_iter()
            .map(|i| self.by_created[i as usize])
            .collect(),
            Order::Duration if q.range.is_none() && !q.has_flag_filter() => {
                direct(&self.by_duration, q.ascending, skip, size)
            }
            Order::Duration => self.by_duration_page(&q, source, total, skip, size),
        };
        (total, rows)
    }

    /// A page in duration order of the matches within `source` (creation-ordered, `total`
    /// matches): walks the duration order when that is expected to be cheaper than collecting
    /// the matches and selecting the page.
    pub(super) fn by_duration_page(
        &self,
        q: &Resolved,
        source: &[u32],
        total: usize,
        skip: usize,
        size: usize,
    ) -> Vec<u32> {
        if skip >= total {
            return Vec::new();
        }
        let wanted = skip.saturating_add(size).min(total) as f64;
        let expected_walk = wanted * self.len() as f64 / total.max(1) as f64;
        if expected_walk <= 2.0 * source.len() as f64 {
            walk(
                0..self.by_duration.len() as u32,
                q.ascending,
                skip,
                size,
                |i| {
                    let meta = self.duration_meta[i as usize];
                    let tag = meta >> 16;
                    if !q.flags_ok(meta as u16)
                        || q.agent.is_some_and(|a| tag != AGENT_TAG_NONE && tag != a)
                    {
                        return false;
                    }
                    let settled = q.range.is_none() && (q.agent.is_none() || tag != AGENT_TAG_NONE);
                    settled || self.row_ok(q, self.by_duration[i as usize])
                },
            )
            .into_iter()
            .map(|i| self.by_duration[i as usize])
            .collect()
        } else {
            let rows = source
                .iter()
                .copied()
                .filter(|&r| q.flags_ok(self.flags[r as usize]))
                .collect();
            self.select(rows, q, skip, size)
        }
    }

    /// The page `[skip, skip + size)` of `rows` in the query's order, without a full sort.
    pub(super) fn select(
        &self,
        rows: Vec<u32>,
        q: &Resolved,
        skip: usize,
        size: usize,
    ) -> Vec<u32> {
        if skip >= rows.len() || size == 0 {
            return Vec::new();
        }
        let mut keys: Vec<(u64, u32)> = rows
            .into_iter()
            .map(|r| {
                let (k, r) = self.key_of(q.order, r);
                if q.ascending { (k, r) } else { (!k, !r) }
            })
            .collect();
        let mut part: &mut [(u64, u32)] = &mut keys;
        if skip > 0 {
            part.select_nth_unstable(skip);
            part = &mut part[skip..];
        }
        if size < part.len() {
            part.select_nth_unstable(size);
            part = &mut part[..size];
        }
        part.sort_unstable();
        part.iter()
            .map(|&(_, r)| if q.ascending { r } else { !r })
            .collect()
    }
}

/// The rows at `[skip, skip + size)` of a sorted slice, reversed when descending.
pub(super) fn direct(rows: &[u32], ascending: bool, skip: usize, size: usize) -> Vec<u32> {
    if skip >= rows.len() {
        return Vec::new();
    }
    let take = size.min(rows.len() - skip);
    if ascending {
        rows[skip..skip + take].to_vec()
    } else {
        let end = rows.len() - skip;
        rows[end - take..end].iter().rev().copied().collect()
    }
}

/// The matches at `[skip, skip + size)` of an ordered sequence (reversed when descending).
pub(super) fn walk(
    items: impl DoubleEndedIterator<Item = u32>,
    ascending: bool,
    skip: usize,
    size: usize,
    ok: impl Fn(u32) -> bool,
) -> Vec<u32> {
    let take = |it: &mut dyn Iterator<Item = u32>| {
        it.filter(|&i| ok(i))
            .skip(skip)
            .take(size)
            .collect::<Vec<u32>>()
    };
    if ascending {
        take(&mut { items })
    } else {
        take(&mut items.rev())
    }
}
