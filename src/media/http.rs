//! `/api/v1/media`: the media library (upload, describe, delete), and `/media/...`: its
//! files, named by content hash so that they can be cached for a year.

use actix_web::http::header::{self, ContentDisposition};
use actix_web::web::{Bytes, Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse, delete, get, head, patch, post};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::model::{self, MediaChanges, MediaRow, NewMedia};
use super::processing::{self, ASPECTS, Kind};
use super::store::MediaStore;
use super::urls::{FileUrls, MediaResponse, percent, variant_name};
use crate::audit::{Actor, Change, Origin, changed_fields};
use crate::auth::{Permission, Principal};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Busy, Conflict, Forbidden, NotFound, PayloadTooLarge, RangeNotSatisfiable, Unauthorized, Unavailable,
    Unprocessable, UnsupportedImageType, UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery, nullable};
use crate::pagination::{ListResponse, id_cursor, id_page};
use crate::state::AppState;
use crate::validation::{Checks, Lines};
use crate::webhooks::Event;

const MAX_TEXT: usize = 1000;
const MAX_FILENAME: usize = 200;
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn urls(state: &AppState) -> FileUrls<'_> {
    FileUrls::new(&state.site.media)
}

/// Describes an upload; in a multipart upload these are form fields, in a raw one
/// query parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MediaDescription {
    /// What the image shows, for screen readers (at most 1,000 characters).
    pub alt: Option<String>,
    pub caption: Option<String>,
    /// Who made it, e.g. `Nguồn ảnh: Bình Phước`.
    pub credit: Option<String>,
    /// Where crops centre across, 0 to 1 (default 0.5).
    #[param(minimum = 0, maximum = 1)]
    pub focal_x: Option<f64>,
    /// Where crops centre down, 0 to 1 (default 0.5).
    #[param(minimum = 0, maximum = 1)]
    pub focal_y: Option<f64>,
}

/// The multipart form of an upload; it only describes the form in the OpenAPI document
/// (the form is read field by field, as it streams in).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The image: JPEG, PNG, WebP or GIF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
    #[schema(minimum = 0, maximum = 1)]
    focal_x: Option<f64>,
    #[schema(minimum = 0, maximum = 1)]
    focal_y: Option<f64>,
}

/// Reads a body to its end, refusing it past `limit` bytes.
/// The body, refused past `limit` bytes. `expected` (the declared length, when there is
/// one) sizes the buffer once: grown by doubling, it could hold twice the file.
async fn read_limited(
    mut stream: impl futures_util::Stream<Item = Result<Bytes, ApiError>> + Unpin,
    limit: u64,
    expected: Option<u64>,
) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::with_capacity(expected.unwrap_or(0).min(limit) as usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::PayloadTooLarge(format!("Files of at most {limit} bytes are accepted.")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A file name fit to show: no path, no control characters, at most 200 characters,
/// ending in the extension of what the file really is.
pub fn clean_filename(name: Option<&str>, kind: Kind) -> String {
    let base = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let cleaned: String = stem
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    let cleaned = cleaned.replace("..", ".");
    let cleaned = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let stem: String = match cleaned {
        "" => "image".to_owned(),
        stem => stem.chars().take(MAX_FILENAME - 5).collect(),
    };
    format!("{stem}.{}", kind.extension())
}

/// The upload, however it was sent: its bytes, its name and its description.
struct Received {
    bytes: Vec<u8>,
    filename: Option<String>,
    description: MediaDescription,
}

async fn receive(
    req: &HttpRequest,
    payload: Payload,
    query: MediaDescription,
    limit: u64,
) -> Result<Received, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit + 64 * 1024) {
        return Err(ApiError::PayloadTooLarge(format!("Files of at most {limit} bytes are accepted.")));
    }
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "multipart/form-data" {
        return receive_form(req, payload, limit, declared).await;
    }
    if essence.starts_with("image/") {
        let filename = req
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|value| ContentDisposition::from_raw(value).ok())
            .and_then(|disposition| disposition.get_filename().map(str::to_owned));
        let stream =
            payload.map(|chunk| chunk.map_err(|e| ApiError::BadRequest(format!("The body was cut off: {e}."))));
        let bytes = read_limited(stream, limit, declared).await?;
        return Ok(Received { bytes, filename, description: query });
    }
    Err(ApiError::UnsupportedMediaType(format!(
        "Send multipart/form-data with a `file` field, or the image itself with its image/* Content-Type; {}.",
        Kind::ACCEPTED
    )))
}

async fn receive_form(
    req: &HttpRequest,
    payload: Payload,
    limit: u64,
    declared: Option<u64>,
) -> Result<Received, ApiError> {
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let bad = |e: actix_multipart::MultipartError| ApiError::BadRequest(format!("The form does not parse: {e}."));
    let mut file: Option<(Vec<u8>, Option<String>)> = None;
    let mut fields: Vec<(String, String)> = Vec::new();
    while let Some(field) = form.next().await {
        let field = field.map_err(bad)?;
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.content_disposition().and_then(|d| d.get_filename().map(str::to_owned));
        let stream = field.map(|chunk| chunk.map_err(bad));
        match name.as_str() {
            "file" if file.is_some() => return Err(ApiError::field("file", "must be sent once: one file an upload")),
            "file" => file = Some((read_limited(stream, limit, declared).await?, filename)),
            "alt" | "caption" | "credit" | "focal_x" | "focal_y" => {
                let value = read_limited(stream, 4 * MAX_TEXT as u64, None)
                    .await
                    .map_err(|_| ApiError::field(name.clone(), format!("must be at most {MAX_TEXT} characters")))?;
                let value =
                    String::from_utf8(value).map_err(|_| ApiError::field(name.clone(), "must be UTF-8 text"))?;
                fields.push((name, value));
            }
            other => return Err(ApiError::field(other, "is not a field of an upload")),
        }
    }
    let (bytes, filename) = file.ok_or_else(|| ApiError::field("file", "is required"))?;
    let mut description = MediaDescription::default();
    let mut checks = Checks::new();
    for (name, value) in fields {
        match name.as_str() {
            "alt" => description.alt = Some(value),
            "caption" => description.caption = Some(value),
            "credit" => description.credit = Some(value),
            focal => match value.trim().parse::<f64>() {
                Ok(number) if focal == "focal_x" => description.focal_x = Some(number),
                Ok(number) => description.focal_y = Some(number),
                Err(_) => checks.error(focal, "must be a number from 0 to 1"),
            },
        }
    }
    checks.finish()?;
    Ok(Received { bytes, filename, description })
}

/// A description that passed its checks.
struct Described {
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
    focal_x: f64,
    focal_y: f64,
}

/// The description, checked: texts trimmed (empty is none), the focal point within 0..1.
fn checked(description: &MediaDescription) -> Result<Described, ApiError> {
    let mut checks = Checks::new();
    let alt = checks.optional_text("alt", description.alt.as_deref(), MAX_TEXT, Lines::Single);
    let caption = checks.optional_text("caption", description.caption.as_deref(), MAX_TEXT, Lines::Multi);
    let credit = checks.optional_text("credit", description.credit.as_deref(), MAX_TEXT, Lines::Single);
    let focal_x = description.focal_x.unwrap_or(0.5);
    let focal_y = description.focal_y.unwrap_or(0.5);
    for (field, value) in [("focal_x", focal_x), ("focal_y", focal_y)] {
        if !(0.0..=1.0).contains(&value) {
            checks.error(field, "must be from 0 to 1");
        }
    }
    checks.finish()?;
    Ok(Described { alt, caption, credit, focal_x, focal_y })
}

/// Upload an image (staff who write articles; tokens with `media:write`).
///
/// Either `multipart/form-data` with a `file` field and the description as fields, or
/// the image itself with its `image/*` Content-Type (a `Content-Disposition` filename)
/// and the description as query parameters. The type is read from the bytes; the same
/// bytes again answer 200 with the item already in the library.
#[utoipa::path(
    tag = "media",
    params(MediaDescription),
    request_body(
        description = "The image, as a form or as itself",
        content(
            (MediaUpload = "multipart/form-data"),
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "image/webp"),
            (Vec<u8> = "image/gif")
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added to the library", body = MediaResponse,
         headers(("Location" = String, description = "The item's URL"))),
        (status = 200, description = "These bytes are in the library already", body = MediaResponse),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedImageType, Unprocessable, Busy
    )
)]
#[post("/media")]
pub async fn upload_media(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    req: HttpRequest,
    query: ApiQuery<MediaDescription>,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteMedia)?;
    let received = receive(&req, payload, query.into_inner(), state.settings.media_max_bytes).await?;
    let Described { alt, caption, credit, focal_x, focal_y } = checked(&received.description)?;
    if received.bytes.is_empty() {
        return Err(ApiError::field("file", "is empty"));
    }
    let sha256 = MediaStore::content_hash(&received.bytes);
    let lookup = sha256.clone();
    if let Some(existing) = state.db.read(move |conn| model::find_by_hash(conn, &lookup)).await? {
        return respond_existing(&state, existing).await;
    }
    let max_pixels = state.settings.media_max_pixels;
    let uploaded_bytes = received.bytes.len() as i64;
    let bytes = received.bytes;
    let cleaned = state.image_jobs.run(move || processing::clean(&bytes, max_pixels)).await?;
    let at = now();
    let item = NewMedia {
        filename: clean_filename(received.filename.as_deref(), cleaned.kind),
        mime_type: cleaned.kind.mime().to_owned(),
        bytes: uploaded_bytes,
        width: i64::from(cleaned.width),
        height: i64::from(cleaned.height),
        sha256: sha256.clone(),
        alt,
        caption,
        credit,
        focal_x,
        focal_y,
        created_by: principal.user_id(),
        created_at: at,
        updated_at: at,
    };
    let original = MediaStore::key(&sha256, &format!("original.{}", cleaned.kind.extension()));
    state.media_store.put(&original, Bytes::from(cleaned.bytes)).await?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let site = state.site.clone();
    let written = state
        .db
        .write(move |conn| {
            let (row, created) = model::insert(conn, &item)?;
            if created {
                Change::new("media.create", "media", row.id)
                    .fields(["filename", "alt", "caption", "credit", "focal"])
                    .record(conn, &actor, at)?;
                let response = FileUrls::new(&site.media).response(row.clone(), 0);
                Event::new("media.created", &response).emit(conn, &outbox, &actor, at)?;
            }
            Ok((row, created))
        })
        .await;
    let (row, created) = match written {
        Ok(written) => written,
        Err(e) => {
            // Nothing is left behind: the file goes unless a row names it.
            let lookup = sha256.clone();
            if !matches!(state.db.read(move |conn| model::find_by_hash(conn, &lookup)).await, Ok(Some(_))) {
                let _ = state.media_store.delete_all(&sha256).await;
            }
            return Err(e);
        }
    };
    if !created {
        return respond_existing(&state, row).await;
    }
    state.outbox.wake();
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/media/{}", row.id)));
    Ok(response.json(urls(&state).response(row, 0)))
}

async fn respond_existing(state: &AppState, item: MediaRow) -> Result<HttpResponse, ApiError> {
    let id = item.id;
    let usage = state.db.read(move |conn| model::usage_count(conn, id)).await?;
    Ok(HttpResponse::Ok().json(urls(state).response(item, usage)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LibraryQuery {
    /// Words each found in the filename, alt text, caption or credit; diacritics and case
    /// do not matter (at most 200 characters).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// The `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn require_library(principal: &Principal) -> Result<(), ApiError> {
    if principal.allows(Permission::WriteMedia) || principal.allows(Permission::ReadDrafts) {
        Ok(())
    } else {
        principal.require(Permission::WriteMedia)
    }
}

/// The media library, newest first (staff).
#[utoipa::path(
    tag = "media",
    params(LibraryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the library", body = ListResponse<MediaResponse>),
        BadRequest, Unauthorized, Forbidden, Unavailable
    )
)]
#[get("/media")]
pub async fn list_media(
    state: Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    query: ApiQuery<LibraryQuery>,
) -> Result<HttpResponse, ApiError> {
    require_library(&principal)?;
    let query = query.into_inner();
    let mut checks = Checks::new();
    let (per_page, before) = id_page(query.per_page, query.cursor.as_deref(), "media", &mut checks);
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        checks.error("q", "must be at most 200 characters");
    }
    checks.finish()?;
    let (rows, usage) = state
        .db
        .read(move |conn| {
            let rows = model::list(conn, query.q.as_deref(), before, per_page)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            Ok((rows, model::usage_counts(conn, &ids)?))
        })
        .await?;
    let next_cursor = rows.last().filter(|_| rows.len() as i64 == per_page).map(|last| id_cursor("media", last.id));
    let urls = urls(&state);
    let data: Vec<MediaResponse> = rows
        .into_iter()
        .map(|row| {
            let used = usage.iter().find(|(id, _)| *id == row.id).map_or(0, |(_, n)| *n);
            urls.response(row, used)
        })
        .collect();
    Ok(ListResponse::paged(data, None, per_page, None, next_cursor).respond(&req))
}

/// One media item (staff).
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The item", body = MediaResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, Unavailable
    )
)]
#[get("/media/{id}")]
pub async fn get_media(state: Data<AppState>, principal: Principal, id: Path<i64>) -> Result<HttpResponse, ApiError> {
    require_library(&principal)?;
    let id = id.into_inner();
    let (row, usage) = state.db.read(move |conn| Ok((model::find(conn, id)?, model::usage_count(conn, id)?))).await?;
    Ok(HttpResponse::Ok().json(urls(&state).response(row, usage)))
}

/// Changes to a media item's description; absent fields stay, `null` clears a text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 1000)]
    pub alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 1000)]
    pub caption: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 1000)]
    pub credit: Option<Option<String>>,
    #[schema(minimum = 0, maximum = 1)]
    pub focal_x: Option<f64>,
    #[schema(minimum = 0, maximum = 1)]
    pub focal_y: Option<f64>,
}

/// Whether the caller may change this item: authors only their own uploads.
fn require_owner(principal: &Principal, item: &MediaRow) -> Result<(), ApiError> {
    if principal.is_author() && item.created_by != principal.user_id() {
        return Err(ApiError::Forbidden("Authors may change only their own uploads.".into()));
    }
    Ok(())
}

/// Describe a media item: alt text, caption, credit, focal point.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id")),
    request_body = MediaPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = MediaResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[patch("/media/{id}")]
pub async fn update_media(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<MediaPatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteMedia)?;
    let patch = body.0;
    let mut checks = Checks::new();
    let mut text = |field: &str, value: &Option<Option<String>>, lines| {
        value.as_ref().map(|value| checks.optional_text(field, value.as_deref(), MAX_TEXT, lines))
    };
    let mut changes = MediaChanges {
        alt: text("alt", &patch.alt, Lines::Single),
        caption: text("caption", &patch.caption, Lines::Multi),
        credit: text("credit", &patch.credit, Lines::Single),
        focal_x: patch.focal_x,
        focal_y: patch.focal_y,
        updated_at: Some(now()),
    };
    for (field, value) in [("focal_x", patch.focal_x), ("focal_y", patch.focal_y)] {
        if value.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
            checks.error(field, "must be from 0 to 1");
        }
    }
    checks.finish()?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let site = state.site.clone();
    let (row, usage) = state
        .db
        .write(move |conn| {
            let at = changes.updated_at.unwrap_or_else(now);
            require_owner(&principal, &model::find(conn, id)?)?;
            changes.updated_at = Some(at);
            let (before, after) = model::update(conn, id, &changes)?;
            let users = model::articles_using(conn, id)?;
            let usage = model::usage_count(conn, id)?;
            let urls = FileUrls::new(&site.media);
            let (before, after_response) = (urls.response(before, usage), urls.response(after.clone(), usage));
            Change::new("media.update", "media", id)
                .fields(changed_fields(&before, &after_response))
                .record(conn, &actor, at)?;
            // The covers' alt text, caption and credit change on the pages that show them.
            let mut keys: Vec<String> = users.iter().map(|id| format!("article-{id}")).collect();
            if !keys.is_empty() {
                keys.push("articles".to_owned());
            }
            Event::new("media.updated", &after_response).keys(keys).emit(conn, &outbox, &actor, at)?;
            Ok((after, usage))
        })
        .await?;
    state.media_items.forget(row.id);
    state.content_changed();
    Ok(HttpResponse::Ok().json(urls(&state).response(row, usage)))
}

/// Delete a media item and its files (409 while an article uses it).
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted, files and all"),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unavailable
    )
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteMedia)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let site = state.site.clone();
    let item = state
        .db
        .write(move |conn| {
            let at = now();
            require_owner(&principal, &model::find(conn, id)?)?;
            let item = model::delete(conn, id)?;
            Change::new("media.delete", "media", id)
                .details(serde_json::json!({"sha256": item.sha256}))
                .record(conn, &actor, at)?;
            let response = FileUrls::new(&site.media).response(item.clone(), 0);
            Event::new("media.deleted", &response).emit(conn, &outbox, &actor, at)?;
            Ok(item)
        })
        .await?;
    state.media_items.forget(item.id);
    state.media_store.delete_all(&item.sha256).await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}

/// What a file path asks for: the original, or a width (cropped or not), in a type.
struct Wanted {
    name: String,
    width: Option<u32>,
    aspect: Option<(u32, u32)>,
    kind: Kind,
    /// Chosen by the `Accept` header, so the answer varies with it.
    negotiated: bool,
}

fn wanted(item: &MediaRow, file: &str, accept: &str, urls: &FileUrls<'_>) -> Option<Wanted> {
    let original = Kind::from_mime(&item.mime_type)?;
    let (name, extension) = match file.rsplit_once('.') {
        Some((name, extension)) => (name, Some(extension)),
        None => (file, None),
    };
    if name == "original" {
        return match extension {
            Some(e) if Kind::from_extension(e) != Some(original) => None,
            _ => Some(Wanted { name: name.to_owned(), width: None, aspect: None, kind: original, negotiated: false }),
        };
    }
    let fallback = original.fallback();
    let (kind, negotiated) = match extension {
        None if accept.contains("image/webp") => (Kind::Webp, true),
        None => (fallback, true),
        Some("webp") => (Kind::Webp, false),
        Some(e) if Kind::from_extension(e) == Some(fallback) => (fallback, false),
        Some(_) => return None,
    };
    let mut parts = name.split('-');
    let width: u32 = parts.next()?.parse().ok()?;
    let aspect = match parts.next() {
        None => None,
        Some(ratio) => {
            let (a, b) = ratio.split_once('x')?;
            let aspect = (a.parse().ok()?, b.parse().ok()?);
            let focal: (u32, u32) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
            if !ASPECTS.contains(&aspect) || focal != (percent(item.focal_x), percent(item.focal_y)) {
                return None;
            }
            Some(aspect)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    let (w, h) = (item.width as u32, item.height as u32);
    let widest = match aspect {
        Some(aspect) => processing::crop_box(w, h, aspect, (item.focal_x, item.focal_y)).2 as u32,
        None => w,
    };
    if !urls.widths_for(widest).contains(&width) || variant_name(width, aspect, (item.focal_x, item.focal_y)) != name {
        return None;
    }
    Some(Wanted { name: name.to_owned(), width: Some(width), aspect, kind, negotiated })
}

/// A media file (public): the original without its metadata, or a variant, made on its
/// first request and kept.
///
/// `{file}` is `original.{ext}`, `{width}.{webp|jpg|png}` or
/// `{width}-{a}x{b}-{focal x}-{focal y}.{ext}` (a crop), as the item's `variants` and
/// `crops` list them; without an extension, WebP when `Accept` allows it. Other sizes are
/// not made.
#[utoipa::path(
    tag = "media",
    params(
        ("id" = i64, Path, description = "Media item id"),
        ("hash" = String, Path, description = "The first 8 hex digits of the item's SHA-256"),
        ("file" = String, Path, description = "original.jpg, 640.webp, 640-16x9-50-35.webp, ..."),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag this file had")
    ),
    responses(
        (status = 200, description = "The file", content_type = "image/*", body = Vec<u8>,
         headers(("ETag" = String), ("Cache-Control" = String, description = "public, max-age=31536000, immutable"))),
        (status = 206, description = "The range asked for", content_type = "image/*", body = Vec<u8>,
         headers(("Content-Range" = String))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        BadRequest, NotFound, RangeNotSatisfiable, Busy
    )
)]
#[get("/media/{id:[0-9]+}/{hash}/{file}")]
pub async fn media_file(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(i64, String, String)>,
) -> Result<HttpResponse, ApiError> {
    serve(state, req, path.into_inner()).await
}

/// A media file's headers (public).
#[utoipa::path(
    tag = "media",
    params(
        ("id" = i64, Path, description = "Media item id"),
        ("hash" = String, Path, description = "The first 8 hex digits of the item's SHA-256"),
        ("file" = String, Path, description = "original.jpg, 640.webp, ...")
    ),
    responses((status = 200, description = "The file's headers, without it"), BadRequest, NotFound, Busy)
)]
#[head("/media/{id:[0-9]+}/{hash}/{file}")]
pub async fn media_file_head(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(i64, String, String)>,
) -> Result<HttpResponse, ApiError> {
    serve(state, req, path.into_inner()).await
}

async fn serve(
    state: Data<AppState>,
    req: HttpRequest,
    (id, hash, file): (i64, String, String),
) -> Result<HttpResponse, ApiError> {
    let item = match state.media_items.get(id) {
        Some(item) => item,
        None => {
            let item = state.db.read(move |conn| model::find(conn, id)).await.map_err(|e| match e {
                ApiError::NotFound(_) => ApiError::NotFound("No such file.".into()),
                other => other,
            })?;
            state.media_items.put(item.id, item.clone());
            item
        }
    };
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let urls = urls(&state);
    let wanted = (item.sha256.get(..8) == Some(hash.as_str()))
        .then(|| wanted(&item, &file, accept, &urls))
        .flatten()
        .ok_or_else(|| ApiError::NotFound("No such file.".into()))?;
    let stored = format!("{}.{}", wanted.name, wanted.kind.extension());
    let etag = format!("\"{}-{stored}\"", &item.sha256[..16]);
    let mut headers = vec![(header::CACHE_CONTROL, IMMUTABLE.to_owned()), (header::ETAG, etag.clone())];
    if wanted.negotiated {
        headers.push((header::VARY, "Accept".to_owned()));
    }
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|tags| tags.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag)) {
        let mut not_modified = HttpResponse::NotModified();
        for pair in headers {
            not_modified.insert_header(pair);
        }
        return Ok(not_modified.finish());
    }
    let mut response = HttpResponse::Ok();
    for pair in headers {
        response.insert_header(pair);
    }
    response.insert_header((header::ACCEPT_RANGES, "bytes")).insert_header(header::ContentEncoding::Identity);
    let bytes = file_bytes(&state, &item, &wanted, &stored).await?;
    response.content_type(wanted.kind.mime());
    match byte_range(&req, bytes.len() as u64) {
        Range::Whole => Ok(response.body(bytes)),
        Range::Part(start, end) => {
            response.status(actix_web::http::StatusCode::PARTIAL_CONTENT);
            response.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{}", bytes.len())));
            Ok(response.body(bytes.slice(start as usize..=end as usize)))
        }
        Range::Unsatisfiable => Err(ApiError::RangeNotSatisfiable { length: bytes.len() as u64 }),
    }
}

/// The stored file, made first when it is a variant not yet asked for (once, however
/// many ask at the same moment).
async fn file_bytes(state: &AppState, item: &MediaRow, wanted: &Wanted, stored: &str) -> Result<Bytes, ApiError> {
    let store = &state.media_store;
    let key = MediaStore::key(&item.sha256, stored);
    let Some(width) = wanted.width else {
        return store.get(&key).await?.ok_or_else(|| ApiError::NotFound("No such file.".into()));
    };
    let original_kind = Kind::from_mime(&item.mime_type).unwrap_or(Kind::Jpeg);
    let original_key = MediaStore::key(&item.sha256, &format!("original.{}", original_kind.extension()));
    let (aspect, focal, kind) = (wanted.aspect, (item.focal_x, item.focal_y), wanted.kind);
    let max_pixels = state.settings.media_max_pixels.max((item.width * item.height) as u64);
    let jobs = state.image_jobs.clone();
    store
        .get_or_make(&key, async {
            let original = store.get(&original_key).await?.ok_or_else(|| ApiError::NotFound("No such file.".into()))?;
            let made = jobs
                .run(move || {
                    let image = processing::decode(&original, original_kind, max_pixels)?;
                    processing::variant(&image, width, aspect, focal, kind)
                })
                .await?;
            Ok(Bytes::from(made))
        })
        .await
}

enum Range {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

/// The one byte range a `Range` header asks for; several ranges get the whole file.
fn byte_range(req: &HttpRequest, length: u64) -> Range {
    let Some(value) = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Range::Whole;
    };
    let Ok(header::Range::Bytes(ranges)) = value.parse::<header::Range>() else {
        return Range::Whole;
    };
    match ranges.as_slice() {
        [only] => match only.to_satisfiable_range(length) {
            Some((start, end)) => Range::Part(start, end),
            None => Range::Unsatisfiable,
        },
        _ => Range::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned_never_paths() {
        assert_eq!(clean_filename(Some("../../etc/passwd"), Kind::Png), "passwd.png");
        assert_eq!(clean_filename(Some("C:\\Users\\a\\ảnh lễ hội.JPG"), Kind::Jpeg), "ảnh lễ hội.jpg");
        assert_eq!(clean_filename(Some("a\0b\u{1}c.gif"), Kind::Gif), "abc.gif");
        assert_eq!(clean_filename(Some("...."), Kind::Webp), "image.webp");
        assert_eq!(clean_filename(None, Kind::Jpeg), "image.jpg");
        assert_eq!(clean_filename(Some("page.html"), Kind::Png), "page.png");
        assert!(clean_filename(Some(&"x".repeat(300)), Kind::Jpeg).chars().count() <= MAX_FILENAME);
    }

    #[test]
    fn hashes_are_hex() {
        assert_eq!(
            MediaStore::content_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
