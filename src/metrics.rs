//! Request counters for `/metrics`, kept in atomics so counting costs no lock.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::stats::collector::Collector;

#[derive(Debug, Default)]
pub struct HttpMetrics {
    /// Responses by status class: 1xx to 5xx.
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
}

impl HttpMetrics {
    pub fn record(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// The Prometheus text exposition of the HTTP and statistics figures.
pub fn render(http: &HttpMetrics, stats: &Collector, queries: u64) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let one = |v: u64| vec![(String::new(), v as f64)];
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let classes: Vec<(String, f64)> = http
        .by_class
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("{{status=\"{}xx\"}}", i + 1), load(n) as f64))
        .collect();
    metric("newsdesk_http_responses_total", "counter", "HTTP responses by status class.", &classes);
    metric(
        "newsdesk_http_response_seconds_total",
        "counter",
        "Time spent answering HTTP requests.",
        &[(String::new(), load(&http.duration_micros) as f64 / 1e6)],
    );
    metric("newsdesk_db_queries_total", "counter", "SQL statements run.", &one(queries));
    let m = &stats.metrics;
    metric("newsdesk_stats_hits_total", "counter", "Hits recorded.", &one(load(&m.hits_recorded)));
    metric("newsdesk_stats_hit_buffer_depth", "gauge", "Hits waiting for the next flush.", &one(stats.pending()));
    metric("newsdesk_stats_flushes_total", "counter", "Successful flushes.", &one(load(&m.flushes)));
    metric(
        "newsdesk_stats_flush_failures_total",
        "counter",
        "Failed flushes (retried).",
        &one(load(&m.flush_failures)),
    );
    metric(
        "newsdesk_stats_flush_seconds_total",
        "counter",
        "Time spent flushing.",
        &[(String::new(), load(&m.flush_micros_total) as f64 / 1e6)],
    );
    metric(
        "newsdesk_stats_last_flush_seconds",
        "gauge",
        "Duration of the last flush.",
        &[(String::new(), load(&m.last_flush_micros) as f64 / 1e6)],
    );
    metric(
        "newsdesk_stats_last_flush_hits",
        "gauge",
        "Hits written by the last flush.",
        &one(load(&m.last_flush_hits)),
    );
    out
}
