//! The `newsdesk` command: serve the API (the default), migrate, seed, print the OpenAPI document.

use std::net::TcpListener;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newsdesk::config::Settings;
use newsdesk::db::Db;
use newsdesk::{seed, startup};

#[derive(Debug, Parser)]
#[command(
    name = "newsdesk",
    version,
    about = "Headless content API for news portals"
)]
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
}

#[derive(Debug, Subcommand)]
enum SeedContent {
    /// A few Vietnamese demo articles with their sources and categories.
    Demo,
}

fn main() -> ExitCode {
    let env_file = dotenvy::dotenv();
    let cli = Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
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
            log::info!(
                "database up to date ({} migrations applied now)",
                db.run_migrations()?.len()
            );
            Ok(())
        }
        Command::Seed {
            content: SeedContent::Demo,
        } => {
            let db = open(&settings)?;
            db.run_migrations()?;
            let report = seed::demo(&db).map_err(|e| format!("seeding failed: {e}"))?;
            log::info!(
                "demo content added: {} sources, {} articles",
                report.sources,
                report.articles
            );
            Ok(())
        }
        Command::Serve => serve(&settings),
    }
}

fn open(settings: &Settings) -> Result<Db, String> {
    Db::connect(&settings.database_url, settings.db_pool_size)
}

fn serve(settings: &Settings) -> Result<(), String> {
    let db = open(settings)?;
    for migration in db.run_migrations()? {
        log::info!("applied migration {migration}");
    }
    let listener = TcpListener::bind(settings.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    log::info!(
        "newsdesk {} serving on http://{} ({} database); API docs at /docs",
        env!("CARGO_PKG_VERSION"),
        settings.bind,
        settings.database_url.backend_name()
    );
    actix_web::rt::System::new()
        .block_on(async { startup::run(listener, db, settings)?.await })
        .map_err(|e| format!("server error: {e}"))
}
