//! The sending policy: what to do with each answer a collector can give.
//!
//! Pure decisions, no I/O and no reading of time: the emitter tells it what
//! happened and when (in the injected clock's milliseconds), and it answers
//! with what to do with the events of that request and when to try again.
//! Keeping it pure is what lets every status class be tested on a manual
//! clock, and what keeps the emitter a loop of mechanical steps.
//!
//! The rules, in order (after Snowplow's native trackers, with the
//! differences the project chose written down in docs/delivery.md):
//! 1. 2xx: the events were received; delete them.
//! 2. 307 or 308: follow the `Location` (same method, same body), a few hops.
//! 3. `retryFailedRequests: false`: any other answer drops the events.
//! 4. 413 (too large): split the batch; a single event still too large is
//!    dropped as oversized.
//! 5. `customRetryForStatusCodes`: `true` retries the code, `false` refuses it.
//! 6. 400, 401, 403, 410, 422 (refused for good): split the batch until the
//!    refused events are isolated; only those are dropped, as rejected.
//! 7. Anything else (other statuses, network errors): keep the events and
//!    retry later: after `Retry-After` for 429 and 503 when the collector says
//!    so, otherwise with exponential backoff with jitter, up to a cap.
//!
//! A `flush()` tries at once and never lengthens the backoff.

use std::collections::HashMap;

/// Statuses that are not retried unless `customRetryForStatusCodes` says so.
pub const NO_RETRY_STATUSES: [u16; 5] = [400, 401, 403, 410, 422];
/// How many redirects (307, 308) one request follows.
pub const MAX_REDIRECTS: u8 = 3;
/// The first retry delay.
pub const FIRST_BACKOFF_MS: i64 = 1_000;
/// The longest retry delay, also the longest `Retry-After` honoured.
pub const MAX_BACKOFF_MS: i64 = 10 * 60 * 1_000;

/// The retry settings of `emitterConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// `retryFailedRequests` (default true): false drops events at the first failure.
    pub retry_failed_requests: bool,
    /// `customRetryForStatusCodes`: per status, retry (`true`) or drop (`false`).
    pub custom: HashMap<u16, bool>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            retry_failed_requests: true,
            custom: HashMap::new(),
        }
    }
}

/// What came back for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// An HTTP status, with the `Retry-After` delay in ms if one was given
    /// and understood, and the `Location` of a redirect.
    Status {
        /// The status code.
        code: u16,
        /// `Retry-After`, converted to a delay in ms.
        retry_after_ms: Option<i64>,
        /// `Location`, for 307 and 308.
        location: Option<String>,
    },
    /// No answer: the collector could not be reached, or did not answer in time.
    NoAnswer,
}

/// Why events were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The collector refused them for good (or retries are off).
    Rejected,
    /// Too large for the collector (413), alone in its request.
    Oversized,
}

/// What to do with the events of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Received: delete them.
    Delete,
    /// Send the same request to this URL.
    Follow(String),
    /// Send the batch again in two halves, to find the events at fault.
    Split,
    /// Drop them, counted under this reason.
    Drop(DropReason),
    /// Keep them and try again later; `after_ms` is set when the collector
    /// said how long to wait.
    Retry {
        /// The collector's `Retry-After`, in ms.
        after_ms: Option<i64>,
    },
}

/// Decides what a response means for a request of `events` events that has
/// already followed `hops` redirects.
pub fn decide(config: &RetryConfig, response: &Response, events: usize, hops: u8) -> Action {
    let (code, retry_after_ms, location) = match response {
        Response::NoAnswer => {
            return if config.retry_failed_requests {
                Action::Retry { after_ms: None }
            } else {
                Action::Drop(DropReason::Rejected)
            }
        }
        Response::Status {
            code,
            retry_after_ms,
            location,
        } => (*code, *retry_after_ms, location),
    };
    if (200..300).contains(&code) {
        return Action::Delete;
    }
    if matches!(code, 307 | 308) && hops < MAX_REDIRECTS {
        if let Some(to) = location {
            return Action::Follow(to.clone());
        }
    }
    if !config.retry_failed_requests {
        return Action::Drop(DropReason::Rejected);
    }
    if code == 413 {
        return if events > 1 {
            Action::Split
        } else {
            Action::Drop(DropReason::Oversized)
        };
    }
    let retry = match config.custom.get(&code) {
        Some(retry) => *retry,
        None => !NO_RETRY_STATUSES.contains(&code),
    };
    if !retry {
        return if events > 1 {
            Action::Split
        } else {
            Action::Drop(DropReason::Rejected)
        };
    }
    let after_ms = if matches!(code, 429 | 503) {
        retry_after_ms.map(|ms| ms.clamp(0, MAX_BACKOFF_MS))
    } else {
        None
    };
    Action::Retry { after_ms }
}

/// Parses `Retry-After`: delay-seconds, or an HTTP-date (IMF-fixdate) read
/// against `now_ms`. Anything else is ignored.
pub fn retry_after_ms(value: &str, now_ms: i64) -> Option<i64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX));
    }
    http_date_ms(value).map(|at| (at - now_ms).max(0))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` in epoch ms.
fn http_date_ms(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: i64 = day.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + m) * 60_000 + sec * 1000)
}

/// When to try again after failures: exponential backoff with jitter, reset
/// by a success, and never lengthened by a `flush()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backoff {
    failures: u32,
    next_at_ms: Option<i64>,
}

impl Backoff {
    /// When the next attempt is due, if one is scheduled.
    pub fn next_at_ms(&self) -> Option<i64> {
        self.next_at_ms
    }

    /// Whether an attempt may run at `now_ms` (no retry is pending, or it is due).
    pub fn due(&self, now_ms: i64) -> bool {
        self.next_at_ms.is_none_or(|at| now_ms >= at)
    }

    /// Everything was sent: the next failure starts from the first delay.
    pub fn succeeded(&mut self) {
        *self = Backoff::default();
    }

    /// An attempt failed at `now_ms`. `jitter` is a random number; the delay
    /// is drawn from the upper half of the current step, so retries of many
    /// devices spread out. A collector's `Retry-After` replaces the delay. An
    /// attempt made by `flush()` does not count as a step: it keeps the
    /// schedule it found (or sets the current step's delay if there was none).
    pub fn failed(
        &mut self,
        now_ms: i64,
        retry_after_ms: Option<i64>,
        by_flush: bool,
        jitter: u64,
    ) {
        if let Some(after) = retry_after_ms {
            self.next_at_ms = Some(now_ms + after);
            return;
        }
        if by_flush && self.next_at_ms.is_some() {
            return;
        }
        let step = FIRST_BACKOFF_MS
            .saturating_mul(1i64 << self.failures.min(20))
            .min(MAX_BACKOFF_MS);
        let half = step / 2;
        let delay =
            half + i64::try_from(jitter % (u64::try_from(half).unwrap_or(1) + 1)).unwrap_or(0);
        self.next_at_ms = Some(now_ms + delay);
        if !by_flush {
            self.failures = self.failures.saturating_add(1);
        }
    }

    /// Consecutive failures so far (not counting flushes).
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Response {
        Response::Status {
            code,
            retry_after_ms: None,
            location: None,
        }
    }

    #[test]
    fn one_row_per_status_class() {
        let c = RetryConfig::default();
        for code in [200, 201, 204, 299] {
            assert_eq!(decide(&c, &status(code), 5, 0), Action::Delete, "{code}");
        }
        for code in NO_RETRY_STATUSES {
            assert_eq!(
                decide(&c, &status(code), 5, 0),
                Action::Split,
                "{code} with several events"
            );
            assert_eq!(
                decide(&c, &status(code), 1, 0),
                Action::Drop(DropReason::Rejected),
                "{code} alone"
            );
        }
        assert_eq!(decide(&c, &status(413), 2, 0), Action::Split);
        assert_eq!(
            decide(&c, &status(413), 1, 0),
            Action::Drop(DropReason::Oversized)
        );
        for code in [500, 502, 504, 404, 405, 408, 301, 302, 418] {
            assert_eq!(
                decide(&c, &status(code), 3, 0),
                Action::Retry { after_ms: None },
                "{code}"
            );
        }
        assert_eq!(
            decide(&c, &Response::NoAnswer, 3, 0),
            Action::Retry { after_ms: None }
        );
    }

    #[test]
    fn retry_after_is_honoured_for_429_and_503_only() {
        let c = RetryConfig::default();
        let with = |code, ms| Response::Status {
            code,
            retry_after_ms: Some(ms),
            location: None,
        };
        assert_eq!(
            decide(&c, &with(429, 5_000), 3, 0),
            Action::Retry {
                after_ms: Some(5_000)
            }
        );
        assert_eq!(
            decide(&c, &with(503, 7_000), 3, 0),
            Action::Retry {
                after_ms: Some(7_000)
            }
        );
        assert_eq!(
            decide(&c, &with(500, 5_000), 3, 0),
            Action::Retry { after_ms: None }
        );
        assert_eq!(
            decide(&c, &with(429, 86_400_000), 3, 0),
            Action::Retry {
                after_ms: Some(MAX_BACKOFF_MS)
            }
        );
        assert_eq!(retry_after_ms("5", 0), Some(5_000));
        assert_eq!(retry_after_ms(" 120 ", 0), Some(120_000));
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(http_date_ms(date), Some(1_445_412_480_000));
        assert_eq!(retry_after_ms(date, 1_445_412_470_000), Some(10_000));
        assert_eq!(
            retry_after_ms(date, 1_445_412_490_000),
            Some(0),
            "a date in the past: now"
        );
        assert_eq!(retry_after_ms("soon", 0), None);
        assert_eq!(retry_after_ms("-3", 0), None);
    }

    #[test]
    fn redirects_are_followed_a_few_hops() {
        let c = RetryConfig::default();
        let to = |code| Response::Status {
            code,
            retry_after_ms: None,
            location: Some("http://b/x".into()),
        };
        assert_eq!(
            decide(&c, &to(307), 4, 0),
            Action::Follow("http://b/x".into())
        );
        assert_eq!(
            decide(&c, &to(308), 4, MAX_REDIRECTS - 1),
            Action::Follow("http://b/x".into())
        );
        assert_eq!(
            decide(&c, &to(308), 4, MAX_REDIRECTS),
            Action::Retry { after_ms: None },
            "too many hops"
        );
        assert_eq!(
            decide(&c, &status(307), 4, 0),
            Action::Retry { after_ms: None },
            "no Location"
        );
        assert_eq!(
            decide(&c, &to(302), 4, 0),
            Action::Retry { after_ms: None },
            "a POST is not turned into a GET"
        );
    }

    #[test]
    fn custom_codes_and_retries_off() {
        let mut c = RetryConfig::default();
        c.custom.insert(403, true);
        c.custom.insert(500, false);
        assert_eq!(
            decide(&c, &status(403), 1, 0),
            Action::Retry { after_ms: None }
        );
        assert_eq!(
            decide(&c, &status(500), 1, 0),
            Action::Drop(DropReason::Rejected)
        );
        assert_eq!(decide(&c, &status(500), 4, 0), Action::Split);
        let off = RetryConfig {
            retry_failed_requests: false,
            custom: c.custom.clone(),
        };
        assert_eq!(
            decide(&off, &status(503), 4, 0),
            Action::Drop(DropReason::Rejected)
        );
        assert_eq!(
            decide(&off, &status(403), 4, 0),
            Action::Drop(DropReason::Rejected),
            "off wins over custom"
        );
        assert_eq!(
            decide(&off, &Response::NoAnswer, 4, 0),
            Action::Drop(DropReason::Rejected)
        );
        assert_eq!(decide(&off, &status(200), 4, 0), Action::Delete);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_resets_on_success() {
        let mut b = Backoff::default();
        assert!(b.due(0));
        let mut last_step = 0;
        for i in 0..16 {
            b.failed(0, None, false, u64::MAX / 3 + i);
            let delay = b.next_at_ms().unwrap();
            let step = (FIRST_BACKOFF_MS << i.min(20)).min(MAX_BACKOFF_MS);
            assert!(
                delay >= step / 2 && delay <= step,
                "attempt {i}: {delay} within [{}, {step}]",
                step / 2
            );
            assert!(step >= last_step);
            last_step = step;
        }
        assert_eq!(last_step, MAX_BACKOFF_MS);
        assert!(!b.due(1) && b.due(MAX_BACKOFF_MS));
        b.succeeded();
        assert!(b.due(0));
        b.failed(0, None, false, 0);
        assert_eq!(b.next_at_ms(), Some(FIRST_BACKOFF_MS / 2));
    }

    #[test]
    fn a_flush_never_lengthens_the_backoff() {
        let mut b = Backoff::default();
        b.failed(0, None, false, 0);
        b.failed(1_000, None, false, 0);
        let scheduled = b.next_at_ms();
        let failures = b.failures();
        for t in [1_100, 1_200, 1_300] {
            b.failed(t, None, true, 12345);
            assert_eq!(
                b.next_at_ms(),
                scheduled,
                "a failed flush keeps the schedule"
            );
            assert_eq!(b.failures(), failures, "and does not count a step");
        }
        let mut fresh = Backoff::default();
        fresh.failed(5_000, None, true, 0);
        assert_eq!(fresh.failures(), 0);
        assert_eq!(
            fresh.next_at_ms(),
            Some(5_000 + FIRST_BACKOFF_MS / 2),
            "first delay after a failed flush"
        );
        fresh.failed(6_000, Some(5_000), false, 0);
        assert_eq!(
            fresh.next_at_ms(),
            Some(11_000),
            "Retry-After replaces the delay"
        );
    }
}
