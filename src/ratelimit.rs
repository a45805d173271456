//! A fixed-window request limit per client key, kept in this process's memory.
//!
//! Used where a limit guards capacity rather than security (rating writes): each process
//! enforces it on its own share of the traffic. Sign-in attempts, where the limit
//! guards accounts, are counted in the database instead (see `auth::model`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked clients, expired windows are swept, at most once a second: a
/// sweep visits every client, and when all of them are within their window (many distinct
/// readers in a minute) sweeping on every check would make each check cost them all.
const SWEEP_THRESHOLD: usize = 10_000;
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    state: Mutex<Windows>,
}

struct Windows {
    by_key: HashMap<String, (Instant, u32)>,
    last_sweep: Instant,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window, state: Mutex::new(Windows { by_key: HashMap::new(), last_sweep: Instant::now() }) }
    }

    /// Counts one request for `key`; `Err(seconds)` when over the limit, with the
    /// seconds until the window ends.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.by_key.len() > SWEEP_THRESHOLD && now.duration_since(state.last_sweep) >= SWEEP_INTERVAL {
            state.by_key.retain(|_, (started, _)| now.duration_since(*started) < self.window);
            state.last_sweep = now;
        }
        let (started, count) = state.by_key.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*started) >= self.window {
            *started = now;
            *count = 0;
        }
        if *count >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(*started));
            return Err(left.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_key_and_resets_with_the_window() {
        let limiter = RateLimiter::new(2, Duration::from_millis(50));
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_err());
        assert!(limiter.check("b").is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.check("a").is_ok());
    }

    #[test]
    fn many_clients_are_swept_once_their_windows_end() {
        let limiter = RateLimiter::new(1, Duration::from_millis(10));
        for n in 0..=SWEEP_THRESHOLD {
            limiter.check(&n.to_string()).unwrap();
        }
        std::thread::sleep(SWEEP_INTERVAL);
        limiter.check("late").unwrap();
        assert_eq!(limiter.state.lock().unwrap().by_key.len(), 1, "only the late client is left");
    }
}
