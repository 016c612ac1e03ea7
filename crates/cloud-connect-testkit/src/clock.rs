//! The injectable clock shared by both simulators.
//!
//! Simulated time is real wall-clock time plus an offset that tests can only move forward
//! ([`Clock::advance`]). Everything time-based in the simulators (key revocation windows, key
//! expiry, settle windows, disconnect delays, the Elasticsearch warm-up window, endpoint
//! appearance) reads this clock, so a test can either sleep or advance.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in simulated time, in milliseconds since the Unix epoch.
pub type Millis = u64;

/// Shared, cheaply cloneable simulated clock.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicU64>,
}

impl Clock {
    /// A clock that starts at real time (offset zero).
    pub fn new() -> Self {
        Self::default()
    }

    /// Current simulated time in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> Millis {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        real + self.offset_ms.load(Ordering::SeqCst)
    }

    /// Current simulated time as an RFC 3339 UTC string with second precision
    /// (`2026-05-04T09:42:00Z`).
    pub fn now_rfc3339(&self) -> String {
        rfc3339(self.now_ms())
    }

    /// Moves simulated time forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// Total amount by which the clock has been advanced.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// Formats epoch milliseconds as RFC 3339 UTC with second precision.
pub fn rfc3339(ms: Millis) -> String {
    let (date, secs_of_day) = civil(ms);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        (secs_of_day / 60) % 60,
        secs_of_day % 60
    )
}

/// Formats epoch milliseconds as RFC 3339 UTC with millisecond precision
/// (`2026-01-01T00:00:00.000Z`), as Elasticsearch prints dates.
pub fn rfc3339_millis(ms: Millis) -> String {
    let (date, secs_of_day) = civil(ms);
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        secs_of_day / 3600,
        (secs_of_day / 60) % 60,
        secs_of_day % 60,
        ms % 1000
    )
}

/// Splits epoch milliseconds into a `YYYY-MM-DD` date and the seconds of that day.
fn civil(ms: Millis) -> (String, u64) {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let secs_of_day = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (format!("{year:04}-{month:02}-{day:02}"), secs_of_day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600_000), "2026-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_millis(1_769_817_600_123),
            "2026-01-31T00:00:00.123Z"
        );
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn advance_moves_forward() {
        let clock = Clock::new();
        let before = clock.now_ms();
        clock.advance(Duration::from_secs(7 * 86_400));
        assert!(clock.now_ms() >= before + 7 * 86_400_000);
    }
}
