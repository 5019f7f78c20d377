//! Retrying transient failures with exponential backoff and full jitter.

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use crate::error::Error;

/// How often and how patiently transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first included; 1 disables retries.
    pub attempts: u32,
    /// The delay ceiling before the first retry; it doubles with each retry.
    pub initial: Duration,
    /// The largest delay ceiling.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            attempts: 5,
            initial: Duration::from_millis(200),
            max: Duration::from_secs(10),
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (1 for the first): a random duration between
    /// zero and `min(max, initial × 2^(retry-1))`, so that many clients failing together do
    /// not retry together.
    #[must_use]
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial
            .saturating_mul(1_u32 << retry.saturating_sub(1).min(20))
            .min(self.max);
        let random = RandomState::new().hash_one(retry);
        // The fraction keeps 53 bits of randomness, all an f64 holds.
        #[allow(clippy::cast_precision_loss)]
        let fraction = (random >> 11) as f64 / (1_u64 << 53) as f64;
        ceiling.mul_f64(fraction)
    }
}

/// Runs `attempt` until it succeeds, fails for good, or `backoff.attempts` are used up,
/// logging each retry.
pub(crate) async fn retry<T, F, Fut>(
    backoff: &Backoff,
    key: &str,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut number = 1;
    loop {
        match attempt().await {
            Err(error) if error.is_transient() && number < backoff.attempts => {
                let delay = backoff.delay(number);
                tracing::info!(
                    key,
                    attempt = number,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    error = %error,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
                number += 1;
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn delays_stay_under_a_doubling_ceiling() {
        let backoff = Backoff {
            attempts: 10,
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        for retry in 1..40 {
            let ceiling = Duration::from_millis(100 << (retry - 1).min(4)).min(backoff.max);
            assert!(backoff.delay(retry) <= ceiling, "retry {retry}");
        }
        let distinct: std::collections::HashSet<_> = (0..20).map(|_| backoff.delay(3)).collect();
        assert!(distinct.len() > 1, "no jitter: {distinct:?}");
    }

    #[tokio::test]
    async fn transient_errors_are_retried_and_permanent_ones_are_not() {
        let backoff = Backoff {
            attempts: 3,
            initial: Duration::from_millis(1),
            max: Duration::from_millis(1),
        };
        let calls = AtomicU32::new(0);
        let result: Result<(), Error> = retry(&backoff, "k", || async {
            calls.fetch_add(1, Ordering::Relaxed);
            Err(Error::changed("b", "k"))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::Relaxed), 3);

        calls.store(0, Ordering::Relaxed);
        let result: Result<(), Error> = retry(&backoff, "k", || async {
            calls.fetch_add(1, Ordering::Relaxed);
            Err(Error::rejected("b", "k", crate::Rejection::NotAFile))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }
}
