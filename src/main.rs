//! The `newsdesk` command: serve the API (the default), migrate, seed, print the OpenAPI document.

use std::io::IsTerminal;
use std::net::TcpListener;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newsdesk::api_tokens::model as api_tokens;
use newsdesk::audit::{Actor, Change};
use newsdesk::auth::{Role, Scope};
use newsdesk::config::Settings;
use newsdesk::db::{Db, now};
use newsdesk::error::ApiError;
use newsdesk::users::account::{check_password, check_username};
use newsdesk::users::model as users;
use newsdesk::validation::{Checks, Lines};
use newsdesk::{seed, startup};
use serde_json::json;

#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about = "Headless content API for news portals")]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load content into the database.
    Seed {
        #[command(subcommand)]
        content: SeedContent,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage integrator API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Maintain the full-text search index.
    Search {
        #[command(subcommand)]
        action: SearchAction,
    },
}

#[derive(Debug, Subcommand)]
enum SearchAction {
    /// Fold every article's search text again from its title, summary and body, then build the
    /// full-text index again from it. Safe while servers run: articles are refolded a few hundred
    /// at a time, and PostgreSQL's index is rebuilt without blocking writes.
    Reindex,
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Create a user; the password is read from standard input (or asked for on a terminal).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Create an API token and print its secret (shown only this once).
    Create {
        #[arg(long)]
        name: String,
        /// One or more of: content:read, content:write, ratings:moderate, stats:read, stats:write, audit:read, webhooks:manage.
        #[arg(long = "scope", required = true, num_args = 1.., value_parser = parse_scope)]
        scopes: Vec<Scope>,
        /// Days until the token expires (never when absent).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    [Role::Admin, Role::Editor, Role::Author]
        .into_iter()
        .find(|role| role.as_str() == value)
        .ok_or_else(|| "must be admin, editor or author".into())
}

fn parse_scope(value: &str) -> Result<Scope, String> {
    Scope::parse(value).ok_or_else(|| {
        let all: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        format!("must be one of {}", all.join(", "))
    })
}

#[derive(Debug, Subcommand)]
enum SeedContent {
    /// A few Vietnamese demo articles with their sources and categories.
    Demo,
    /// Bulk articles, taxonomy and a year of statistics, for benchmarks.
    Synthetic {
        /// How many articles to add.
        #[arg(long, default_value_t = 100_000)]
        articles: usize,
        /// About how long each body is, in bytes.
        #[arg(long, default_value_t = 3000)]
        body_bytes: usize,
        /// Days of statistics history.
        #[arg(long, default_value_t = 365)]
        stats_days: i64,
        /// A hunspell dictionary of Vietnamese syllables to write with (default: Debian's
        /// `hunspell-vi`, /usr/share/hunspell/vi_VN.dic, when installed; else a few dozen
        /// common syllables).
        #[arg(long)]
        dictionary: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let env_file = dotenvy::dotenv();
    let cli = Cli::parse();
    if let Err(message) = newsdesk::logging::init() {
        eprintln!("{message}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = env_file
        && !e.not_found()
    {
        log::error!("cannot read .env: {e}");
        return ExitCode::FAILURE;
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", startup::openapi_json());
            Ok(())
        }
        Command::Migrate => {
            let db = open(&settings)?;
            log::info!("database up to date ({} migrations applied now)", db.run_migrations()?.len());
            Ok(())
        }
        Command::Seed { content: SeedContent::Demo } => {
            let db = open(&settings)?;
            db.run_migrations()?;
            let store = newsdesk::media::store::MediaStore::open(&settings.media_store)?;
            let report = actix_web::rt::System::new()
                .block_on(seed::demo(&db, &store))
                .map_err(|e| format!("seeding failed: {e}"))?;
            log::info!("demo content added: {} sources, {} articles", report.sources, report.articles);
            Ok(())
        }
        Command::Seed { content: SeedContent::Synthetic { articles, body_bytes, stats_days, dictionary } } => {
            let words = match dictionary {
                Some(path) => {
                    Some(std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?)
                }
                None => {
                    let words = std::fs::read_to_string(newsdesk::seed_synthetic::DEFAULT_DICTIONARY).ok();
                    if words.is_none() {
                        log::warn!(
                            "{} is missing (Debian's hunspell-vi): writing with a few dozen common syllables",
                            newsdesk::seed_synthetic::DEFAULT_DICTIONARY
                        );
                    }
                    words
                }
            };
            let vocabulary = newsdesk::seed_synthetic::Vocabulary::new(words.as_deref());
            let db = open(&settings)?;
            db.run_migrations()?;
            let report = newsdesk::seed_synthetic::synthetic(&db, &vocabulary, articles, body_bytes, stats_days, now())
                .map_err(|e| format!("seeding failed: {}", e.describe()))?;
            log::info!("added {} synthetic articles in {:.1} s", report.articles, report.seconds);
            Ok(())
        }
        Command::Serve => serve(&settings),
        Command::User { action: UserAction::Create { username, role, display_name } } => {
            let db = open(&settings)?;
            db.run_migrations()?;
            let password = read_password()?;
            let user = create_user(&db, &username, role, display_name.as_deref(), &password)
                .map_err(|e| format!("cannot create the user: {}", e.describe()))?;
            println!("created user {} (id {}, {})", user.username, user.id, user.role);
            Ok(())
        }
        Command::Search { action: SearchAction::Reindex } => {
            let db = open(&settings)?;
            db.run_migrations()?;
            let started = std::time::Instant::now();
            let failed = |e: newsdesk::error::ApiError| format!("reindexing failed: {}", e.describe());
            let (mut read, mut rewritten, mut after) = (0, 0, 0);
            loop {
                let (batch, changed, last) = db
                    .write_blocking(|conn| newsdesk::articles::model::refold_search_text(conn, after, 500))
                    .map_err(failed)?;
                read += batch;
                rewritten += changed;
                match last {
                    Some(last) => after = last,
                    None => break,
                }
            }
            db.outside_transaction_blocking(newsdesk::articles::model::rebuild_search_index).map_err(failed)?;
            if rewritten > 0 {
                // Running servers forget the responses built from the old text.
                db.write_blocking(|conn| newsdesk::content_changes::model::record(conn, None, now()))
                    .map_err(failed)?;
            }
            log::info!(
                "search index rebuilt from {read} articles ({rewritten} refolded) in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Token { action: TokenAction::Create { name, scopes, expires_in_days } } => {
            let db = open(&settings)?;
            db.run_migrations()?;
            let expires_at = expires_in_days.map(|days| now() + chrono::Duration::days(i64::from(days)));
            let (token, secret) = db
                .write_blocking(|conn| {
                    let (token, secret) = api_tokens::create(conn, &name, &scopes, expires_at, None, now())?;
                    Change::new("api_token.create", "api_token", token.id)
                        .details(json!({ "name": token.name, "scopes": token.scopes, "via": "command line" }))
                        .record(conn, &Actor::default(), now())?;
                    Ok((token, secret))
                })
                .map_err(|e| format!("cannot create the token: {}", e.describe()))?;
            eprintln!("created API token {} (id {}); the secret below is shown only now:", token.name, token.id);
            println!("{secret}");
            Ok(())
        }
    }
}

/// Creates a user with the same checks as `POST /api/v1/users`.
fn create_user(
    db: &Db,
    username: &str,
    role: Role,
    display_name: Option<&str>,
    password: &str,
) -> Result<users::User, ApiError> {
    let mut checks = Checks::new();
    let username = check_username(username, &mut checks);
    check_password("password", password, &mut checks);
    let display_name = checks.optional_text("display_name", display_name, 100, Lines::Single);
    checks.finish()?;
    let new = users::NewUser {
        username,
        display_name,
        role: role.as_str().to_owned(),
        password_hash: newsdesk::auth::password::hash(password)?,
    };
    db.write_blocking(|conn| {
        let user = users::create(conn, &new, now())?;
        Change::new("user.create", "user", user.id)
            .fields(["username", "display_name", "role", "password"])
            .details(json!({ "via": "command line" }))
            .record(conn, &Actor::default(), now())?;
        Ok(user)
    })
}

/// The new user's password: typed at a terminal without echo, or the first line of
/// standard input.
fn read_password() -> Result<String, String> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").map_err(|e| format!("cannot read the password: {e}"))?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Ok(password)
}

fn open(settings: &Settings) -> Result<Db, String> {
    Db::connect(&settings.database_url, settings.db_pool_size)
}

fn serve(settings: &Settings) -> Result<(), String> {
    let db = open(settings)?;
    for migration in db.run_migrations()? {
        log::info!("applied migration {migration}");
    }
    let listener = TcpListener::bind(settings.bind).map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    let state = startup::prepare(db, settings.clone(), newsdesk::clock::Clock::default())?;
    let stats = state.stats.clone();
    log::info!(
        "newsdesk {} serving on http://{} ({} database); API docs at /docs",
        env!("CARGO_PKG_VERSION"),
        settings.bind,
        settings.database_url.backend_name()
    );
    newsdesk::memory::start_giving_back();
    let served = actix_web::rt::System::new().block_on(async { startup::run(listener, state)?.await });
    // The server has stopped taking hits: write the last of them before exiting.
    stats.stop();
    match stats.flush() {
        Ok(hits) => log::info!("stopped; the last {hits} hits were written"),
        Err(e) => log::error!("stopped, but the last hits could not be written: {}", e.describe()),
    }
    served.map_err(|e| format!("server error: {e}"))
}
