//! Settings, from command-line flags or the environment (and a `.env` file). Every value
//! has a default; a bad value stops start-up with a message naming the variable.

use std::net::SocketAddr;

use clap::Args;

use crate::db::DatabaseTarget;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: a SQLite file path (`sqlite://PATH` or `sqlite:PATH` also work) or a
    /// `postgres://` URL.
    #[arg(long, env = "DATABASE_URL", value_name = "DATABASE_URL", default_value = "newsdesk.db", value_parser = DatabaseTarget::parse)]
    pub database_url: DatabaseTarget,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "NEWSDESK_BIND",
        value_name = "NEWSDESK_BIND",
        default_value = "127.0.0.1:8080"
    )]
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

    /// Seconds in-flight requests get to finish on shutdown.
    #[arg(long, env = "NEWSDESK_SHUTDOWN_TIMEOUT", value_name = "NEWSDESK_SHUTDOWN_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_timeout: u64,
}

impl Settings {
    /// Defaults for everything but the database; used by tests and tools.
    pub fn for_database(database_url: DatabaseTarget) -> Self {
        Self {
            database_url,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: 1024 * 1024,
            cors_origins: Vec::new(),
            workers: None,
            db_pool_size: 8,
            shutdown_timeout: 30,
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
        return Err(format!(
            "`{value}` is not an origin like https://example.vn"
        ));
    }
    Ok(value.to_owned())
}
