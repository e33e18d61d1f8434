//! Retries with exponential backoff and full jitter, shared by both clients.
//!
//! # What is retried
//!
//! | failure | idempotent action | other action |
//! | --- | --- | --- |
//! | connection could not be established (refused; nothing was sent) | yes | yes |
//! | connection lost after the request may have been sent | yes | no |
//! | HTTP 429, or 5xx other than 501 and 505 | yes | no |
//! | timeout (of the whole exchange, or of connecting) | no | no |
//! | TLS, protocol, body too large, 3xx/4xx | no | no |
//!
//! An action is idempotent when the spec says so (`HttpRequest::idempotent`, shown in each
//! method's docs); creating contacts, sending SMS and editing consent lists are not, so they
//! are never sent twice once the server may have seen them. A timeout is not retried: the
//! server may still be working on the request, and retrying would multiply the time a caller
//! waits beyond the configured timeout.
//!
//! The wait before retry `n` (from 1) is a uniformly random duration between zero and
//! `min(max_delay, base_delay * 2^(n-1))` ("full jitter"). A 429 or 503 with a
//! `Retry-After: <seconds>` header waits that long instead; when the server asks for longer
//! than [`RetryPolicy::max_retry_after`], the call fails with that response rather than
//! blocking for so long.

use dlspbx_core::Error;
use std::cell::Cell;
use std::time::Duration;

/// When and how failed calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries). Default 3.
    pub max_attempts: u32,
    /// The backoff before the first retry, doubled for each further retry. Default 200 ms.
    pub base_delay: Duration,
    /// The longest backoff. Default 5 s.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits for; a longer one ends the retries.
    /// Default 30 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    ///
    /// ```
    /// use dlspbx::RetryPolicy;
    /// assert_eq!(RetryPolicy::none().max_attempts, 1);
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The default policy with `max_attempts` attempts.
    ///
    /// ```
    /// use dlspbx::RetryPolicy;
    /// let policy = RetryPolicy::attempts(5);
    /// assert_eq!(policy.max_attempts, 5);
    /// assert_eq!(policy.base_delay, RetryPolicy::default().base_delay);
    /// ```
    pub fn attempts(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts,
            ..Self::default()
        }
    }

    /// Sets the backoff's base and cap.
    ///
    /// ```
    /// use dlspbx::RetryPolicy;
    /// use std::time::Duration;
    /// let policy = RetryPolicy::default().backoff(Duration::from_millis(50), Duration::from_secs(1));
    /// assert_eq!(policy.max_delay, Duration::from_secs(1));
    /// ```
    pub fn backoff(mut self, base_delay: Duration, max_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self.max_delay = max_delay;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    ///
    /// ```
    /// use dlspbx::RetryPolicy;
    /// use std::time::Duration;
    /// // Give up rather than wait more than 10 s for a server that asks for it.
    /// let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(10));
    /// assert_eq!(policy.max_retry_after, Duration::from_secs(10));
    /// ```
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The full-jitter wait before retry number `retry` (from 1).
    ///
    /// ```
    /// use dlspbx::RetryPolicy;
    /// use std::time::Duration;
    /// let policy = RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_secs(1));
    /// // Up to 100 ms, 200 ms, 400 ms... never more than the cap.
    /// assert!(policy.delay(2) <= Duration::from_millis(200));
    /// assert!(policy.delay(30) <= Duration::from_secs(1));
    /// ```
    pub fn delay(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let cap = exp.min(self.max_delay);
        cap.mul_f64(jitter())
    }
}

/// A uniform number in `[0, 1)` for the jitter: xorshift64* per thread, seeded from the
/// standard library's per-process random hash keys, the clock and the thread. Jitter only has
/// to spread clients apart, not be unpredictable, so no random-number crate is needed.
fn jitter() -> f64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed());
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        // The top 53 bits as a fraction.
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    })
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    std::thread::current().id().hash(&mut hasher);
    // xorshift must not start at zero.
    hasher.finish() | 1
}

/// How an attempt failed before any response arrived, as far as retrying is concerned.
#[derive(Debug)]
pub enum Failure {
    /// The connection could not be established: nothing was sent.
    NotSent(Error),
    /// The connection failed after the request may have been sent.
    MaybeSent(Error),
    /// A timeout.
    Timeout(Error),
    /// Anything else (TLS, protocol, a body over the cap): not retried.
    Fatal(Error),
}

impl Failure {
    /// The error to return to the caller.
    pub fn into_error(self) -> Error {
        match self {
            Failure::NotSent(e)
            | Failure::MaybeSent(e)
            | Failure::Timeout(e)
            | Failure::Fatal(e) => e,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Failure::NotSent(_) => "connect failed",
            Failure::MaybeSent(_) => "connection lost",
            Failure::Timeout(_) => "timeout",
            Failure::Fatal(_) => "fatal",
        }
    }
}

/// What to do after an attempt (see [`Retries::judge`]).
#[derive(Debug)]
pub enum Next<R> {
    /// The call's outcome: return it.
    Done(Result<R, Error>),
    /// Wait this long and send again. The response to this attempt, if there was one, is
    /// handed back so that the transport can drain it and reuse the connection.
    Retry(Duration, Option<R>),
}

/// The retry bookkeeping of one call: each client's loop asks it whether to try again.
#[derive(Debug)]
pub struct Retries {
    policy: RetryPolicy,
    idempotent: bool,
    attempts: u32,
}

impl Retries {
    /// Starts a call of an action (idempotent or not) under `policy`.
    pub fn new(policy: RetryPolicy, idempotent: bool) -> Self {
        Retries {
            policy,
            idempotent,
            attempts: 0,
        }
    }

    /// Counts an attempt about to be made.
    pub fn start_attempt(&mut self) {
        self.attempts += 1;
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// After a failure: the wait before the next attempt, or `None` to give up.
    pub fn after_failure(&self, failure: &Failure) -> Option<Duration> {
        let retryable = match failure {
            Failure::NotSent(_) => true,
            Failure::MaybeSent(_) => self.idempotent,
            Failure::Timeout(_) | Failure::Fatal(_) => false,
        };
        let delay = self.next_delay(retryable, None)?;
        tracing::debug!(
            attempt = self.attempts,
            delay_ms = delay.as_millis() as u64,
            reason = failure.kind(),
            "retrying"
        );
        Some(delay)
    }

    /// After a response with `status` (and its `Retry-After` header): the wait before the
    /// next attempt, or `None` to keep this response.
    pub fn after_status(&self, status: u16, retry_after: Option<&str>) -> Option<Duration> {
        let retryable = self.idempotent && is_retryable_status(status);
        let asked = retry_after.and_then(parse_retry_after);
        if asked.is_some_and(|d| d > self.policy.max_retry_after) {
            return None;
        }
        let delay = self.next_delay(retryable, asked)?;
        tracing::debug!(
            attempt = self.attempts,
            delay_ms = delay.as_millis() as u64,
            status,
            "retrying"
        );
        Some(delay)
    }

    /// Counts one attempt and judges how it went: a response (`head` reads its status and
    /// `Retry-After` header) or a failure. Each client's exchange loop sends, calls this, and
    /// either returns or waits and sends again.
    pub fn judge<R>(
        &mut self,
        sent: Result<R, Failure>,
        head: fn(&R) -> (u16, Option<&str>),
    ) -> Next<R> {
        self.start_attempt();
        match sent {
            Ok(response) => {
                let (status, retry_after) = head(&response);
                match self.after_status(status, retry_after) {
                    Some(delay) => Next::Retry(delay, Some(response)),
                    None => Next::Done(Ok(response)),
                }
            }
            Err(failure) => match self.after_failure(&failure) {
                Some(delay) => Next::Retry(delay, None),
                None => Next::Done(Err(failure.into_error())),
            },
        }
    }

    fn next_delay(&self, retryable: bool, asked: Option<Duration>) -> Option<Duration> {
        (retryable && self.attempts < self.policy.max_attempts)
            .then(|| asked.unwrap_or_else(|| self.policy.delay(self.attempts)))
    }
}

/// 429 and 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported), which
/// another attempt would not change.
pub fn is_retryable_status(status: u16) -> bool {
    status == 429 || ((500..600).contains(&status) && status != 501 && status != 505)
}

/// A `Retry-After` in delta-seconds (an HTTP date is not supported and ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn jitter_is_uniform_in_the_unit_interval() {
        let draws: Vec<f64> = (0..10_000).map(|_| super::jitter()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.45..0.55).contains(&mean), "{mean}");
        let low = draws.iter().filter(|x| **x < 0.1).count();
        assert!((800..1200).contains(&low), "{low}");
    }

    use super::*;

    fn err() -> Error {
        Error::Transport(dlspbx_core::TransportError::new(
            dlspbx_core::error::TransportKind::Io,
            "x",
        ))
    }

    #[test]
    fn jitter_stays_under_the_cap() {
        let p = RetryPolicy::default();
        for retry in 1..10 {
            let cap = (p.base_delay * 2u32.pow(retry - 1)).min(p.max_delay);
            for _ in 0..50 {
                assert!(p.delay(retry) <= cap);
            }
        }
        assert!(p.delay(100) <= p.max_delay);
    }

    #[test]
    fn idempotent_rules() {
        let mut r = Retries::new(RetryPolicy::default(), true);
        r.start_attempt();
        assert!(r.after_status(503, None).is_some());
        assert!(r.after_status(429, Some("2")) == Some(Duration::from_secs(2)));
        assert!(r.after_status(429, Some("3600")).is_none());
        assert!(r.after_status(501, None).is_none());
        assert!(r.after_status(404, None).is_none());
        assert!(r.after_failure(&Failure::MaybeSent(err())).is_some());
        assert!(r.after_failure(&Failure::Timeout(err())).is_none());
        r.start_attempt();
        r.start_attempt();
        assert!(r.after_status(503, None).is_none(), "three attempts in all");
    }

    #[test]
    fn judge_counts_attempts_and_hands_back_the_response() {
        fn head(r: &(u16, String)) -> (u16, Option<&str>) {
            (r.0, Some(&r.1))
        }
        let mut r = Retries::new(RetryPolicy::attempts(2), true);
        let busy = || Ok((503, "0".to_owned()));
        assert!(matches!(
            r.judge(busy(), head),
            Next::Retry(_, Some((503, _)))
        ));
        assert!(matches!(r.judge(busy(), head), Next::Done(Ok((503, _)))));
        assert_eq!(r.attempts(), 2);
        let mut r = Retries::new(RetryPolicy::default(), false);
        let failed = r.judge(Err::<(u16, String), _>(Failure::MaybeSent(err())), head);
        assert!(matches!(failed, Next::Done(Err(Error::Transport(_)))));
    }

    #[test]
    fn non_idempotent_rules() {
        let mut r = Retries::new(RetryPolicy::default(), false);
        r.start_attempt();
        assert!(r.after_status(503, None).is_none());
        assert!(r.after_status(429, Some("1")).is_none());
        assert!(r.after_failure(&Failure::MaybeSent(err())).is_none());
        assert!(r.after_failure(&Failure::NotSent(err())).is_some());
    }
}
