//! The OpenAPI document: metadata, the security scheme, and the passes over the collected routes.

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{ArrayItems, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr, Schema};
use utoipa::{Modify, OpenApi as _};

use serde_json::{Value, json};

use crate::error::Problem;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        description = "Headless content API for news portals: articles, news sources, reader ratings and visit statistics. \
                       Every error is an RFC 9457 problem document (`application/problem+json`).",
        license(name = "MIT", identifier = "MIT")
    ),
    tags(
        (name = "articles", description = "News articles and their publication"),
        (name = "sources", description = "News sources (\"Nguồn tin\")"),
        (name = "categories", description = "Sections of the portal (\"chuyên mục\"), nested"),
        (name = "tags", description = "Keywords on articles"),
        (name = "feeds", description = "RSS 2.0 and Atom feeds"),
        (name = "ratings", description = "Readers' ratings and their moderation"),
        (name = "comments", description = "Readers' comments and their moderation"),
        (name = "media", description = "The media library: uploads, descriptions and the image files"),
        (name = "banners", description = "Banner slots, banners and link blocks (\"Liên kết\"), their clicks and impressions"),
        (name = "stats", description = "Visit statistics: hits, online now, counters, series, breakdowns"),
        (name = "auth", description = "Sign-in, token refresh and the current user"),
        (name = "users", description = "Staff accounts (admins only)"),
        (name = "api-tokens", description = "Integrator API tokens (admins only)"),
        (name = "audit", description = "Who changed what, when and from where (admins only)"),
        (name = "webhooks", description = "Signed notifications of every change, from a transactional outbox (admins or `webhooks:manage`)"),
        (name = "ops", description = "Health and readiness probes")
    ),
    // Enums used only in query or path parameters: the route collection does not add them.
    components(schemas(
        Problem,
        crate::articles::model::list::Sort,
        crate::articles::read::TopBy,
        crate::articles::read::TopPeriod,
        crate::stats::model::Metric,
        crate::stats::periods::Granularity,
        crate::feeds::http::Format,
        crate::comments::http::CommentSort
    )),
    servers((url = "/", description = "The newsdesk serving this document")),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The `bearer` security scheme every protected operation refers to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or API token")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login`, or an integrator API token (`nd_...`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The base document the routes are collected into.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// Header values are text, never JSON null: an optional header is one that may be absent,
/// so its schema is a plain string (a client generator would otherwise send `null`).
fn plain_header_parameters(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter
                    && parameter.parameter_in == ParameterIn::Header
                    && let Some(RefOr::T(Schema::Object(object))) = &mut parameter.schema
                {
                    object.schema_type = SchemaType::Type(Type::String);
                }
            }
        }
    }
}

/// Article lists take `fields=` and then hold only the fields named there, so their items
/// require none; a full item is still the article schema, whose description says so.
fn sparse_article_list_items(document: &mut OpenApi) {
    let Some(components) = document.components.as_mut() else { return };
    let Some(RefOr::T(Schema::Object(list))) = components.schemas.get_mut("ListResponse_ArticleResponse") else {
        return;
    };
    if let Some(RefOr::T(Schema::Array(data))) = list.properties.get_mut("data")
        && let ArrayItems::RefOrSchema(item) = &mut data.items
        && let RefOr::T(Schema::Object(article)) = item.as_mut()
    {
        article.required.clear();
        article.description =
            Some("An article as clients see it: every field, or only those named in `fields`.".to_owned());
    }
}

/// What the server sends with every successful public GET (see `caching`): the `ETag` and
/// its 304, `Cache-Control` and `Vary`; lists add their paging headers. Documented here for
/// every such operation at once, so no handler can forget them.
fn cache_headers(doc: &mut Value) {
    let header = |description: &str, kind: &str| json!({"description": description, "schema": {"type": kind}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(get) = item.get_mut("get").and_then(Value::as_object_mut) else { continue };
        if !path.starts_with("/api/") {
            continue;
        }
        let Some(responses) = get.get_mut("responses").and_then(Value::as_object_mut) else { continue };
        let body = responses
            .get("200")
            .and_then(|ok| ok.pointer("/content/application~1json/schema/$ref"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(ok) = responses.get_mut("200").and_then(Value::as_object_mut) {
            let headers = ok.entry("headers").or_insert_with(|| json!({}));
            let Some(headers) = headers.as_object_mut() else { continue };
            headers
                .entry("ETag")
                .or_insert_with(|| header("Validator for If-None-Match (weak unless stated otherwise)", "string"));
            headers.entry("Cache-Control").or_insert_with(|| {
                header(
                    "`public, max-age=NEWSDESK_CACHE_MAX_AGE` anonymously, `private, no-cache` with credentials",
                    "string",
                )
            });
            headers.entry("Vary").or_insert_with(|| header("Accept-Encoding, Authorization", "string"));
            headers.entry("Surrogate-Key").or_insert_with(|| {
                header("Cache keys of the content, space-separated (`article-1 source-2 articles`), for purging a CDN or Varnish", "string")
            });
            headers
                .entry("Cache-Tag")
                .or_insert_with(|| header("The same keys, comma-separated (Cloudflare)", "string"));
            if body.starts_with("#/components/schemas/ListResponse_") {
                headers.entry("X-Total-Count").or_insert_with(|| {
                    header("Items matching the filters, over all pages (absent when not counted)", "integer")
                });
                headers
                    .entry("Link")
                    .or_insert_with(|| header("RFC 8288 links to the first, previous, next and last pages", "string"));
            }
            if body == "#/components/schemas/ListResponse_ArticleResponse" {
                headers
                    .entry("Last-Modified")
                    .or_insert_with(|| header("When the newest article of the page last changed", "string"));
            }
        }
        if responses.contains_key("200") {
            responses.entry("304").or_insert_with(|| {
                json!({
                    "description": "Not modified since the ETag sent in If-None-Match",
                    "headers": {"ETag": header("The current validator", "string")}
                })
            });
        }
        let parameters = get.entry("parameters").or_insert_with(|| json!([]));
        if let Some(parameters) = parameters.as_array_mut()
            && !parameters.iter().any(|p| p["name"] == "If-None-Match")
        {
            parameters.push(json!({
                "name": "If-None-Match",
                "in": "header",
                "required": false,
                "description": "ETags of representations the client has; 304 when one is current",
                "schema": {"type": "string"}
            }));
        }
    }
}

/// Operations that declare no security are public: anonymous, with a bearer token allowed.
fn public_security(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            operation.entry("security").or_insert_with(|| json!([{}, {"bearer": []}]));
        }
    }
}

/// List schemas refer to their item schema instead of repeating it inline (the article
/// list, whose items may be sparse, keeps its own).
fn referenced_list_items(doc: &mut Value) {
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in &names {
        let Some(item) = name.strip_prefix("ListResponse_") else { continue };
        if item == "ArticleResponse" || !names.iter().any(|n| n == item) {
            continue;
        }
        if let Some(items) = schemas.get_mut(name).and_then(|list| list.pointer_mut("/properties/data/items")) {
            *items = json!({"$ref": format!("#/components/schemas/{item}")});
        }
    }
}

/// The passes over the collected routes. Those the typed model makes long-winded edit the
/// document as JSON, all in one conversion: each conversion and back cost 5 % of start-up.
pub fn finish(mut document: OpenApi) -> OpenApi {
    plain_header_parameters(&mut document);
    sparse_article_list_items(&mut document);
    let Ok(mut value) = serde_json::to_value(&document) else { return document };
    referenced_list_items(&mut value);
    cache_headers(&mut value);
    public_security(&mut value);
    serde_json::from_value(value).unwrap_or(document)
}
