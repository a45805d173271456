//! The one place that builds the application: routes, middleware, server.

use std::net::TcpListener;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::BoxBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Logger};
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::{BodyLimit, path_config, query_config};
use crate::{articles, openapi, ops, sources};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
}

/// Every route under `/api/v1`, by resource. Registered with `.service` so that each
/// appears in the OpenAPI document.
fn api_routes(cfg: &mut ServiceConfig) {
    cfg.service(articles::http::list_articles)
        .service(articles::http::create_article)
        .service(articles::http::get_article_by_slug)
        .service(articles::http::get_article)
        .service(articles::http::replace_article)
        .service(articles::http::update_article)
        .service(articles::http::delete_article)
        .service(sources::http::list_sources)
        .service(sources::http::create_source)
        .service(sources::http::get_source)
        .service(sources::http::replace_source)
        .service(sources::http::update_source)
        .service(sources::http::delete_source);
}

fn app_with_spec() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<BoxBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    OpenApi,
) {
    App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .service(scope::scope("/api/v1").configure(api_routes))
        .service(ops::healthz)
        .service(ops::readyz)
        .split_for_parts()
}

/// The OpenAPI document of every route, as served at `/openapi.json`.
pub fn openapi_document() -> OpenApi {
    app_with_spec().1
}

pub fn openapi_json() -> String {
    let mut json = openapi_document()
        .to_pretty_json()
        .expect("the OpenAPI document always serializes");
    json.push('\n');
    json
}

/// Starts serving on `listener`; the returned server runs until stopped or signalled
/// (SIGTERM / Ctrl-C stop it gracefully, letting in-flight requests finish).
pub fn run(listener: TcpListener, db: Db, settings: &Settings) -> std::io::Result<Server> {
    let state = Data::new(AppState { db });
    let body_limit = BodyLimit(usize::try_from(settings.body_limit).unwrap_or(usize::MAX));
    let cors_origins = settings.cors_origins.clone();
    let mut server = HttpServer::new(move || {
        let (app, spec) = app_with_spec();
        app.app_data(state.clone())
            .app_data(body_limit)
            .app_data(query_config())
            .app_data(path_config())
            .service(web::redirect("/docs", "/docs/"))
            .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec))
            .default_service(web::to(no_route))
            .wrap(cors(&cors_origins))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .wrap(Logger::new(r#"%a "%r" %s %b %Dms"#))
    })
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(5))
    .shutdown_timeout(settings.shutdown_timeout);
    if let Some(workers) = settings.workers {
        server = server.workers(usize::from(workers));
    }
    Ok(server.listen(listener)?.run())
}

fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "Authorization",
            "Content-Type",
            "If-None-Match",
            "X-Visitor-Id",
        ])
        .expose_headers(["ETag", "Link", "Location", "X-Total-Count", "Retry-After"])
        .max_age(3600)
}

async fn no_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "There is no resource at {} {}.",
        req.method(),
        req.path()
    )))
}
