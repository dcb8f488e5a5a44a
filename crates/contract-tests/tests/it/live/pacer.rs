//! The request pacer every live test shares: at most [`PACE`] requests in any [`WINDOW`], so
//! the vendor's 100 per 10 s is never reached and no answer is a 429.
//!
//! One [`Pacer`] serves the whole test process (the live tests run on several threads, each
//! with its own runtime), and each caller counts its own requests through a [`Meter`]. The
//! window slides: a request waits until fewer than [`PACE`] were sent in the last [`WINDOW`],
//! which also keeps every fixed window the server may count in under the limit.

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
    sent: Mutex<VecDeque<Instant>>,
}

impl Pacer {
    /// How long the next request must wait, or `None` after reserving its slot now.
    fn reserve(&self) -> Option<Duration> {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            sent.pop_front();
        }
        if sent.len() < PACE {
            sent.push_back(now);
            return None;
        }
        sent.front()
            .map(|oldest| WINDOW.saturating_sub(now.duration_since(*oldest)))
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
    let in_window = pacer
        .sent
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len();
    assert_eq!(in_window, 4, "both meters spend the same window");
}
