//! Connection limits: the accept loop with its header and body read timeouts and its cap on
//! open connections.
//!
//! Each connection is served by hyper's HTTP/1 server with a read buffer of at most
//! [`READ_BUFFER_BYTES`] (a larger head gets 431), and closed once it has been idle for the
//! header read timeout: no request in progress and no request head completed (a connection
//! that sends nothing, a half-sent head, a kept-alive connection with no next request). A
//! watchdog per connection checks this four times per timeout, so a connection is closed
//! between one and one and a quarter timeouts after it went idle; this costs a few atomic
//! operations per request, where hyper's own header timeout arms and cancels a timer for each
//! request head. Each request body must arrive whole within the body read timeout, counted
//! from its head; the API answers 408 past it ([`BodyReadTimeout`]).
//!
//! The cap counts open connections. A connection that has not yet sent a whole request head is
//! *unproven*; when a new one arrives at the cap, the oldest unproven connection is closed to
//! make room (so sockets that connect and stall cannot lock clients out), and when every open
//! connection is serving requests the newcomer is closed at once. Running out of file
//! descriptors (`EMFILE`) also closes the oldest unproven connection, then pauses accepting
//! for a moment (1 ms, or 20 ms when there was none to close) instead of spinning.

use std::collections::VecDeque;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::time::Sleep;

/// The largest read buffer of a connection, so also the largest request head (64 KiB).
pub const READ_BUFFER_BYTES: usize = 64 * 1024;

/// How long shutdown waits for requests in progress before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The pause after an accept error such as `EMFILE`, so the loop never spins on it.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(20);

/// The shorter pause when that error closed a stalled connection (its descriptor is freed as
/// soon as its task runs).
const EVICTED_PAUSE: Duration = Duration::from_millis(1);

/// Whether an accept error concerns only the one connection (it was aborted or reset before it
/// was accepted): nothing to back off from.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::Interrupted
    )
}

/// How long clients may take to send, and how many connections may be open at once.
///
/// ```
/// use std::time::Duration;
/// // Arrange / Act
/// let limits = mock_server::ConnectionLimits::default();
/// // Assert
/// assert_eq!(limits.header_read_timeout, Duration::from_secs(30));
/// assert_eq!(limits.body_read_timeout, Duration::from_secs(30));
/// assert_eq!(limits.max_connections, 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a connection may stay idle (no request in progress, no request head completed:
    /// silent, half-sent head, or kept alive with no next request) before it is closed; checked
    /// four times per timeout, so closed within 1¼ of it.
    pub header_read_timeout: Duration,
    /// The time allowed for a whole request body, counted from its head (408 past it).
    pub body_read_timeout: Duration,
    /// The most connections open at once (at least 1).
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// The error a request body yields once its read timeout has passed.
#[derive(Debug)]
pub(crate) struct BodyReadTimeout;

impl fmt::Display for BodyReadTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request body did not arrive within the body read timeout")
    }
}

impl StdError for BodyReadTimeout {}

/// Whether `error` (from reading a request body) is, or was caused by, [`BodyReadTimeout`].
pub(crate) fn is_body_read_timeout(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<BodyReadTimeout>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// A request body that fails with [`BodyReadTimeout`] once its deadline passes.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyReadTimeout)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The open connections: how many, and the unproven ones oldest first.
struct Registry {
    cap: usize,
    inner: Mutex<RegistryInner>,
}

#[derive(Default)]
struct RegistryInner {
    open: usize,
    next_id: u64,
    unproven: VecDeque<(u64, Arc<Notify>)>,
}

/// One open connection's place in the [`Registry`]; dropping it frees the place.
struct Ticket {
    id: u64,
    registry: Arc<Registry>,
    evicted: Arc<Notify>,
    proven: AtomicBool,
    /// Requests in progress: from a complete head until the response body is written (or
    /// dropped).
    answering: AtomicU64,
    /// Requests answered so far, so the watchdog sees progress between two of its checks.
    answered: AtomicU64,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, RegistryInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for a new connection, closing the oldest unproven one when at the cap; `None`
    /// when every open connection is serving requests.
    fn admit(self: &Arc<Self>) -> Option<Ticket> {
        let mut inner = self.lock();
        if inner.open >= self.cap {
            let (_, oldest) = inner.unproven.pop_front()?;
            oldest.notify_one();
        }
        inner.open += 1;
        inner.next_id += 1;
        let id = inner.next_id;
        let evicted = Arc::new(Notify::new());
        inner.unproven.push_back((id, Arc::clone(&evicted)));
        Some(Ticket {
            id,
            registry: Arc::clone(self),
            evicted,
            proven: AtomicBool::new(false),
            answering: AtomicU64::new(0),
            answered: AtomicU64::new(0),
        })
    }

    /// Closes the oldest unproven connection (to free a file descriptor); false if none.
    fn evict_oldest(&self) -> bool {
        let oldest = self.lock().unproven.pop_front();
        oldest.map(|(_, notify)| notify.notify_one()).is_some()
    }
}

impl Ticket {
    /// Marks the connection as having sent a whole request head: it is no longer evicted.
    fn prove(&self) {
        if !self.proven.swap(true, Ordering::Relaxed) {
            self.registry
                .lock()
                .unproven
                .retain(|(id, _)| *id != self.id);
        }
    }
}

/// Marks its connection busy from a request's head until its response body is done.
struct Answering(Arc<Ticket>);

impl Answering {
    fn start(ticket: &Arc<Ticket>) -> Self {
        ticket.answering.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(ticket))
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.answered.fetch_add(1, Ordering::Relaxed);
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that keeps its connection marked busy until it is written or dropped.
struct AnsweredBody {
    inner: Body,
    _answering: Answering,
}

impl HttpBody for AnsweredBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves one connection until it ends, is evicted, or stays idle (see the module docs) for
/// `idle_limit`.
async fn watch_connection(connection: impl Future, ticket: Arc<Ticket>, idle_limit: Duration) {
    const CHECKS: u32 = 4;
    let period = (idle_limit / CHECKS).max(Duration::from_millis(1));
    let start = tokio::time::Instant::now() + period;
    let mut checks = tokio::time::interval_at(start, period);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let evicted = ticket.evicted.notified();
    tokio::pin!(connection, evicted);
    let mut seen = 0;
    let mut idle_checks = 0;
    loop {
        tokio::select! {
            _ = &mut connection => return,
            () = &mut evicted => return,
            _ = checks.tick() => {
                let answered = ticket.answered.load(Ordering::Relaxed);
                if ticket.answering.load(Ordering::Relaxed) > 0 || answered != seen {
                    seen = answered;
                    idle_checks = 0;
                } else {
                    idle_checks += 1;
                    if idle_checks >= CHECKS {
                        return;
                    }
                }
            }
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        inner.open -= 1;
        if !self.proven.load(Ordering::Relaxed) {
            inner.unproven.retain(|(id, _)| *id != self.id);
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then waits up to
/// [`SHUTDOWN_GRACE`] for requests in progress.
pub(crate) async fn serve(
    listener: TcpListener,
    app: crate::routes::App,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry {
        cap: limits.max_connections.max(1),
        inner: Mutex::default(),
    });
    let mut http = http1::Builder::new();
    // No timer, so no header read timeout of hyper's own: `watch_connection` closes idle
    // connections.
    http.max_buf_size(READ_BUFFER_BYTES)
        .max_header_size(READ_BUFFER_BYTES);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut accept_failing = false;
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    accept_failing = false;
                    stream
                }
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    if !accept_failing {
                        tracing::warn!(%error, "accept failed; closing the oldest stalled connection");
                    }
                    accept_failing = true;
                    let pause = if registry.evict_oldest() {
                        EVICTED_PAUSE
                    } else {
                        ACCEPT_ERROR_PAUSE
                    };
                    tokio::time::sleep(pause).await;
                    continue;
                }
            },
        };
        let Some(ticket) = registry.admit() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let ticket = Arc::new(ticket);
        let service = {
            let ticket = Arc::clone(&ticket);
            let app = app.clone();
            let body_timeout = limits.body_read_timeout;
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                ticket.prove();
                let answering = Answering::start(&ticket);
                let request = request.map(|body| {
                    if body.is_end_stream() {
                        Body::empty()
                    } else {
                        Body::new(DeadlineBody {
                            inner: body,
                            deadline: Box::pin(tokio::time::sleep(body_timeout)),
                        })
                    }
                });
                let response = app.call(request);
                async move {
                    let response = response.await;
                    // Handed to hyper as it is: no second boxing of the body.
                    Ok::<_, std::convert::Infallible>(response.map(|inner| AnsweredBody {
                        inner,
                        _answering: answering,
                    }))
                }
            })
        };
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(watch_connection(
            connection,
            ticket,
            limits.header_read_timeout,
        ));
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    Ok(())
}
