//! The one place that builds the application: routes, middleware, server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::BoxBody;
use actix_web::dev::{ResourceDef, Server, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderName;
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError};
use futures_util::future::LocalBoxFuture;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::tokens::{JwtKeys, random_secret};
use crate::caching::{self, CacheRequest, ResponseCache};
use crate::clock::Clock;
use crate::comments::blocklist::Blocklist;
use crate::config::Settings;
use crate::db::{DatabaseTarget, Db};
use crate::error::ApiError;
use crate::extract::{BodyLimit, path_config};
use crate::media::jobs::ImageJobs;
use crate::media::store::MediaStore;
use crate::pagination::CountCache;
use crate::ratelimit::RateLimiter;
use crate::recent::RecentItems;
use crate::state::AppState;
use crate::stats::batch::StatsConfig;
use crate::stats::collector::Collector;
use crate::webhooks::{self, Outbox};
use crate::{
    api_tokens, articles, audit, auth, banners, categories, comments, feeds, media, openapi, ops, ratings, sources,
    stats, tags, users,
};
use crate::{maintenance, middleware, request_id};

/// How many connections may wait to be accepted.
const LISTEN_BACKLOG: i32 = 4096;

/// Gets a migrated database ready to serve: loads (or makes, once) the instance
/// secrets, and creates the first admin when there is no user at all.
pub fn prepare(db: Db, settings: Settings, clock: Clock) -> Result<AppState, String> {
    let db = db.with_replicas(&settings.replica_urls, Duration::from_secs_f64(settings.replica_max_lag))?;
    let failed = |e: ApiError| format!("cannot prepare the database: {e}");
    let (jwt_secret, address_secret) = db
        .write_blocking(|conn| {
            let jwt = match &settings.jwt_secret {
                Some(secret) => secret.clone(),
                None => auth::model::instance_setting(conn, "jwt_secret", || random_secret(""))?,
            };
            let address = auth::model::instance_setting(conn, "address_key_secret", || random_secret(""))?;
            Ok((jwt, address))
        })
        .map_err(failed)?;
    if let DatabaseTarget::Sqlite(_) = db.target() {
        db.refresh_planner_statistics().map_err(failed)?;
    }
    let filled = db.write_blocking(articles::model::fill_search_text).map_err(failed)?;
    if filled > 0 {
        log::info!("indexed {filled} articles for search");
    }
    if db.write_blocking(users::model::count).map_err(failed)? == 0 {
        let password = settings.admin_password.clone().unwrap_or_else(|| random_secret(""));
        let new = users::model::NewUser {
            username: "admin".into(),
            display_name: Some("Administrator".into()),
            role: auth::Role::Admin.as_str().into(),
            password_hash: auth::password::hash(&password).map_err(failed)?,
        };
        let created = db
            .write_blocking(|conn| match users::model::count(conn)? {
                0 => {
                    let created = users::model::insert(conn, &new, crate::db::now())?;
                    if let Some(user) = &created {
                        audit::Change::new("user.create", "user", user.id)
                            .details(serde_json::json!({ "via": "first start", "username": user.username }))
                            .record(conn, &audit::Actor::default(), crate::db::now())?;
                    }
                    Ok(created)
                }
                _ => Ok(None),
            })
            .map_err(failed)?;
        if created.is_some() && settings.admin_password.is_none() {
            log::warn!("created the first user `admin` with password {password} (shown only now; change it)");
        } else if created.is_some() {
            log::info!("created the first user `admin` with the password from NEWSDESK_ADMIN_PASSWORD");
        }
    }
    let stats_config = StatsConfig {
        time_zone: settings.time_zone,
        visit_window: chrono::Duration::seconds(settings.visit_window),
        online_window: chrono::Duration::seconds(settings.online_window),
        flush_interval: Duration::from_millis(settings.stats_flush_interval),
        buffer_limit: usize::try_from(settings.stats_buffer_limit).unwrap_or(usize::MAX),
    };
    let responses = Arc::new(ResponseCache::new(
        Duration::from_secs(1),
        usize::try_from(settings.response_cache_mb << 20).unwrap_or(usize::MAX),
    ));
    let comment_blocklist = Arc::new(Blocklist::load(settings.comments_blocklist.as_deref())?);
    Ok(AppState {
        stats: Arc::new(Collector::new(stats_config, db.clone(), clock, responses.clone())),
        metrics: Arc::default(),
        site: Arc::new(settings.site()),
        list_counts: Arc::new(CountCache::new(Duration::from_secs(5))),
        responses,
        outbox: Arc::new(Outbox::new(settings.purge_urls.clone())),
        content_changes: Arc::default(),
        word_counts: Arc::default(),
        db,
        keys: Arc::new(JwtKeys::new(jwt_secret.as_bytes(), settings.access_token_ttl)),
        rating_limiter: Arc::new(RateLimiter::new(settings.rating_rate_limit, Duration::from_secs(60))),
        comment_limiter: Arc::new(RateLimiter::new(settings.comment_rate_limit, Duration::from_secs(60))),
        reaction_limiter: Arc::new(RateLimiter::new(settings.reaction_rate_limit, Duration::from_secs(60))),
        comment_blocklist,
        media_store: Arc::new(MediaStore::open(&settings.media_store)?),
        image_jobs: Arc::new(ImageJobs::for_this_machine()),
        media_items: Arc::new(RecentItems::new(std::time::Duration::from_secs(1))),
        banner_rows: Arc::new(RecentItems::new(std::time::Duration::from_secs(1))),
        settings: Arc::new(settings),
        address_secret: address_secret.into(),
    })
}

/// Every route under `/api/v1`: each domain lists its own, in the order they are tried
/// (the hot public reads and the hit path first). A new domain is one line here.
fn api_routes(cfg: &mut ServiceConfig) {
    articles::routes(cfg);
    stats::routes(cfg);
    ratings::routes(cfg);
    comments::routes(cfg);
    media::routes(cfg);
    banners::routes(cfg);
    sources::routes(cfg);
    categories::routes(cfg);
    tags::routes(cfg);
    feeds::routes(cfg);
    auth::routes(cfg);
    users::routes(cfg);
    api_tokens::routes(cfg);
    audit::routes(cfg);
    webhooks::routes(cfg);
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
        .configure(media::file_routes)
        .service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .split_for_parts()
}

/// The OpenAPI document of every route, as served at `/openapi.json`. Its finishing
/// passes are made here only, not by each worker building its routes: they took a
/// third of the start-up.
pub fn openapi_document() -> OpenApi {
    openapi::finish(app_with_spec().1)
}

pub fn openapi_json() -> String {
    document_json(&openapi_document())
}

fn document_json(document: &OpenApi) -> String {
    let mut json = document.to_pretty_json().expect("the OpenAPI document always serializes");
    json.push('\n');
    json
}

/// Starts serving on `listener`, and flushing statistics in the background; the returned
/// server runs until stopped or signalled (SIGTERM / Ctrl-C stop it gracefully, letting
/// in-flight requests finish). Flush `state.stats` once more after it ends.
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    state.stats.start_flushing();
    maintenance::start(state.clone());
    state.db.watch_replicas();
    let background = AppState { db: state.db.for_background().map_err(std::io::Error::other)?, ..state.clone() };
    webhooks::delivery::start(background.clone());
    crate::content_changes::start(background.clone());
    articles::schedule::start(background);
    let settings = state.settings.clone();
    let state = Data::new(state);
    let body_limit = BodyLimit(usize::try_from(settings.body_limit).unwrap_or(usize::MAX));
    let cors_origins = settings.cors_origins.clone();
    let cache_max_age = settings.cache_max_age;
    let trusted_proxies = settings.trusted_proxies.clone();
    // Asked once: rendering an access line costs, and is skipped when it would be dropped.
    let access_log = log::log_enabled!(target: ACCESS_LOG, log::Level::Info);
    // The document is made once and shared: each worker registering the routes makes one
    // too, and drops it at once (see `crate::memory`). The table that tells 404 from 405 is
    // made from it here rather than by the first unmatched request, on a worker's thread.
    let openapi = openapi_document();
    let documented_routes = Data::new(DocumentedRoutes::of(&openapi));
    let document = web::Bytes::from(document_json(&openapi));
    drop(openapi);
    let mut server = HttpServer::new(move || {
        let app = app_with_spec().0;
        crate::memory::give_back_freed();
        let document = document.clone();
        app.app_data(state.clone())
            .app_data(documented_routes.clone())
            .app_data(body_limit)
            .app_data(path_config())
            .service(web::redirect("/docs", "/docs/"))
            .route(
                "/openapi.json",
                web::get().to(move || {
                    let document = document.clone();
                    async move { HttpResponse::Ok().content_type("application/json").body(document) }
                }),
            )
            .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json")))
            .default_service(web::to(no_route))
            .wrap(cors(&cors_origins))
            .wrap_fn({
                let cors_origins = cors_origins.clone();
                move |req, srv| -> LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, actix_web::Error>> {
                    if let Some(refused) = middleware::foreign_origin(&req, &cors_origins) {
                        let response = req.into_response(refused.error_response());
                        return Box::pin(async move { Ok(response) });
                    }
                    let response = srv.call(req);
                    Box::pin(async move { Ok(response.await?.map_into_boxed_body()) })
                }
            })
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .wrap_fn(move |req, srv| {
                let caching = CacheRequest::of(&req);
                let response = srv.call(req);
                async move { caching::finish(response.await?.map_into_boxed_body(), caching, cache_max_age).await }
            })
            .wrap(Compress::default())
            .wrap_fn({
                let metrics = state.metrics.clone();
                move |req, srv| {
                    let started = std::time::Instant::now();
                    let metrics = metrics.clone();
                    let response = srv.call(req);
                    async move {
                        let response = response.await?;
                        let request = response.request();
                        let route = middleware::route_of(request);
                        let method = middleware::sent_method(request).to_owned();
                        metrics.record_request(
                            route.as_deref(),
                            &method,
                            response.status().as_u16(),
                            started.elapsed(),
                        );
                        Ok(response)
                    }
                }
            })
            .wrap_fn(|mut req, srv| {
                middleware::head_as_get(&mut req);
                srv.call(req)
            })
            .wrap_fn({
                let trusted_proxies = trusted_proxies.clone();
                move |req, srv| {
                    let started = std::time::Instant::now();
                    let id = request_id::assign(&req, &trusted_proxies);
                    let response = srv.call(req);
                    async move {
                        let mut response = response.await?;
                        let request_id = id.to_str().unwrap_or_default();
                        if response.status().is_server_error()
                            && let Some(error) = response.response().error()
                        {
                            log::error!(request_id; "request {request_id} failed: {error}");
                        }
                        if access_log {
                            log_access(&response, request_id, started.elapsed());
                        }
                        response.headers_mut().insert(HeaderName::from_static(request_id::HEADER), id);
                        middleware::merge_vary(response.headers_mut());
                        Ok(response)
                    }
                }
            })
    })
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(5))
    // Blocking work is database queries, bounded by the pool, and password hashing; more
    // threads would only wait for a connection, each with its own allocator arena.
    .worker_max_blocking_threads(settings.db_pool_size as usize + 2)
    .shutdown_timeout(settings.shutdown_timeout);
    if let Some(workers) = settings.workers {
        server = server.workers(usize::from(workers));
    }
    // Connections waiting to be accepted: readers arriving by the thousand after a deploy
    // must not find the queue full (a listener from std gets 128, and a connection
    // attempt the kernel drops is tried again only a second later). The kernel caps it
    // at net.core.somaxconn.
    socket2::SockRef::from(&listener).listen(LISTEN_BACKLOG)?;
    Ok(server.listen(listener)?.run())
}

/// Where the access log goes (`RUST_LOG=newsdesk::access=warn` silences it).
const ACCESS_LOG: &str = "newsdesk::access";

/// One line per request: client, request line, status, size, duration and request id,
/// with the route template and figures as fields for the JSON log.
fn log_access<B: actix_web::body::MessageBody>(response: &ServiceResponse<B>, request_id: &str, took: Duration) {
    use actix_web::body::BodySize;
    let req = response.request();
    let client = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let method = middleware::sent_method(req).to_owned();
    let target = without_secrets(req.uri().path_and_query().map_or("/", |p| p.as_str()));
    let route = middleware::route_of(req).unwrap_or_else(|| "unmatched".into());
    let status = response.status().as_u16();
    let bytes = match response.response().body().size() {
        BodySize::Sized(n) => n,
        _ => 0,
    };
    let duration_ms = took.as_secs_f64() * 1000.0;
    log::info!(
        target: ACCESS_LOG,
        request_id, client = client.as_str(), method = method.as_str(), path = target.as_str(),
        route = route.as_str(), status, bytes, duration_ms;
        "{client} \"{method} {target}\" {status} {bytes} {duration_ms:.3}ms {request_id}"
    );
}

/// The request target with the values of `preview` (a capability to read a draft) hidden.
fn without_secrets(target: &str) -> String {
    let Some((path, query)) = target.split_once('?') else { return target.to_owned() };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("preview", _)) => "preview=[hidden]".to_owned(),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Visitor-Id", "X-Request-Id"])
        .expose_headers(["ETag", "Link", "Location", "X-Total-Count", "Retry-After", "X-Request-Id"])
        .max_age(3600)
}

/// Every documented path with the methods it answers, to tell "no such resource" (404)
/// from "not with this method" (405) once no route matched.
struct DocumentedRoutes(Vec<(ResourceDef, Vec<&'static str>)>);

impl DocumentedRoutes {
    fn of(document: &OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let operations = [
                    ("GET", &item.get),
                    ("PUT", &item.put),
                    ("POST", &item.post),
                    ("DELETE", &item.delete),
                    ("PATCH", &item.patch),
                ];
                let mut methods: Vec<&str> =
                    operations.into_iter().filter(|(_, op)| op.is_some()).map(|(method, _)| method).collect();
                if methods.contains(&"GET") {
                    methods.push("HEAD");
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self(routes)
    }
}

async fn no_route(req: HttpRequest, documented: Data<DocumentedRoutes>) -> Result<HttpResponse, ApiError> {
    let matching: Vec<&(ResourceDef, Vec<&str>)> =
        documented.0.iter().filter(|(resource, _)| resource.is_match(req.path())).collect();
    // A fixed path (`/articles/top`) is not also an instance of a template (`/articles/{id}`).
    let exact: Vec<_> =
        matching.iter().copied().filter(|(resource, _)| !resource.pattern().is_some_and(|p| p.contains('{'))).collect();
    let routes = if exact.is_empty() { matching } else { exact };
    let mut allowed: Vec<&str> = routes.iter().flat_map(|(_, methods)| methods.iter().copied()).collect();
    allowed.sort_unstable();
    allowed.dedup();
    let method = middleware::sent_method(&req);
    // Allowed, yet unrouted: the path's parameters name nothing (`PUT /articles/12abc`).
    if allowed.is_empty() || allowed.contains(&method) {
        return Err(ApiError::NotFound(format!("There is no resource at {method} {}.", req.path())));
    }
    Err(ApiError::MethodNotAllowed {
        detail: format!("{} does not answer {method}.", req.path()),
        allow: allowed.join(", "),
    })
}
