//! The time the app runs on: the system clock, which tests can move forward to cross
//! visit windows and midnights without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, NaiveDateTime, SubsecRound, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The current UTC time, at microsecond precision (what both databases keep).
    pub fn now(&self) -> NaiveDateTime {
        let offset = Duration::microseconds(self.offset_micros.load(Ordering::Relaxed));
        (Utc::now().naive_utc() + offset).trunc_subsecs(6)
    }

    /// Moves this clock (and every copy of it) forward or back.
    pub fn advance(&self, by: Duration) {
        self.offset_micros.fetch_add(by.num_microseconds().unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// Sets this clock (and every copy of it) to `at`, from where it keeps running.
    pub fn set(&self, at: NaiveDateTime) {
        let offset = at - Utc::now().naive_utc();
        self.offset_micros.store(offset.num_microseconds().unwrap_or(0), Ordering::Relaxed);
    }
}
