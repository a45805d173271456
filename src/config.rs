//! Settings, from command-line flags or the environment (and a `.env` file). Every value
//! has a default; a bad value stops start-up with a message naming the variable.

use std::net::SocketAddr;

use chrono_tz::Tz;
use clap::Args;
use ipnet::IpNet;

use crate::db::DatabaseTarget;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: a SQLite file path (`sqlite://PATH` or `sqlite:PATH` also work) or a
    /// `postgres://` URL.
    #[arg(long, env = "DATABASE_URL", value_name = "DATABASE_URL", default_value = "newsdesk.db", value_parser = DatabaseTarget::parse)]
    pub database_url: DatabaseTarget,

    /// PostgreSQL read replicas (hot standbys of `DATABASE_URL`), comma-separated: public,
    /// anonymous reads are spread across them; everything else stays on the primary.
    #[arg(long, env = "NEWSDESK_REPLICA_URLS", value_name = "NEWSDESK_REPLICA_URLS", value_delimiter = ',',
          value_parser = parse_replica_url)]
    pub replica_urls: Vec<String>,

    /// Seconds a replica may lag behind the primary before its reads go to the primary.
    #[arg(long, env = "NEWSDESK_REPLICA_MAX_LAG", value_name = "NEWSDESK_REPLICA_MAX_LAG", default_value_t = 5.0,
          value_parser = parse_seconds)]
    pub replica_max_lag: f64,

    /// Address and port to listen on.
    #[arg(long, env = "NEWSDESK_BIND", value_name = "NEWSDESK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "NEWSDESK_BODY_LIMIT", value_name = "NEWSDESK_BODY_LIMIT", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=64 * 1024 * 1024))]
    pub body_limit: u64,

    /// Origins allowed to call the API from a browser, comma-separated (none by default).
    #[arg(long, env = "NEWSDESK_CORS_ORIGINS", value_name = "NEWSDESK_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "NEWSDESK_WORKERS", value_name = "NEWSDESK_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,

    /// Largest number of pooled database connections for reads.
    #[arg(long, env = "NEWSDESK_DB_POOL_SIZE", value_name = "NEWSDESK_DB_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=512))]
    pub db_pool_size: u32,

    /// Password of the `admin` user created at the first start (random and logged once when unset).
    #[arg(long, env = "NEWSDESK_ADMIN_PASSWORD", value_name = "NEWSDESK_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Secret that signs access tokens, at least 32 characters (generated once and kept
    /// in the database when unset).
    #[arg(long, env = "NEWSDESK_JWT_SECRET", value_name = "NEWSDESK_JWT_SECRET", hide_env_values = true,
          value_parser = parse_jwt_secret)]
    pub jwt_secret: Option<String>,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "NEWSDESK_ACCESS_TOKEN_TTL", value_name = "NEWSDESK_ACCESS_TOKEN_TTL", default_value_t = 900,
          value_parser = clap::value_parser!(i64).range(10..=86_400))]
    pub access_token_ttl: i64,

    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "NEWSDESK_REFRESH_TOKEN_TTL", value_name = "NEWSDESK_REFRESH_TOKEN_TTL",
          default_value_t = 30 * 86_400, value_parser = clap::value_parser!(i64).range(60..=365 * 86_400))]
    pub refresh_token_ttl: i64,

    /// Failed sign-ins on one account before it is locked for the lockout time.
    #[arg(long, env = "NEWSDESK_LOGIN_MAX_FAILURES", value_name = "NEWSDESK_LOGIN_MAX_FAILURES", default_value_t = 5,
          value_parser = clap::value_parser!(i32).range(1..=1000))]
    pub login_max_failures: i32,

    /// Failed sign-ins from one client address before it is locked for the lockout time.
    #[arg(long, env = "NEWSDESK_LOGIN_MAX_FAILURES_PER_CLIENT", value_name = "NEWSDESK_LOGIN_MAX_FAILURES_PER_CLIENT",
          default_value_t = 20, value_parser = clap::value_parser!(i32).range(1..=100_000))]
    pub login_max_failures_per_client: i32,

    /// Seconds over which sign-in failures add up, and that a lockout lasts.
    #[arg(long, env = "NEWSDESK_LOGIN_LOCKOUT", value_name = "NEWSDESK_LOGIN_LOCKOUT", default_value_t = 900,
          value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub login_lockout: i64,

    /// Proxies whose `X-Forwarded-For` / `Forwarded` headers are believed: addresses or
    /// networks, comma-separated (e.g. `127.0.0.1,10.0.0.0/8`). None by default.
    #[arg(long, env = "NEWSDESK_TRUSTED_PROXIES", value_name = "NEWSDESK_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = parse_network)]
    pub trusted_proxies: Vec<IpNet>,

    /// Rating writes one client may make per minute.
    #[arg(long, env = "NEWSDESK_RATING_RATE_LIMIT", value_name = "NEWSDESK_RATING_RATE_LIMIT", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub rating_rate_limit: u32,

    /// New ratings of one article one client address may give per local day (0: no cap).
    /// Distinct visitor ids behind one address are distinct readers up to this many.
    #[arg(long, env = "NEWSDESK_RATINGS_PER_ADDRESS_PER_DAY", value_name = "NEWSDESK_RATINGS_PER_ADDRESS_PER_DAY",
          default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub ratings_per_address_per_day: u32,

    /// The site's time zone: what "today" and "this month" mean in the statistics.
    #[arg(long, env = "NEWSDESK_TIMEZONE", value_name = "NEWSDESK_TIMEZONE", default_value = "Asia/Ho_Chi_Minh",
          value_parser = parse_time_zone)]
    pub time_zone: Tz,

    /// Seconds of inactivity after which a visitor's next hit is a new visit (and a new
    /// article view).
    #[arg(long, env = "NEWSDESK_VISIT_WINDOW", value_name = "NEWSDESK_VISIT_WINDOW", default_value_t = 1800,
          value_parser = clap::value_parser!(i64).range(60..=86_400))]
    pub visit_window: i64,

    /// Seconds a visitor counts as online after their last hit.
    #[arg(long, env = "NEWSDESK_ONLINE_WINDOW", value_name = "NEWSDESK_ONLINE_WINDOW", default_value_t = 300,
          value_parser = clap::value_parser!(i64).range(10..=86_400))]
    pub online_window: i64,

    /// Milliseconds between writes of the buffered hits to the database: the most a
    /// crash can lose.
    #[arg(long, env = "NEWSDESK_STATS_FLUSH_INTERVAL", value_name = "NEWSDESK_STATS_FLUSH_INTERVAL",
          default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub stats_flush_interval: u64,

    /// The most visitors and visitor-article pairs the hit buffer holds between flushes.
    /// Half full, it is flushed early; full, hits of visitors not in it yet count as page
    /// views but not as visits or article views (`newsdesk_stats_hits_overflowed_total`).
    #[arg(long, env = "NEWSDESK_STATS_BUFFER_LIMIT", value_name = "NEWSDESK_STATS_BUFFER_LIMIT",
          default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(100..=100_000_000))]
    pub stats_buffer_limit: u64,

    /// A request header holding the client's country code, set by a trusted proxy (such
    /// as `CF-IPCountry`); countries are `unknown` without it.
    #[arg(long, env = "NEWSDESK_COUNTRY_HEADER", value_name = "NEWSDESK_COUNTRY_HEADER")]
    pub country_header: Option<String>,

    /// The public address of the portal, for absolute links in feeds and articles.
    #[arg(long, env = "NEWSDESK_SITE_URL", value_name = "NEWSDESK_SITE_URL", default_value = "http://127.0.0.1:8080",
          value_parser = parse_site_url)]
    pub site_url: String,

    /// Where an article's page is on the portal; `{slug}` is filled in.
    #[arg(long, env = "NEWSDESK_ARTICLE_PATH", value_name = "NEWSDESK_ARTICLE_PATH", default_value = "/articles/{slug}",
          value_parser = parse_article_path)]
    pub article_path: String,

    /// The portal's name, the title of its feeds.
    #[arg(long, env = "NEWSDESK_SITE_NAME", value_name = "NEWSDESK_SITE_NAME", default_value = "newsdesk")]
    pub site_name: String,

    /// `max-age` of public GET responses, in seconds (0: revalidate every time).
    #[arg(long, env = "NEWSDESK_CACHE_MAX_AGE", value_name = "NEWSDESK_CACHE_MAX_AGE", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(0..=86_400))]
    pub cache_max_age: u32,

    /// Seconds a public article response is kept in memory and given to readers. Content
    /// changes forget it at once in this process and within half a second in the others;
    /// what the time bounds is how old a view count from another process may look.
    #[arg(long, env = "NEWSDESK_ARTICLE_CACHE_SECONDS", value_name = "NEWSDESK_ARTICLE_CACHE_SECONDS",
          default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub article_cache_seconds: u64,

    /// MiB of memory for public responses kept to answer readers (articles, list pages,
    /// blocks); past it the least recently read go first.
    #[arg(long, env = "NEWSDESK_RESPONSE_CACHE_MB", value_name = "NEWSDESK_RESPONSE_CACHE_MB", default_value_t = 16,
          value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub response_cache_mb: u64,

    /// Revisions kept per article; older ones are pruned by the write that goes past it.
    #[arg(long, env = "NEWSDESK_REVISIONS_KEEP", value_name = "NEWSDESK_REVISIONS_KEEP", default_value_t = 100,
          value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub revisions_keep: i64,

    /// Whether writes to articles, sources and categories must send `If-Match` (428 without).
    #[arg(long, env = "NEWSDESK_REQUIRE_IF_MATCH", value_name = "NEWSDESK_REQUIRE_IF_MATCH", default_value_t = false,
          action = clap::ArgAction::Set)]
    pub require_if_match: bool,

    /// Days an article stays in the trash before it is removed for good.
    #[arg(long, env = "NEWSDESK_TRASH_DAYS", value_name = "NEWSDESK_TRASH_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..=36_500))]
    pub trash_days: i64,

    /// Days audit log entries are kept.
    #[arg(long, env = "NEWSDESK_AUDIT_DAYS", value_name = "NEWSDESK_AUDIT_DAYS", default_value_t = 365,
          value_parser = clap::value_parser!(i64).range(1..=36_500))]
    pub audit_days: i64,

    /// Where a frontend shows a draft preview: a URL template with `{id}`, `{slug}` and
    /// `{token}` (e.g. `https://portal.vn/api/draft?slug={slug}&token={token}`).
    #[arg(long, env = "NEWSDESK_PREVIEW_URL", value_name = "NEWSDESK_PREVIEW_URL", value_parser = parse_preview_url)]
    pub preview_url: Option<String>,

    /// Milliseconds between sweeps of the trash and of old audit entries.
    #[arg(long, env = "NEWSDESK_MAINTENANCE_INTERVAL", value_name = "NEWSDESK_MAINTENANCE_INTERVAL",
          default_value_t = 600_000, value_parser = clap::value_parser!(u64).range(10..=86_400_000))]
    pub maintenance_interval: u64,

    /// Seconds before the first retry of a failed webhook delivery (fractions allowed); the
    /// later delays (about 5 min, 30 min, 2 h, 5 h, 10 h, 10 h at the default) scale with it.
    #[arg(long, env = "NEWSDESK_WEBHOOK_RETRY_BASE", value_name = "NEWSDESK_WEBHOOK_RETRY_BASE", default_value_t = 5.0,
          value_parser = parse_seconds)]
    pub webhook_retry_base: f64,

    /// Failed delivery attempts in a row after which an endpoint is disabled.
    #[arg(long, env = "NEWSDESK_WEBHOOK_DISABLE_AFTER", value_name = "NEWSDESK_WEBHOOK_DISABLE_AFTER",
          default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_disable_after: u32,

    /// Whether webhooks may target loopback, private and link-local addresses (refused by default).
    #[arg(long, env = "NEWSDESK_WEBHOOK_ALLOW_PRIVATE", value_name = "NEWSDESK_WEBHOOK_ALLOW_PRIVATE",
          default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,

    /// Cache front ends (Varnish) to send `PURGE` with an `xkey` header to after each change, comma-separated.
    #[arg(long, env = "NEWSDESK_PURGE_URLS", value_name = "NEWSDESK_PURGE_URLS", value_delimiter = ',',
          value_parser = parse_purge_url)]
    pub purge_urls: Vec<String>,

    /// Seconds between looks for scheduled articles whose time came or went (fractions allowed).
    #[arg(long, env = "NEWSDESK_SCHEDULER_INTERVAL", value_name = "NEWSDESK_SCHEDULER_INTERVAL",
          default_value_t = 5.0, value_parser = parse_seconds)]
    pub scheduler_interval: f64,

    /// Whether new articles take comments unless their editor says otherwise.
    #[arg(long, env = "NEWSDESK_COMMENTS_DEFAULT", value_name = "NEWSDESK_COMMENTS_DEFAULT",
          default_value_t = true, action = clap::ArgAction::Set)]
    pub comments_default: bool,

    /// Which new comments wait for a moderator: `all`, `guests` (staff comments appear at
    /// once) or `none`.
    #[arg(long, env = "NEWSDESK_COMMENTS_MODERATION", value_name = "NEWSDESK_COMMENTS_MODERATION",
          value_enum, default_value_t = CommentModeration::Guests)]
    pub comments_moderation: CommentModeration,

    /// Comments one client address may post per minute.
    #[arg(long, env = "NEWSDESK_COMMENT_RATE_LIMIT", value_name = "NEWSDESK_COMMENT_RATE_LIMIT", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub comment_rate_limit: u32,

    /// Likes, dislikes and reports one client address may send per minute.
    #[arg(long, env = "NEWSDESK_REACTION_RATE_LIMIT", value_name = "NEWSDESK_REACTION_RATE_LIMIT", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub reaction_rate_limit: u32,

    /// A comment with more links than this waits for a moderator, whatever the moderation mode.
    #[arg(long, env = "NEWSDESK_COMMENTS_MAX_LINKS", value_name = "NEWSDESK_COMMENTS_MAX_LINKS", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub comments_max_links: u32,

    /// Days after publication an article stops taking comments (0: never).
    #[arg(long, env = "NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS", value_name = "NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS",
          default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub comments_close_after_days: u32,

    /// A file of words and phrases, one a line, that mark a comment as spam (matched as
    /// whole words, without diacritics).
    #[arg(long, env = "NEWSDESK_COMMENTS_BLOCKLIST", value_name = "NEWSDESK_COMMENTS_BLOCKLIST")]
    pub comments_blocklist: Option<std::path::PathBuf>,

    /// Where media files are kept: a directory (created) or `s3://bucket/prefix`, with the
    /// usual `AWS_*` variables (`AWS_ENDPOINT`, `AWS_REGION`, keys, `AWS_ALLOW_HTTP`).
    #[arg(long, env = "NEWSDESK_MEDIA_STORE", value_name = "NEWSDESK_MEDIA_STORE", default_value = "./media")]
    pub media_store: String,

    /// Where file URLs point instead of newsdesk's `/media/...` (a bucket's or CDN's base URL).
    #[arg(long, env = "NEWSDESK_MEDIA_PUBLIC_URL", value_name = "NEWSDESK_MEDIA_PUBLIC_URL",
          value_parser = parse_base_url)]
    pub media_public_url: Option<String>,

    /// The largest upload, in bytes.
    #[arg(long, env = "NEWSDESK_MEDIA_MAX_BYTES", value_name = "NEWSDESK_MEDIA_MAX_BYTES",
          default_value_t = 20 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1_073_741_824))]
    pub media_max_bytes: u64,

    /// The most pixels an uploaded image may have (read from its header, before decoding).
    #[arg(long, env = "NEWSDESK_MEDIA_MAX_PIXELS", value_name = "NEWSDESK_MEDIA_MAX_PIXELS",
          default_value_t = 40_000_000, value_parser = clap::value_parser!(u64).range(1..=268_435_456))]
    pub media_max_pixels: u64,

    /// The widths of the responsive variants, comma-separated (never wider than the original).
    #[arg(long, env = "NEWSDESK_MEDIA_WIDTHS", value_name = "NEWSDESK_MEDIA_WIDTHS", value_delimiter = ',',
          default_value = "320,640,960,1280,1920", value_parser = clap::value_parser!(u32).range(16..=8192))]
    pub media_widths: Vec<u32>,

    /// Distinct readers' reports after which an approved comment goes back to moderation.
    #[arg(long, env = "NEWSDESK_COMMENTS_HIDE_AFTER_REPORTS", value_name = "NEWSDESK_COMMENTS_HIDE_AFTER_REPORTS",
          default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub comments_hide_after_reports: u32,

    /// Seconds in-flight requests get to finish on shutdown.
    #[arg(long, env = "NEWSDESK_SHUTDOWN_TIMEOUT", value_name = "NEWSDESK_SHUTDOWN_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_timeout: u64,
}

/// How article and feed links are made absolute.
#[derive(Debug, Clone)]
pub struct SiteUrls {
    pub base: String,
    pub article_path: String,
    pub media: MediaUrls,
}

/// Where media files are linked: newsdesk's `/media` or `NEWSDESK_MEDIA_PUBLIC_URL`, and
/// the widths offered.
#[derive(Debug, Clone)]
pub struct MediaUrls {
    pub base: String,
    pub widths: Vec<u32>,
}

impl SiteUrls {
    pub fn article_url(&self, slug: &str) -> String {
        format!("{}{}", self.base, self.article_path.replace("{slug}", slug))
    }
}

impl Settings {
    pub fn site(&self) -> SiteUrls {
        SiteUrls {
            base: self.site_url.clone(),
            article_path: self.article_path.clone(),
            media: MediaUrls {
                base: self.media_public_url.clone().unwrap_or_else(|| "/media".to_owned()),
                widths: self.media_widths.clone(),
            },
        }
    }

    /// Defaults for everything but the database; used by tests and tools.
    pub fn for_database(database_url: DatabaseTarget) -> Self {
        Self {
            database_url,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: 1024 * 1024,
            cors_origins: Vec::new(),
            workers: None,
            db_pool_size: 8,
            replica_urls: Vec::new(),
            replica_max_lag: 5.0,
            shutdown_timeout: 30,
            admin_password: None,
            jwt_secret: None,
            access_token_ttl: 900,
            refresh_token_ttl: 30 * 86_400,
            login_max_failures: 5,
            login_max_failures_per_client: 20,
            login_lockout: 900,
            trusted_proxies: Vec::new(),
            rating_rate_limit: 30,
            ratings_per_address_per_day: 20,
            time_zone: chrono_tz::Asia::Ho_Chi_Minh,
            visit_window: 1800,
            online_window: 300,
            stats_flush_interval: 1000,
            stats_buffer_limit: 100_000,
            country_header: None,
            site_url: "http://127.0.0.1:8080".into(),
            article_path: "/articles/{slug}".into(),
            site_name: "newsdesk".into(),
            cache_max_age: 30,
            article_cache_seconds: 60,
            response_cache_mb: 16,
            revisions_keep: 100,
            require_if_match: false,
            trash_days: 30,
            audit_days: 365,
            preview_url: None,
            maintenance_interval: 600_000,
            webhook_retry_base: 5.0,
            webhook_disable_after: 20,
            webhook_allow_private: false,
            purge_urls: Vec::new(),
            scheduler_interval: 5.0,
            comments_default: true,
            comments_moderation: CommentModeration::Guests,
            comment_rate_limit: 5,
            reaction_rate_limit: 30,
            comments_max_links: 2,
            comments_close_after_days: 0,
            comments_hide_after_reports: 5,
            comments_blocklist: None,
            media_store: "./media".into(),
            media_public_url: None,
            media_max_bytes: 20 * 1024 * 1024,
            media_max_pixels: 40_000_000,
            media_widths: vec![320, 640, 960, 1280, 1920],
        }
    }
}

/// `https://example.vn` or `http://localhost:3000`: a scheme and host, no path.
fn parse_origin(value: &str) -> Result<String, String> {
    let value = value.trim().trim_end_matches('/');
    if value == "*" {
        return Err("`*` is not allowed; list the frontends' origins".into());
    }
    let url = url::Url::parse(value).map_err(|e| format!("`{value}` is not an origin: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || url.path() != "/" {
        return Err(format!("`{value}` is not an origin like https://example.vn"));
    }
    Ok(value.to_owned())
}

/// `https://cdn.example.vn/newsdesk`: an absolute http(s) URL, kept without a trailing slash.
fn parse_base_url(value: &str) -> Result<String, String> {
    let value = value.trim().trim_end_matches('/');
    let url = url::Url::parse(value).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{value}` is not an http(s) URL"));
    }
    Ok(value.to_owned())
}

fn parse_jwt_secret(value: &str) -> Result<String, String> {
    if value.len() < 32 {
        return Err("must be at least 32 characters".into());
    }
    Ok(value.to_owned())
}

/// `10.0.0.0/8`, `::1/128`, or a single address.
fn parse_network(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{value}` is not an address or network"))
}

/// Which new comments wait for a moderator before readers see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CommentModeration {
    All,
    Guests,
    None,
}

fn parse_time_zone(value: &str) -> Result<Tz, String> {
    value.trim().parse::<Tz>().map_err(|_| format!("`{value}` is not an IANA time zone such as Asia/Ho_Chi_Minh"))
}

/// An absolute http(s) URL, kept without a trailing slash.
fn parse_site_url(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value.trim()).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{value}` is not an http or https URL"));
    }
    Ok(value.trim().trim_end_matches('/').to_owned())
}

fn parse_article_path(value: &str) -> Result<String, String> {
    if !value.starts_with('/') || !value.contains("{slug}") {
        return Err("must start with / and contain {slug}".into());
    }
    Ok(value.to_owned())
}

/// An absolute http(s) URL template that names the `{token}`.
/// Seconds, fractions allowed: from a millisecond to a day.
fn parse_seconds(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(seconds) if (0.001..=86_400.0).contains(&seconds) => Ok(seconds),
        _ => Err("must be a number of seconds from 0.001 to 86400".into()),
    }
}

/// An absolute `http` or `https` URL of a cache front end.
fn parse_purge_url(value: &str) -> Result<String, String> {
    let value = value.trim();
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(value.to_owned()),
        _ => Err(format!("`{value}` is not an http or https URL")),
    }
}

/// A `postgres://` URL of a read replica.
fn parse_replica_url(value: &str) -> Result<String, String> {
    match DatabaseTarget::parse(value)? {
        DatabaseTarget::Postgres(url) => Ok(url),
        DatabaseTarget::Sqlite(_) => {
            Err(format!("`{}` is not a postgres:// URL (replicas are PostgreSQL standbys)", value.trim()))
        }
    }
}

fn parse_preview_url(value: &str) -> Result<String, String> {
    let value = value.trim();
    if !value.contains("{token}") {
        return Err("must contain {token} (and may contain {id} and {slug})".into());
    }
    let probe = value.replace("{token}", "t").replace("{id}", "1").replace("{slug}", "s");
    let url = url::Url::parse(&probe).map_err(|e| format!("`{value}` is not a URL template: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{value}` is not an http or https URL"));
    }
    Ok(value.to_owned())
}
