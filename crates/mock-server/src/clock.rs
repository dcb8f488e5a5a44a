//! [`Clock`]: the mock's one idea of "now", real or frozen, which tests can move.
//!
//! Every time the mock hands out or compares comes from the server's clock: created/updated
//! timestamps, generated and simulated call logs, webhook `timestamp`s, rate-limit windows and
//! the daily budget, OAuth token lifetimes and the journal's times. A clock is either **real**
//! (the system time, plus whatever it has been advanced by) or **frozen** at an instant (it only
//! moves when advanced). Clones share one setting, so advancing the server's clock takes effect
//! at once everywhere: a rate-limit window ends, a token expires, with no real waiting.
//!
//! Durations measured for their own sake (request latency, webhook retry delays) stay on the
//! monotonic real clock; they are not "times the mock hands out".

use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// How a clock starts: the `--clock` flag and [`crate::MockServerBuilder::clock`].
///
/// Parsed from `real` or an RFC 3339 instant (`2026-03-02T09:00:00Z`, any offset):
///
/// ```
/// use mock_server::ClockSetting;
/// // Arrange / Act
/// let real: ClockSetting = "real".parse().expect("real is a setting");
/// let frozen: ClockSetting = "2026-03-02T10:00:00+01:00".parse().expect("an RFC 3339 instant");
/// // Assert
/// assert_eq!(real, ClockSetting::Real);
/// assert_eq!(frozen.to_string(), "2026-03-02T09:00:00.000Z");
/// assert!("yesterday".parse::<ClockSetting>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockSetting {
    /// The system time (the default).
    #[default]
    Real,
    /// Frozen at this instant until advanced.
    Frozen(DateTime<Utc>),
}

impl FromStr for ClockSetting {
    type Err = ClockError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("real") {
            return Ok(Self::Real);
        }
        parse_instant(text).map(Self::Frozen)
    }
}

impl std::fmt::Display for ClockSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Real => f.write_str("real"),
            Self::Frozen(at) => f.write_str(&format_instant(*at)),
        }
    }
}

/// Why a clock setting or move was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockError {
    /// The text is neither `real` nor an RFC 3339 instant.
    BadInstant(String),
    /// The move would take the clock outside the dates it can represent.
    OutOfRange,
}

impl std::fmt::Display for ClockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadInstant(text) => write!(
                f,
                "'{text}' is neither 'real' nor an RFC 3339 instant such as 2026-03-02T09:00:00Z"
            ),
            Self::OutOfRange => f.write_str("the clock cannot be moved that far"),
        }
    }
}

impl std::error::Error for ClockError {}

/// Parses an RFC 3339 instant (any offset) into UTC.
pub(crate) fn parse_instant(text: &str) -> Result<DateTime<Utc>, ClockError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| ClockError::BadInstant(text.to_owned()))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form every timestamp of the mock takes.
pub(crate) fn format_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// System time plus this offset (what the clock has been advanced by).
    Real {
        offset: TimeDelta,
    },
    Frozen(DateTime<Utc>),
}

/// A handle on a clock; clones share it (see the module docs).
///
/// ```
/// use std::time::Duration;
/// use mock_server::{Clock, ClockSetting};
/// // Arrange
/// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
/// let clock = Clock::new(ClockSetting::Frozen(at));
/// let shared = clock.clone();
/// // Act
/// shared.advance(Duration::from_secs(90)).expect("in range");
/// // Assert
/// assert_eq!(clock.now_rfc3339(), "2026-03-02T09:01:30.000Z");
/// assert!(clock.is_frozen());
/// ```
#[derive(Clone)]
pub struct Clock {
    mode: Arc<RwLock<Mode>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Clock").field(&self.mode()).finish()
    }
}

impl Default for Clock {
    /// A real clock.
    fn default() -> Self {
        Self::new(ClockSetting::Real)
    }
}

impl Clock {
    /// A clock starting as `setting` says.
    ///
    /// ```
    /// use mock_server::{Clock, ClockSetting};
    /// // Arrange / Act
    /// let clock = Clock::new(ClockSetting::Real);
    /// // Assert
    /// let drift = (clock.now() - chrono::Utc::now()).num_seconds().abs();
    /// assert!(drift < 5 && !clock.is_frozen());
    /// ```
    pub fn new(setting: ClockSetting) -> Self {
        Self {
            mode: Arc::new(RwLock::new(Self::mode_of(setting))),
        }
    }

    fn mode_of(setting: ClockSetting) -> Mode {
        match setting {
            ClockSetting::Real => Mode::Real {
                offset: TimeDelta::zero(),
            },
            ClockSetting::Frozen(at) => Mode::Frozen(at),
        }
    }

    fn mode(&self) -> Mode {
        *self.mode.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The clock's "now".
    ///
    /// ```
    /// use mock_server::{Clock, ClockSetting};
    /// // Arrange
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// // Act
    /// let clock = Clock::new(ClockSetting::Frozen(at));
    /// // Assert
    /// assert_eq!(clock.now(), at);
    /// ```
    pub fn now(&self) -> DateTime<Utc> {
        match self.mode() {
            Mode::Frozen(at) => at,
            Mode::Real { offset } => {
                let now = Utc::now();
                now.checked_add_signed(offset).unwrap_or(now)
            }
        }
    }

    /// [`Clock::now`] in milliseconds since the Unix epoch.
    ///
    /// ```
    /// use mock_server::{Clock, ClockSetting};
    /// // Arrange / Act
    /// let clock = Clock::new(ClockSetting::Frozen("1970-01-01T00:00:01.5Z".parse().expect("an instant")));
    /// // Assert
    /// assert_eq!(clock.now_ms(), 1500);
    /// ```
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// [`Clock::now`] as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    ///
    /// ```
    /// use mock_server::{Clock, ClockSetting};
    /// // Arrange / Act
    /// let clock = Clock::new(ClockSetting::Frozen("2026-03-02T09:00:00Z".parse().expect("an instant")));
    /// // Assert
    /// assert_eq!(clock.now_rfc3339(), "2026-03-02T09:00:00.000Z");
    /// ```
    pub fn now_rfc3339(&self) -> String {
        format_instant(self.now())
    }

    /// [`Clock::now`] as a [`SystemTime`], read without chrono's calendar arithmetic: the
    /// journal reads it on every request.
    pub(crate) fn system_time(&self) -> SystemTime {
        match self.mode() {
            Mode::Frozen(at) => SystemTime::from(at),
            Mode::Real { offset } => {
                let now = SystemTime::now();
                let moved = match offset.to_std() {
                    Ok(ahead) => now.checked_add(ahead),
                    Err(_) => (-offset)
                        .to_std()
                        .ok()
                        .and_then(|back| now.checked_sub(back)),
                };
                moved.unwrap_or(now)
            }
        }
    }

    /// Whether the clock is frozen (it then moves only when advanced).
    ///
    /// ```
    /// use mock_server::Clock;
    /// // Arrange
    /// let clock = Clock::default();
    /// // Act
    /// clock.freeze_now();
    /// // Assert
    /// assert!(clock.is_frozen());
    /// ```
    pub fn is_frozen(&self) -> bool {
        matches!(self.mode(), Mode::Frozen(_))
    }

    /// How far a real clock runs ahead of the system time (what it was advanced by); zero for a
    /// frozen clock.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mock_server::Clock;
    /// // Arrange
    /// let clock = Clock::default();
    /// // Act
    /// clock.advance(Duration::from_secs(10)).expect("in range");
    /// // Assert
    /// assert_eq!(clock.offset(), chrono::TimeDelta::seconds(10));
    /// ```
    pub fn offset(&self) -> TimeDelta {
        match self.mode() {
            Mode::Real { offset } => offset,
            Mode::Frozen(_) => TimeDelta::zero(),
        }
    }

    /// The setting that would restart the clock where it is now: `Real` (offset aside) or
    /// `Frozen` at its instant.
    ///
    /// ```
    /// use mock_server::{Clock, ClockSetting};
    /// // Arrange / Act
    /// let clock = Clock::default();
    /// // Assert
    /// assert_eq!(clock.setting(), ClockSetting::Real);
    /// ```
    pub fn setting(&self) -> ClockSetting {
        match self.mode() {
            Mode::Real { .. } => ClockSetting::Real,
            Mode::Frozen(at) => ClockSetting::Frozen(at),
        }
    }

    /// Switches the clock to `setting` (a real clock loses its offset).
    ///
    /// ```
    /// use mock_server::{Clock, ClockSetting};
    /// // Arrange
    /// let clock = Clock::new(ClockSetting::Frozen("2026-03-02T09:00:00Z".parse().expect("an instant")));
    /// // Act
    /// clock.set(ClockSetting::Real);
    /// // Assert
    /// assert!(!clock.is_frozen());
    /// ```
    pub fn set(&self, setting: ClockSetting) {
        *self.mode.write().unwrap_or_else(PoisonError::into_inner) = Self::mode_of(setting);
    }

    /// Freezes the clock at `at`.
    ///
    /// ```
    /// use mock_server::Clock;
    /// // Arrange
    /// let clock = Clock::default();
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// // Act
    /// clock.freeze(at);
    /// // Assert
    /// assert_eq!(clock.now(), at);
    /// ```
    pub fn freeze(&self, at: DateTime<Utc>) {
        self.set(ClockSetting::Frozen(at));
    }

    /// Freezes the clock where it is now, and returns that instant.
    ///
    /// ```
    /// use mock_server::Clock;
    /// // Arrange
    /// let clock = Clock::default();
    /// // Act
    /// let at = clock.freeze_now();
    /// // Assert
    /// assert_eq!(clock.now(), at);
    /// ```
    pub fn freeze_now(&self) -> DateTime<Utc> {
        let mut mode = self.mode.write().unwrap_or_else(PoisonError::into_inner);
        let at = match *mode {
            Mode::Frozen(at) => at,
            Mode::Real { offset } => {
                let now = Utc::now();
                now.checked_add_signed(offset).unwrap_or(now)
            }
        };
        *mode = Mode::Frozen(at);
        at
    }

    /// Back to the system time, with no offset.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mock_server::Clock;
    /// // Arrange
    /// let clock = Clock::default();
    /// clock.advance(Duration::from_secs(3600)).expect("in range");
    /// // Act
    /// clock.use_real_time();
    /// // Assert
    /// assert_eq!(clock.offset(), chrono::TimeDelta::zero());
    /// ```
    pub fn use_real_time(&self) {
        self.set(ClockSetting::Real);
    }

    /// Moves the clock forward by `by` (a frozen clock stays frozen at the later instant; a
    /// real one runs that much ahead of the system time from now on) and returns the new "now".
    ///
    /// # Errors
    ///
    /// [`ClockError::OutOfRange`] when the result would pass the last representable date; the
    /// clock is then unchanged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mock_server::{Clock, ClockError, ClockSetting};
    /// // Arrange
    /// let clock = Clock::new(ClockSetting::Frozen("2026-03-02T09:00:00Z".parse().expect("an instant")));
    /// // Act
    /// let now = clock.advance(Duration::from_secs(86_400)).expect("in range");
    /// // Assert
    /// assert_eq!(now.to_rfc3339(), "2026-03-03T09:00:00+00:00");
    /// assert_eq!(clock.advance(Duration::MAX), Err(ClockError::OutOfRange));
    /// assert_eq!(clock.now(), now);
    /// ```
    pub fn advance(&self, by: Duration) -> Result<DateTime<Utc>, ClockError> {
        let delta = TimeDelta::from_std(by).map_err(|_| ClockError::OutOfRange)?;
        let mut mode = self.mode.write().unwrap_or_else(PoisonError::into_inner);
        match *mode {
            Mode::Frozen(at) => {
                let later = at.checked_add_signed(delta).ok_or(ClockError::OutOfRange)?;
                *mode = Mode::Frozen(later);
                Ok(later)
            }
            Mode::Real { offset } => {
                let offset = offset.checked_add(&delta).ok_or(ClockError::OutOfRange)?;
                let later = Utc::now()
                    .checked_add_signed(offset)
                    .ok_or(ClockError::OutOfRange)?;
                *mode = Mode::Real { offset };
                Ok(later)
            }
        }
    }
}

/// The clock methods of the server state (`GET`/`PUT /__mock/clock` call these).
impl crate::AppState {
    /// The server's clock (shared with the store and the OAuth server).
    ///
    /// ```
    /// // Arrange / Act
    /// let state = mock_server::MockServer::builder().build_state();
    /// // Assert
    /// assert!(!state.clock().is_frozen());
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The server's "now".
    ///
    /// ```
    /// use mock_server::ClockSetting;
    /// // Arrange
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// // Act
    /// let state = mock_server::MockServer::builder().clock(ClockSetting::Frozen(at)).build_state();
    /// // Assert
    /// assert_eq!(state.now(), at);
    /// ```
    pub fn now(&self) -> DateTime<Utc> {
        self.clock().now()
    }

    /// Freezes the server's clock at `at` (see [`Clock::freeze`]).
    ///
    /// ```
    /// // Arrange
    /// let state = mock_server::MockServer::builder().build_state();
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// // Act
    /// state.freeze_clock(at);
    /// // Assert
    /// assert_eq!(state.now(), at);
    /// ```
    pub fn freeze_clock(&self, at: DateTime<Utc>) {
        self.clock().freeze(at);
    }

    /// Moves the server's clock forward (see [`Clock::advance`]); returns the new "now".
    ///
    /// # Errors
    ///
    /// [`ClockError::OutOfRange`] when that is past the last representable date.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mock_server::ClockSetting;
    /// // Arrange
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// let state = mock_server::MockServer::builder().clock(ClockSetting::Frozen(at)).build_state();
    /// // Act
    /// let now = state.advance_clock(Duration::from_secs(10)).expect("in range");
    /// // Assert
    /// assert_eq!((now - at).num_seconds(), 10);
    /// ```
    pub fn advance_clock(&self, by: Duration) -> Result<DateTime<Utc>, ClockError> {
        self.clock().advance(by)
    }

    /// Puts the server's clock back on the system time (see [`Clock::use_real_time`]).
    ///
    /// ```
    /// use mock_server::ClockSetting;
    /// // Arrange
    /// let at = "2020-01-01T00:00:00Z".parse().expect("an instant");
    /// let state = mock_server::MockServer::builder().clock(ClockSetting::Frozen(at)).build_state();
    /// // Act
    /// state.use_real_clock();
    /// // Assert
    /// assert!(!state.clock().is_frozen() && state.now() > at);
    /// ```
    pub fn use_real_clock(&self) {
        self.clock().use_real_time();
    }
}

/// The same clock methods on a running server.
impl crate::MockServer {
    /// The server's clock (see [`crate::AppState::clock`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange / Act
    /// let server = mock_server::MockServer::start().await;
    /// // Assert
    /// assert!(!server.clock().is_frozen());
    /// # }
    /// ```
    pub fn clock(&self) -> &Clock {
        self.state().clock()
    }

    /// The server's "now" (see [`crate::AppState::now`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use mock_server::ClockSetting;
    /// // Arrange
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// // Act
    /// let server = mock_server::MockServer::builder().clock(ClockSetting::Frozen(at)).start().await;
    /// // Assert
    /// assert_eq!(server.now(), at);
    /// # }
    /// ```
    pub fn now(&self) -> DateTime<Utc> {
        self.state().now()
    }

    /// Freezes the server's clock at `at` (see [`crate::AppState::freeze_clock`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// let at = "2026-03-02T09:00:00Z".parse().expect("an instant");
    /// // Act
    /// server.freeze_clock(at);
    /// // Assert
    /// assert_eq!(server.now(), at);
    /// # }
    /// ```
    pub fn freeze_clock(&self, at: DateTime<Utc>) {
        self.state().freeze_clock(at);
    }

    /// Moves the server's clock forward (see [`crate::AppState::advance_clock`]).
    ///
    /// # Errors
    ///
    /// [`ClockError::OutOfRange`] when that is past the last representable date.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// let before = server.now();
    /// // Act
    /// let after = server.advance_clock(Duration::from_secs(3600)).expect("in range");
    /// // Assert
    /// assert!((after - before).num_minutes() >= 60);
    /// # }
    /// ```
    pub fn advance_clock(&self, by: Duration) -> Result<DateTime<Utc>, ClockError> {
        self.state().advance_clock(by)
    }

    /// Puts the server's clock back on the system time (see
    /// [`crate::AppState::use_real_clock`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = mock_server::MockServer::start().await;
    /// server.freeze_clock("2020-01-01T00:00:00Z".parse().expect("an instant"));
    /// // Act
    /// server.use_real_clock();
    /// // Assert
    /// assert!(!server.clock().is_frozen());
    /// # }
    /// ```
    pub fn use_real_clock(&self) {
        self.state().use_real_clock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_instant(text).expect("an instant")
    }

    #[test]
    fn a_frozen_clock_stands_still_until_advanced() {
        let clock = Clock::new(ClockSetting::Frozen(at("2026-03-02T09:00:00Z")));
        let first = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), first);
        clock
            .advance(Duration::from_millis(1500))
            .expect("in range");
        assert_eq!(clock.now_rfc3339(), "2026-03-02T09:00:01.500Z");
    }

    #[test]
    fn an_advanced_real_clock_keeps_ticking_ahead_of_the_system_time() {
        let clock = Clock::default();
        clock.advance(Duration::from_secs(3600)).expect("in range");
        let ahead = clock.now() - Utc::now();
        assert!(ahead > TimeDelta::minutes(59) && ahead <= TimeDelta::minutes(60));
        assert!(!clock.is_frozen());
        clock.use_real_time();
        assert!((clock.now() - Utc::now()).num_seconds().abs() < 5);
    }

    #[test]
    fn the_journal_instant_is_the_clocks_now() {
        let frozen = Clock::new(ClockSetting::Frozen(at("2026-03-02T09:00:00.250Z")));
        assert_eq!(frozen.system_time(), SystemTime::from(frozen.now()));
        let real = Clock::default();
        real.advance(Duration::from_secs(7200)).expect("in range");
        let before = SystemTime::from(real.now());
        let read = real.system_time();
        let after = SystemTime::from(real.now());
        assert!(
            before <= read && read <= after,
            "{before:?} {read:?} {after:?}"
        );
    }

    #[test]
    fn clones_share_one_setting() {
        let clock = Clock::default();
        let other = clock.clone();
        other.freeze(at("2020-01-01T00:00:00Z"));
        assert_eq!(clock.now_rfc3339(), "2020-01-01T00:00:00.000Z");
    }

    #[test]
    fn settings_parse_from_real_or_any_offset_and_refuse_the_rest() {
        assert_eq!("REAL".parse(), Ok(ClockSetting::Real));
        assert_eq!(
            "2026-03-02T04:00:00-05:00".parse(),
            Ok(ClockSetting::Frozen(at("2026-03-02T09:00:00Z")))
        );
        for bad in ["", "2026-03-02", "2026-03-02 09:00", "tomorrow", "1e9"] {
            assert_eq!(
                bad.parse::<ClockSetting>(),
                Err(ClockError::BadInstant(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_move_past_the_last_date_is_refused_and_changes_nothing() {
        let clock = Clock::new(ClockSetting::Frozen(DateTime::<Utc>::MAX_UTC));
        assert_eq!(
            clock.advance(Duration::from_secs(1)),
            Err(ClockError::OutOfRange)
        );
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
        let real = Clock::default();
        assert_eq!(
            real.advance(Duration::from_secs(u64::MAX / 4)),
            Err(ClockError::OutOfRange)
        );
        assert_eq!(real.offset(), TimeDelta::zero());
    }
}
