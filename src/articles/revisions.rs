//! `/api/v1/articles/{id}/revisions`: an article's history, what each revision changed,
//! and bringing an earlier revision's content back.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get, post};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};
use utoipa::{IntoParams, ToSchema};

use super::input::ArticleInput;
use super::model::revisions::{self, RevisionRow, Snapshot};
use super::model::{self, Article};
use super::response::ArticleResponse;
use super::rules::{Edit, write_over};
use crate::audit::Origin;
use crate::auth::{Permission, Principal};
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired, Unauthorized,
    Unavailable, UnsupportedMediaType,
};
use crate::extract::{ApiQuery, OptionalJson};
use crate::pagination::{ListResponse, PageQuery};
use crate::preconditions::IfMatch;
use crate::state::AppState;
use crate::validation::{Checks, Lines};

/// Who made a revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionActor {
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    /// The username, or the API token's name, at the time; null when unknown.
    pub name: Option<String>,
}

/// A revision without its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionSummary {
    /// 1 is the article's creation.
    pub number: i64,
    /// The write fields this revision changed.
    pub changed_fields: Vec<String>,
    /// The editor's summary of the change.
    pub note: Option<String>,
    /// The revision whose content this one brought back, for a restore.
    pub restored_from: Option<i64>,
    pub actor: RevisionActor,
    pub created_at: DateTime<Utc>,
}

impl From<&RevisionRow> for RevisionSummary {
    fn from(row: &RevisionRow) -> Self {
        Self {
            number: row.number,
            changed_fields: row.changed_fields(),
            note: row.note.clone(),
            restored_from: row.restored_from,
            actor: RevisionActor {
                user_id: row.actor_user_id,
                token_id: row.actor_token_id,
                name: row.actor_name.clone(),
            },
            created_at: row.created_at.and_utc(),
        }
    }
}

/// A revision with the article's write fields as it left them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    #[serde(flatten)]
    pub summary: RevisionSummary,
    pub snapshot: Snapshot,
}

/// The staff who may read drafts may read their history.
async fn readable_article(state: &AppState, principal: &Principal, id: i64) -> Result<(), ApiError> {
    principal.require(Permission::ReadDrafts)?;
    state.db.read(move |conn| model::current(conn, id).map(|_| ())).await
}

/// An article's revisions, newest first (staff who may read drafts).
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"), PageQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of revisions", body = ListResponse<RevisionSummary>,
               headers(("X-Total-Count" = i64, description = "Revisions kept"),
                       ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/articles/{id}/revisions")]
pub async fn list_revisions(
    state: Data<AppState>,
    principal: Principal,
    id: Path<i64>,
    query: ApiQuery<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let paging = query.paging()?;
    readable_article(&state, &principal, id).await?;
    let (rows, total) = state.db.read(move |conn| revisions::list(conn, id, paging)).await?;
    let data = rows.iter().map(RevisionSummary::from).collect();
    Ok(ListResponse::new(data, paging, total).respond(&req))
}

/// One revision, with the article's write fields as it left them.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"), ("number" = i64, Path, description = "Revision number")),
    security(("bearer" = [])),
    responses((status = 200, description = "The revision", body = Revision),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/articles/{id}/revisions/{number}")]
pub async fn get_revision(
    state: Data<AppState>,
    principal: Principal,
    path: Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    readable_article(&state, &principal, id).await?;
    let row = state.db.read(move |conn| revisions::find(conn, id, number)).await?;
    Ok(HttpResponse::Ok().json(Revision { summary: RevisionSummary::from(&row), snapshot: row.snapshot()? }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The revision to compare with (default: the one before).
    #[param(minimum = 1)]
    pub against: Option<i64>,
}

/// One field's value before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WordOp {
    Equal,
    Delete,
    Insert,
}

/// A run of words the same in both, only in the older, or only in the newer revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct WordChange {
    pub op: WordOp,
    pub text: String,
}

/// What changed between two revisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionDiff {
    pub number: i64,
    /// The revision compared with; null for the first revision (compared with nothing).
    pub against: Option<i64>,
    /// Each field that differs, before and after.
    pub changes: Vec<FieldChange>,
    /// Word by word, for `summary` and `body_html` when they differ.
    pub words: std::collections::BTreeMap<String, Vec<WordChange>>,
}

/// How long a word diff may search for the shortest edit before it settles for a longer one.
const DIFF_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(200);

/// The word-level difference of two texts, with runs of one kind merged.
fn word_diff(before: &str, after: &str) -> Vec<WordChange> {
    let diff = TextDiff::configure().timeout(DIFF_TIMEOUT).diff_words(before, after);
    let mut runs: Vec<WordChange> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => WordOp::Equal,
            ChangeTag::Delete => WordOp::Delete,
            ChangeTag::Insert => WordOp::Insert,
        };
        match runs.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => runs.push(WordChange { op, text: change.value().to_owned() }),
        }
    }
    runs
}

/// What a revision changed: each field before and after, and a word diff of the summary
/// and body (against the revision before it, or `against`).
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"), ("number" = i64, Path, description = "Revision number"),
           DiffQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The differences", body = RevisionDiff),
              BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[get("/articles/{id}/revisions/{number}/diff")]
pub async fn diff_revision(
    state: Data<AppState>,
    principal: Principal,
    path: Path<(i64, i64)>,
    query: ApiQuery<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let against = query.against;
    readable_article(&state, &principal, id).await?;
    let (newer, older) = state
        .db
        .read(move |conn| {
            let newer = revisions::find(conn, id, number)?;
            let older = match against {
                Some(other) => Some(revisions::find(conn, id, other)?),
                None => revisions::previous(conn, id, number)?,
            };
            Ok((newer, older))
        })
        .await?;
    let after = newer.snapshot()?;
    let before = older.as_ref().map(RevisionRow::snapshot).transpose()?;
    let after_fields = after.fields();
    let before_fields = before.as_ref().map(Snapshot::fields).unwrap_or_default();
    let changes: Vec<FieldChange> = after_fields
        .iter()
        .filter(|(name, value)| before_fields.get(*name) != Some(*value))
        .map(|(name, value)| FieldChange {
            field: name.clone(),
            before: before_fields.get(name).cloned().unwrap_or(serde_json::Value::Null),
            after: value.clone(),
        })
        .collect();
    let mut words = std::collections::BTreeMap::new();
    let old = |f: fn(&Snapshot) -> &str| before.as_ref().map(f).unwrap_or_default().to_owned();
    for (field, older_text, newer_text) in [
        ("summary", old(|s| &s.summary), after.summary.as_str()),
        ("body_html", old(|s| &s.body_html), after.body_html.as_str()),
    ] {
        if older_text != newer_text {
            words.insert(field.to_owned(), word_diff(&older_text, newer_text));
        }
    }
    Ok(HttpResponse::Ok().json(RevisionDiff { number, against: older.map(|r| r.number), changes, words }))
}

/// What a restore may say about itself.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreInput {
    /// A summary of the restore for the history (up to 500 characters).
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Bring an earlier revision's content back (the status stays as it is). The restore is
/// itself a new revision, noting `restored_from`.
#[utoipa::path(
    tag = "articles",
    params(("id" = i64, Path, description = "Article id"), ("number" = i64, Path, description = "Revision number"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the revision you are changing; 412 when it is no longer current")),
    request_body(content = Option<RestoreInput>, description = "Optional"),
    security(("bearer" = [])),
    responses((status = 200, description = "Restored (or unchanged: the content was already that)", body = ArticleResponse,
               headers(("ETag" = String, description = "The revision, for If-Match"))),
              BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired,
              PayloadTooLarge, UnsupportedMediaType, Unavailable)
)]
#[post("/articles/{id}/revisions/{number}/restore")]
pub async fn restore_revision(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    path: Path<(i64, i64)>,
    body: OptionalJson<RestoreInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let (id, number) = path.into_inner();
    let input = body.0.unwrap_or_default();
    let mut checks = Checks::new();
    let note = checks.optional_text("note", input.note.as_deref(), 500, Lines::Multi);
    checks.finish()?;
    let edit = Edit { action: "article.revision_restore", note, restored_from: Some(number) };
    write_over(state, principal, origin, if_match, id, edit, move |conn, current| {
        let snapshot = revisions::find(conn, id, number)?.snapshot()?;
        Ok(restored_input(snapshot, current, now()))
    })
    .await
}

/// The write that puts a revision's content back, keeping the article's status and
/// publication window.
fn restored_input(snapshot: Snapshot, current: &Article, now: NaiveDateTime) -> ArticleInput {
    ArticleInput {
        title: snapshot.title,
        slug: Some(snapshot.slug),
        summary: snapshot.summary,
        body_html: snapshot.body_html,
        cover_image: snapshot.cover_image,
        author: snapshot.author,
        source_id: snapshot.source_id,
        source_url: snapshot.source_url,
        category_id: snapshot.category_id,
        tags: snapshot.tags,
        status: current.row.stored_status(now),
        published_at: current.row.published_at.map(|t| t.and_utc()),
        expires_at: current.row.expires_at.map(|t| t.and_utc()),
        allow_rating: snapshot.allow_rating,
        allow_comments: Some(current.row.allow_comments),
        note: None,
    }
}
