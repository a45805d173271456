//! `/metrics` through the `metrics` crate's Prometheus exporter: request durations by
//! route template, method and status class; the database pools; the response cache; the
//! statistics hit buffer. Each app has its own recorder (several apps may share a
//! process, as in the tests); figures that already live elsewhere (pool sizes, the hit
//! buffer, cache look-ups) are read when scraped.

use std::sync::atomic::Ordering;
use std::time::Duration;

use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use crate::caching::ResponseCache;
use crate::db::Db;
use crate::stats::collector::Collector;

/// Histogram buckets in seconds: from a cached read to a slow write.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

const METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

const REQUEST_DURATION: &str = "newsdesk_http_request_duration_seconds";

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Metrics {
    fn default() -> Self {
        let recorder =
            PrometheusBuilder::new().set_buckets(&BUCKETS).expect("the buckets are not empty").build_recorder();
        let handle = recorder.handle();
        let metrics = Self { recorder, handle };
        metrics.describe();
        metrics
    }
}

impl Metrics {
    fn describe(&self) {
        let histogram = |name: &'static str, help: &'static str| {
            self.recorder.describe_histogram(name.into(), Some(Unit::Seconds), SharedString::const_str(help));
        };
        histogram(REQUEST_DURATION, "Time to answer HTTP requests, by route template, method and status class.");
        let described = [
            ("newsdesk_db_pool_connections", "Open connections of each database pool."),
            ("newsdesk_db_pool_in_use", "Connections of each pool in use now."),
            ("newsdesk_db_pool_max", "The most connections each pool may open."),
            ("newsdesk_db_pool_wait_microseconds_total", "Time spent waiting for a pooled connection."),
            ("newsdesk_db_pool_waits_total", "Connections taken from each pool."),
            ("newsdesk_db_queries_total", "SQL statements run."),
            ("newsdesk_db_replica_up", "1 while a read replica serves reads (answering, within the allowed lag)."),
            (
                "newsdesk_db_replica_lag_seconds",
                "How far behind the primary each replica was at its last check, at most.",
            ),
            ("newsdesk_db_replica_reads_total", "Public reads each replica answered."),
            ("newsdesk_db_replica_fallbacks_total", "Reads a replica failed, answered by the primary instead."),
            ("newsdesk_response_cache_total", "Response cache look-ups by result: hit, stale or miss."),
            ("newsdesk_response_cache_entries", "Responses kept in memory now."),
            ("newsdesk_response_cache_bytes", "Bytes the kept responses take now."),
            ("newsdesk_response_cache_evictions_total", "Responses dropped to stay within NEWSDESK_RESPONSE_CACHE_MB."),
            (
                "newsdesk_response_cache_declined_total",
                "Article responses not kept: their first read (kept from the second).",
            ),
            ("newsdesk_content_changes_applied", "The newest change of another process (or its own) applied here."),
            ("newsdesk_stats_hits_total", "Hits recorded."),
            ("newsdesk_stats_hit_buffer_depth", "Hits waiting for the next flush."),
            ("newsdesk_stats_hit_buffer_entries", "Visitors and visitor-article pairs the hit buffer holds now."),
            ("newsdesk_stats_hit_buffer_limit", "The most entries the hit buffer holds (NEWSDESK_STATS_BUFFER_LIMIT)."),
            (
                "newsdesk_stats_hits_overflowed_total",
                "Hits that found the buffer full: page views, but no visit or article view.",
            ),
            ("newsdesk_stats_flushes_total", "Successful flushes."),
            ("newsdesk_stats_flush_failures_total", "Failed flushes (retried)."),
            ("newsdesk_stats_flush_microseconds_total", "Time spent flushing."),
            ("newsdesk_stats_last_flush_seconds", "Duration of the last flush."),
            ("newsdesk_stats_last_flush_hits", "Hits written by the last flush."),
        ];
        for (name, help) in described {
            let help = SharedString::const_str(help);
            if name.ends_with("_total") {
                self.recorder.describe_counter(name.into(), None, help);
            } else {
                self.recorder.describe_gauge(name.into(), None, help);
            }
        }
    }

    /// One answered request. `route` is the template it matched (`/api/v1/articles/{id}`),
    /// never the raw path, so the label set stays bounded.
    pub fn record_request(&self, route: Option<&str>, method: &str, status: u16, took: Duration) {
        let class = match status / 100 {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        };
        let labels = vec![
            Label::new("route", route.unwrap_or("unmatched").to_owned()),
            Label::new("method", method.to_owned()),
            Label::from_static_parts("status", class),
        ];
        let key = Key::from_parts(REQUEST_DURATION, labels);
        self.recorder.register_histogram(&key, &METADATA).record(took.as_secs_f64());
    }

    fn gauge(&self, name: &'static str, labels: &[(&'static str, &'static str)], value: f64) {
        self.recorder.register_gauge(&key(name, labels), &METADATA).set(value);
    }

    fn counter(&self, name: &'static str, labels: &[(&'static str, &'static str)], value: u64) {
        self.recorder.register_counter(&key(name, labels), &METADATA).absolute(value);
    }

    /// The Prometheus text exposition, with the figures read at scrape time brought up to date.
    pub fn render(&self, db: &Db, stats: &Collector, cache: &ResponseCache, newest_change: i64) -> String {
        for pool in db.pools() {
            let labels = [("pool", pool.name)];
            self.gauge("newsdesk_db_pool_connections", &labels, f64::from(pool.state.connections));
            let in_use = pool.state.connections - pool.state.idle_connections;
            self.gauge("newsdesk_db_pool_in_use", &labels, f64::from(in_use));
            self.gauge("newsdesk_db_pool_max", &labels, f64::from(pool.max));
            let waited = u64::try_from(pool.waited.as_micros()).unwrap_or(u64::MAX);
            self.counter("newsdesk_db_pool_wait_microseconds_total", &labels, waited);
            self.counter("newsdesk_db_pool_waits_total", &labels, pool.waits);
        }
        self.counter("newsdesk_db_queries_total", &[], db.queries_run());
        for replica in db.replicas().map(|r| r.figures()).unwrap_or_default() {
            let key = |name: &'static str| Key::from_parts(name, vec![Label::new("replica", replica.name.clone())]);
            let up = replica.status.state == crate::db::replicas::ReplicaState::Healthy;
            self.recorder.register_gauge(&key("newsdesk_db_replica_up"), &METADATA).set(if up { 1.0 } else { 0.0 });
            if let Some(lag) = replica.status.lag {
                self.recorder.register_gauge(&key("newsdesk_db_replica_lag_seconds"), &METADATA).set(lag.as_secs_f64());
            }
            self.recorder.register_counter(&key("newsdesk_db_replica_reads_total"), &METADATA).absolute(replica.reads);
            let fallbacks = key("newsdesk_db_replica_fallbacks_total");
            self.recorder.register_counter(&fallbacks, &METADATA).absolute(replica.fallbacks);
        }
        for (result, n) in cache.lookups() {
            self.counter("newsdesk_response_cache_total", &[("result", result)], n);
        }
        let (entries, bytes) = cache.size();
        self.gauge("newsdesk_response_cache_entries", &[], entries as f64);
        self.gauge("newsdesk_response_cache_bytes", &[], bytes as f64);
        self.counter("newsdesk_response_cache_evictions_total", &[], cache.evictions());
        self.counter("newsdesk_response_cache_declined_total", &[], cache.declined());
        self.gauge("newsdesk_content_changes_applied", &[], newest_change as f64);
        let m = &stats.metrics;
        let load = |n: &std::sync::atomic::AtomicU64| n.load(Ordering::Relaxed);
        self.counter("newsdesk_stats_hits_total", &[], load(&m.hits_recorded));
        self.gauge("newsdesk_stats_hit_buffer_depth", &[], stats.pending() as f64);
        self.gauge("newsdesk_stats_hit_buffer_entries", &[], stats.buffer_entries() as f64);
        self.gauge("newsdesk_stats_hit_buffer_limit", &[], stats.config().buffer_limit as f64);
        self.counter("newsdesk_stats_hits_overflowed_total", &[], load(&m.hits_overflowed));
        self.counter("newsdesk_stats_flushes_total", &[], load(&m.flushes));
        self.counter("newsdesk_stats_flush_failures_total", &[], load(&m.flush_failures));
        self.counter("newsdesk_stats_flush_microseconds_total", &[], load(&m.flush_micros_total));
        self.gauge("newsdesk_stats_last_flush_seconds", &[], load(&m.last_flush_micros) as f64 / 1e6);
        self.gauge("newsdesk_stats_last_flush_hits", &[], load(&m.last_flush_hits) as f64);
        self.handle.render()
    }
}

fn key(name: &'static str, labels: &[(&'static str, &'static str)]) -> Key {
    Key::from_parts(name, labels.iter().map(|(k, v)| Label::from_static_parts(k, v)).collect::<Vec<_>>())
}
