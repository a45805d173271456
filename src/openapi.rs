//! The OpenAPI document: metadata, the security scheme, and the passes over the collected routes.

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{ArrayItems, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr, Schema};
use utoipa::{Modify, OpenApi as _};

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
        (name = "stats", description = "Visit statistics: hits, online now, counters, series, breakdowns"),
        (name = "auth", description = "Sign-in, token refresh and the current user"),
        (name = "users", description = "Staff accounts (admins only)"),
        (name = "api-tokens", description = "Integrator API tokens (admins only)"),
        (name = "audit", description = "Who changed what, when and from where (admins only)"),
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
        crate::feeds::http::Format
    )),
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
pub fn plain_header_parameters(document: &mut OpenApi) {
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
pub fn sparse_article_list_items(document: &mut OpenApi) {
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
