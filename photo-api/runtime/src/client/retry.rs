//! When and how long to wait before trying a throttled or unavailable call again.
//!
//! Graph throttles with `429`, and answers `503`/`504` when overloaded, usually with a
//! `Retry-After` header. Microsoft's SDKs retry such answers up to three times, honour
//! `Retry-After` (seconds or an HTTP date), fall back to exponential backoff, and never wait more
//! than 180 seconds in total; this policy does the same by default.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// How the client retries throttled (`429`) and unavailable (`503`, `504`) answers.
///
/// Only requests whose body can be sent again are retried; a streamed upload is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; `0` disables retrying.
    pub max_retries: u32,
    /// The first backoff delay when the service gives no `Retry-After`; doubled on each retry
    /// and jittered so that many clients do not retry in lockstep.
    pub base_delay: Duration,
    /// The most the client waits in total over all retries of one call; a wait that would go
    /// past it is not made, and the last answer is returned instead.
    pub max_total_delay: Duration,
}

impl Default for RetryPolicy {
    /// Microsoft's SDK defaults: 3 retries, a 3 second base delay, 180 seconds in total.
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_secs(3),
            max_total_delay: Duration::from_secs(180),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries, for callers that handle throttling themselves.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Whether an answer with `status` is worth retrying at all.
    pub fn is_retryable_status(status: u16) -> bool {
        matches!(status, 429 | 503 | 504)
    }

    /// How long to wait before retry number `retry` (1 for the first retry), given the server's
    /// `Retry-After` and the time already `waited` in this call; `None` means give up.
    pub fn delay_before(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        waited: Duration,
    ) -> Option<Duration> {
        if retry == 0 || retry > self.max_retries {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(retry));
        let total = waited.checked_add(delay)?;
        (total <= self.max_total_delay).then_some(delay)
    }

    /// Exponential backoff with "equal jitter": half the nominal delay is fixed and half random,
    /// so waits grow but never collapse to zero.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(16);
        let nominal = self.base_delay.saturating_mul(factor);
        let half = nominal / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if jitter_nanos == 0 {
            0
        } else {
            rand::rng().random_range(0..=jitter_nanos)
        };
        half.saturating_add(Duration::from_nanos(jitter))
    }
}

/// Reads a `Retry-After` value: a number of seconds, or an HTTP date (a past date means now).
/// Returns `None` for anything else, so a garbled header falls back to backoff.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Longer than u64 seconds is "effectively forever"; the total limit then stops retrying.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    if value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        // Not RFC 9110, but some front ends send fractional seconds.
        let seconds: f64 = value.parse().ok()?;
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn seconds_are_read() {
        assert_eq!(parse_retry_after("0", at(0)), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", at(0)),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("1.5", at(0)),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", at(0)),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn http_dates_are_read_relative_to_now() {
        // 1994-11-06T08:49:37Z is 784111777 seconds after the epoch.
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(
            parse_retry_after(date, at(784_111_777 - 30)),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after(date, at(784_111_777 + 30)),
            Some(Duration::ZERO)
        );
        // The obsolete RFC 850 and asctime forms are HTTP dates too.
        let rfc850 = "Sunday, 06-Nov-94 08:49:37 GMT";
        assert_eq!(
            parse_retry_after(rfc850, at(784_111_777 - 5)),
            Some(Duration::from_secs(5))
        );
        let asctime = "Sun Nov  6 08:49:37 1994";
        assert_eq!(
            parse_retry_after(asctime, at(784_111_777 - 5)),
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn garbage_is_ignored() {
        for value in ["", "soon", "-1", "1e3", "1..2", "Sun, 06 Nov 1994"] {
            assert_eq!(parse_retry_after(value, at(0)), None, "{value:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_within_the_total_limit() {
        let policy = RetryPolicy::default();
        let wait = Some(Duration::from_secs(10));
        assert_eq!(
            policy.delay_before(1, wait, Duration::ZERO),
            Some(Duration::from_secs(10))
        );
        assert_eq!(policy.delay_before(2, wait, Duration::from_secs(175)), None);
        assert_eq!(
            policy.delay_before(4, wait, Duration::ZERO),
            None,
            "past max_retries"
        );
        assert_eq!(
            RetryPolicy::none().delay_before(1, wait, Duration::ZERO),
            None
        );
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        let policy = RetryPolicy {
            base_delay: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            for (retry, nominal) in [(1, 2), (2, 4), (3, 8)] {
                let nominal = Duration::from_secs(nominal);
                let delay = policy.delay_before(retry, None, Duration::ZERO);
                assert!(
                    delay.is_some_and(|d| d >= nominal / 2 && d <= nominal),
                    "{delay:?}"
                );
            }
        }
    }

    #[test]
    fn backoff_never_overflows() {
        let policy = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::MAX,
            max_total_delay: Duration::MAX,
        };
        assert!(policy.delay_before(1000, None, Duration::ZERO).is_some());
        assert_eq!(policy.delay_before(1000, None, Duration::MAX), None);
    }

    #[test]
    fn only_throttling_and_unavailability_are_retried() {
        assert!(
            [429, 503, 504]
                .into_iter()
                .all(RetryPolicy::is_retryable_status)
        );
        assert!(
            ![200, 400, 401, 404, 500, 502]
                .into_iter()
                .any(RetryPolicy::is_retryable_status)
        );
    }
}
