//! The request pacer every live test shares: at most [`PACE`] requests in any [`WINDOW`], so
//! the vendor's 100 per 10 s is never reached and no answer is a 429.
//!
//! One [`Pacer`] serves the whole test process (the live tests run on several threads, each
//! with its own runtime), and each caller counts its own requests through a [`Meter`]. The
//! window slides: a request waits until fewer than [`PACE`] were sent in the last [`WINDOW`],
//! which also keeps every fixed window the server may count in under the limit.
//!
//! The budget is the location's, not this process's: an earlier run a moment ago, or another
//! app user, spends it too. So the pacer also reads the `X-RateLimit-*` headers of every
//! answer: when fewer than half the budget this process leaves unused remain (under 10 of the
//! vendor's 100, so the server counted clearly more than [`PACE`] in its window, more than
//! this process sends even when network delays shift a few requests between windows), someone
//! else is spending, and nothing is sent for one whole `X-RateLimit-Interval-Milliseconds`,
//! after which any window the server keeps has turned over. The few requests already on their
//! way fit in the rest.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// At most this many requests in any [`WINDOW`] (the vendor allows 100).
pub(crate) const PACE: usize = 80;
/// The window [`PACE`] is counted over (the vendor's burst interval).
pub(crate) const WINDOW: Duration = Duration::from_secs(10);

/// The send times of the last [`WINDOW`], shared by every [`Meter`].
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    sent: VecDeque<Instant>,
    /// Nothing is sent before this instant (the server reported a budget spent by others).
    paused_until: Option<Instant>,
}

impl Pacer {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long the next request must wait, or `None` after reserving its slot now.
    fn reserve(&self) -> Option<Duration> {
        let mut state = self.state();
        let now = Instant::now();
        if let Some(until) = state.paused_until.filter(|until| *until > now) {
            return Some(until - now);
        }
        while state
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            state.sent.pop_front();
        }
        if state.sent.len() < PACE {
            state.sent.push_back(now);
            return None;
        }
        state
            .sent
            .front()
            .map(|oldest| WINDOW.saturating_sub(now.duration_since(*oldest)))
    }

    /// Pauses for the server's whole interval when its headers show more requests in its
    /// window than this process may send (see the module note).
    fn observe(&self, limit: &voice_ai_client::RateLimit) {
        let (Some(max), Some(remaining)) = (limit.max, limit.remaining) else {
            return;
        };
        if remaining >= max.saturating_sub(PACE as u64) / 2 {
            return;
        }
        let until = Instant::now() + limit.interval().unwrap_or(WINDOW);
        let mut state = self.state();
        state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
    }
}

/// One caller's share of a [`Pacer`]: waits for a slot and counts what it sent.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    pacer: Arc<Pacer>,
    sent: Arc<AtomicUsize>,
}

impl Meter {
    /// A new count on `pacer`.
    pub(crate) fn new(pacer: Arc<Pacer>) -> Meter {
        Meter {
            pacer,
            sent: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Waits until one more request keeps the pace, and counts it.
    pub(crate) async fn wait(&self) {
        while let Some(wait) = self.pacer.reserve() {
            tokio::time::sleep(wait).await;
        }
        self.sent.fetch_add(1, Ordering::SeqCst);
    }

    /// Reads the rate-limit headers of an answer (see [`Pacer`]).
    pub(crate) fn observe(&self, limit: &voice_ai_client::RateLimit) {
        self.pacer.observe(limit);
    }

    /// The requests counted so far.
    pub(crate) fn sent(&self) -> usize {
        self.sent.load(Ordering::SeqCst)
    }
}

#[test]
fn the_pacer_admits_a_full_window_then_makes_the_next_request_wait_for_the_oldest_to_age_out() {
    // Arrange
    let pacer = Pacer::default();
    // Act
    let admitted = (0..PACE).filter(|_| pacer.reserve().is_none()).count();
    let next = pacer.reserve();
    // Assert
    assert_eq!(
        admitted, PACE,
        "a fresh window admits {PACE} requests at once"
    );
    let wait = next.expect("the request after a full window waits");
    assert!(
        wait > WINDOW - Duration::from_secs(1) && wait <= WINDOW,
        "it waits until the first request is a window old: {wait:?}"
    );
}

#[test]
fn meters_of_one_pacer_count_their_own_requests_and_share_the_window() {
    // Arrange
    let pacer = Arc::new(Pacer::default());
    let (one, two) = (Meter::new(pacer.clone()), Meter::new(pacer.clone()));
    // Act
    crate::support::block_on(async {
        for _ in 0..3 {
            one.wait().await;
        }
        two.wait().await;
    });
    // Assert
    assert_eq!((one.sent(), two.sent()), (3, 1));
    let in_window = pacer.state().sent.len();
    assert_eq!(in_window, 4, "both meters spend the same window");
}

#[test]
fn a_budget_spent_by_others_pauses_the_pacer_for_the_servers_interval() {
    // Arrange
    let pacer = Pacer::default();
    let header = |remaining| voice_ai_client::RateLimit {
        max: Some(100),
        remaining: Some(remaining),
        interval_ms: Some(4_000),
        ..voice_ai_client::RateLimit::default()
    };
    // Act
    pacer.observe(&header(10));
    let after_own_share = pacer.reserve();
    pacer.observe(&header(9));
    let after_foreign_spending = pacer.reserve();
    // Assert
    assert_eq!(
        after_own_share, None,
        "90 of 100 spent may still be this process's {PACE} shifted by delays: no pause"
    );
    let wait = after_foreign_spending.expect("a request more than our share pauses the pacer");
    assert!(
        wait > Duration::from_secs(3) && wait <= Duration::from_secs(4),
        "the pause is the server's interval: {wait:?}"
    );
}
