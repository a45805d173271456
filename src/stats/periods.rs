//! Periods in the site time zone, named as the counters are keyed: `total`, `2026`,
//! `2026-11`, `2026-11-27`, `2026-11-27T14`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa::ToSchema;

pub const TOTAL: &str = "total";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Hour,
    Day,
    Month,
    Year,
}

/// The local date and hour of a UTC instant.
pub fn local(at: NaiveDateTime, tz: Tz) -> NaiveDateTime {
    tz.from_utc_datetime(&at).naive_local()
}

pub fn name(local: NaiveDateTime, granularity: Granularity) -> String {
    match granularity {
        Granularity::Hour => format!("{}T{:02}", local.date().format("%Y-%m-%d"), local.hour()),
        Granularity::Day => local.date().format("%Y-%m-%d").to_string(),
        Granularity::Month => local.date().format("%Y-%m").to_string(),
        Granularity::Year => local.year().to_string(),
    }
}

/// Every counter a hit at `at` adds to: its hour, day, month, year, and the total.
pub fn all_containing(at: NaiveDateTime, tz: Tz) -> [String; 5] {
    let local = local(at, tz);
    [
        name(local, Granularity::Hour),
        name(local, Granularity::Day),
        name(local, Granularity::Month),
        name(local, Granularity::Year),
        TOTAL.to_owned(),
    ]
}

pub fn day(at: NaiveDateTime, tz: Tz) -> String {
    name(local(at, tz), Granularity::Day)
}

/// Whether `period` is a valid counter name: `total`, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub fn is_settable(period: &str) -> bool {
    period == TOTAL
        || (period.len() == 4 && period.parse::<u16>().is_ok())
        || NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").is_ok_and(|_| period.len() == 7)
        || NaiveDate::parse_from_str(period, "%Y-%m-%d").is_ok_and(|_| period.len() == 10)
}

/// The periods of `granularity` from the one holding local time `from` to the one
/// holding `to`, in order; `None` when there would be more than `limit`.
pub fn between(from: NaiveDateTime, to: NaiveDateTime, granularity: Granularity, limit: usize) -> Option<Vec<String>> {
    let mut periods = Vec::new();
    let mut cursor = start_of(from, granularity);
    while cursor <= to {
        if periods.len() == limit {
            return None;
        }
        periods.push(name(cursor, granularity));
        cursor = next(cursor, granularity);
    }
    Some(periods)
}

fn start_of(at: NaiveDateTime, granularity: Granularity) -> NaiveDateTime {
    let date = at.date();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight exists");
    match granularity {
        Granularity::Hour => date.and_hms_opt(at.hour(), 0, 0).expect("whole hours exist"),
        Granularity::Day => midnight(date),
        Granularity::Month => midnight(date.with_day(1).expect("the first exists")),
        Granularity::Year => midnight(NaiveDate::from_ymd_opt(date.year(), 1, 1).expect("1 January exists")),
    }
}

fn next(at: NaiveDateTime, granularity: Granularity) -> NaiveDateTime {
    match granularity {
        Granularity::Hour => at + Duration::hours(1),
        Granularity::Day => at + Duration::days(1),
        Granularity::Month => at.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDateTime::MAX),
        Granularity::Year => at.checked_add_months(chrono::Months::new(12)).unwrap_or(NaiveDateTime::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn days_are_local_to_the_site() {
        let tz: Tz = "Asia/Ho_Chi_Minh".parse().unwrap();
        // 23:59 and 00:01 in Ho Chi Minh City are 16:59 and 17:01 UTC.
        assert_eq!(day(utc("2026-11-27 16:59:00"), tz), "2026-11-27");
        assert_eq!(day(utc("2026-11-27 17:01:00"), tz), "2026-11-28");
        assert_eq!(
            all_containing(utc("2026-12-31 17:30:00"), tz),
            ["2027-01-01T00", "2027-01-01", "2027-01", "2027", "total"].map(String::from)
        );
    }

    #[test]
    fn settable_periods() {
        for good in ["total", "2026", "2026-11", "2026-11-27"] {
            assert!(is_settable(good), "{good}");
        }
        for bad in ["", "26", "2026-13", "2026-11-31", "2026-11-27T10", "all", "2026-1"] {
            assert!(!is_settable(bad), "{bad}");
        }
    }

    #[test]
    fn periods_between() {
        let from = utc("2026-11-30 22:00:00");
        let to = utc("2026-12-01 01:30:00");
        assert_eq!(
            between(from, to, Granularity::Hour, 10).unwrap(),
            ["2026-11-30T22", "2026-11-30T23", "2026-12-01T00", "2026-12-01T01"]
        );
        assert_eq!(between(from, to, Granularity::Month, 10).unwrap(), ["2026-11", "2026-12"]);
        assert!(between(from, to, Granularity::Hour, 3).is_none());
    }
}
