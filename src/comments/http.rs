//! `/api/v1/articles/{id}/comments` (readers read and write) and `/api/v1/comments`
//! (moderators).

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, APPROVED, After, CommentRow, NewComment, Order, PENDING, QueueFilter, SPAM, STATUSES};
use super::text;
use crate::articles::model as articles;
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal, Viewer};
use crate::caching;
use crate::client::Reader;
use crate::config::CommentModeration;
use crate::db::now;
use crate::error::ApiError;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized, Unavailable,
    UnsupportedMediaType,
};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::{ListMeta, ListResponse, id_cursor, id_page, keyset_cursor, keyset_page};
use crate::state::AppState;
use crate::validation::{Checks, Lines};
use crate::webhooks::Event;

const MAX_NAME: usize = 80;
const MAX_CONTENT: usize = 5000;
const MAX_EMAIL: usize = 254;
/// The same text from the same visitor within this long is refused as a repeat.
const REPEAT_WINDOW: Duration = Duration::minutes(10);

/// A comment as readers see it: never its email, address or visitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    pub id: i64,
    /// The top-level comment this one replies to; null for a top-level comment.
    pub parent_id: Option<i64>,
    pub author_name: String,
    /// Written by a signed-in staff member.
    pub staff: bool,
    /// The text as written (plain text).
    pub content: String,
    /// The text as HTML: escaped, line breaks as `<br>`, web addresses as
    /// `rel="nofollow ugc noopener"` links.
    pub content_html: String,
    pub likes: i64,
    pub dislikes: i64,
    pub created_at: DateTime<Utc>,
}

impl From<&CommentRow> for CommentResponse {
    fn from(row: &CommentRow) -> Self {
        Self {
            id: row.id,
            parent_id: row.parent_id,
            author_name: row.author_name.clone(),
            staff: row.user_id.is_some(),
            content: row.content.clone(),
            content_html: text::to_html(&row.content),
            likes: row.likes,
            dislikes: row.dislikes,
            created_at: row.created_at.and_utc(),
        }
    }
}

/// A top-level comment with its approved replies.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentThread {
    #[serde(flatten)]
    pub comment: CommentResponse,
    /// Up to 50 approved replies, oldest first.
    pub replies: Vec<CommentResponse>,
    /// All its approved replies.
    pub reply_count: i64,
}

/// A comment as moderators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedComment {
    #[serde(flatten)]
    pub comment: CommentResponse,
    pub article_id: i64,
    /// `pending`, `approved`, `spam` or `trash`.
    pub status: String,
    pub author_email: Option<String>,
    /// The staff member who wrote it.
    pub user_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

impl From<&CommentRow> for ModeratedComment {
    fn from(row: &CommentRow) -> Self {
        Self {
            comment: row.into(),
            article_id: row.article_id,
            status: row.status.clone(),
            author_email: row.author_email.clone(),
            user_id: row.user_id,
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// What a writer gets back: the comment, and whether it waits for a moderator.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedComment {
    #[serde(flatten)]
    pub comment: CommentResponse,
    /// `approved` (shown now) or `pending` (shown once a moderator approves it).
    pub status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// 1 to 80 characters; staff signed in post under their display name instead.
    #[schema(max_length = 80)]
    pub author_name: Option<String>,
    /// Shown to staff only.
    #[schema(max_length = 254)]
    pub author_email: Option<String>,
    /// Plain text, 1 to 5,000 characters; HTML is kept as text.
    #[schema(min_length = 1, max_length = 5000)]
    pub content: String,
    /// The comment this one answers (of the same article).
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
    /// Leave empty: a field people never see, which only robots fill in.
    pub website: Option<String>,
    /// The reader's anonymous visitor id, when not sent in the `X-Visitor-Id` header.
    #[schema(min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub visitor_id: Option<String>,
}

/// The order of an article's comments.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommentSort {
    Newest,
    Oldest,
    /// Most liked first, then newest.
    Top,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentListQuery {
    /// `newest` (default), `oldest` or `top` (most liked) first.
    pub sort: Option<CommentSort>,
    /// Top-level comments per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// The `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An article's approved comments (public).
///
/// Top-level comments a page at a time, each with its approved replies (one level:
/// a reply to a reply is shown under the same top-level comment).
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Article id"), CommentListQuery),
    responses(
        (status = 200, description = "A page of comments", body = ListResponse<CommentThread>),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        BadRequest, NotFound, Unavailable
    )
)]
#[get("/articles/{id}/comments")]
pub async fn list_comments(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<i64>,
    query: ApiQuery<CommentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    let query = query.into_inner();
    let order = match query.sort.unwrap_or(CommentSort::Newest) {
        CommentSort::Newest => Order::Newest,
        CommentSort::Oldest => Order::Oldest,
        CommentSort::Top => Order::Top,
    };
    let list = match order {
        Order::Top => format!("comments-top-{article_id}"),
        Order::Newest | Order::Oldest => format!("comments-{article_id}"),
    };
    let width = if order == Order::Top { 2 } else { 1 };
    let mut checks = Checks::new();
    let (per_page, keys) = keyset_page(query.per_page, query.cursor.as_deref(), &list, width, &mut checks);
    checks.finish()?;
    let after = keys.map(|keys| After { likes: if order == Order::Top { keys[0] } else { 0 }, id: keys[width - 1] });
    let key = format!("{}{}", comment_list_keys(article_id), req.query_string());
    if !caching::wants_fresh(&req)
        && let Some(entry) = state.responses.get(&key, 0)
    {
        return state.responses.respond(&key, entry, &req);
    }
    let at = now();
    let (threads, replies, counts) = state
        .db
        .read_public(move |conn| {
            articles::comment_target(conn, article_id, at)?.ok_or_else(|| ApiError::not_found("article"))?;
            let threads = model::top_level_page(conn, article_id, order, after, per_page)?;
            let ids: Vec<i64> = threads.iter().map(|c| c.id).collect();
            let (replies, counts) = model::replies(conn, &ids)?;
            Ok((threads, replies, counts))
        })
        .await?;
    let next_cursor = threads.last().filter(|_| threads.len() as i64 == per_page).map(|last| match order {
        Order::Top => keyset_cursor(&list, &[last.likes, last.id]),
        Order::Newest | Order::Oldest => id_cursor(&list, last.id),
    });
    let data: Vec<CommentThread> = threads
        .iter()
        .map(|thread| CommentThread {
            comment: thread.into(),
            replies: replies.iter().filter(|r| r.parent_id == Some(thread.id)).map(CommentResponse::from).collect(),
            reply_count: counts.iter().find(|(parent, _)| *parent == thread.id).map_or(0, |(_, n)| *n),
        })
        .collect();
    let response = ListResponse::paged(data, None, per_page, None, next_cursor).respond(&req);
    Ok(state.responses.keep(key, response, &[caching::SURROGATE_KEY, actix_web::http::header::LINK], &req))
}

/// Comment on an article (public).
///
/// Readers' comments wait for a moderator under `NEWSDESK_COMMENTS_MODERATION=guests`
/// (the default) and `all`; staff signed in post under their display name. A comment
/// with more than `NEWSDESK_COMMENTS_MAX_LINKS` links always waits. At most
/// `NEWSDESK_COMMENT_RATE_LIMIT` comments a minute from one address (429); words of
/// `NEWSDESK_COMMENTS_BLOCKLIST` and a filled-in `website` make spam; the same text
/// from the same visitor within 10 minutes is a 409; crawlers get 403.
#[utoipa::path(
    tag = "comments",
    params(
        ("id" = i64, Path, description = "Article id"),
        ("X-Visitor-Id" = Option<String>, Header, description = "The reader's anonymous visitor id", min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")
    ),
    request_body = CommentInput,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "Received: shown now or after moderation, as `status` says", body = PostedComment),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, TooManyRequests, Unavailable
    )
)]
#[post("/articles/{id}/comments")]
pub async fn post_comment(
    state: Data<AppState>,
    req: HttpRequest,
    viewer: Viewer,
    id: Path<i64>,
    body: ApiJson<CommentInput>,
) -> Result<HttpResponse, ApiError> {
    let article_id = id.into_inner();
    let input = body.0;
    let reader = Reader::of(&req, &state.address_secret, &state.settings.trusted_proxies, input.visitor_id.as_deref())?;
    let staff = viewer.0.as_ref().filter(|p| p.allows(Permission::ReadDrafts)).cloned();
    let mut checks = Checks::new();
    let content = checked_content(&mut checks, &input.content);
    let name = match &staff {
        Some(_) => None,
        None => Some(checks.required_text(
            "author_name",
            input.author_name.as_deref().unwrap_or(""),
            MAX_NAME,
            Lines::Single,
        )),
    };
    let email = checks.optional_text("author_email", input.author_email.as_deref(), MAX_EMAIL, Lines::Single);
    if email.as_deref().is_some_and(|e| !is_email(e)) {
        checks.error("author_email", "must be an email address");
    }
    if input.parent_id.is_some_and(|p| p < 1) {
        checks.error("parent_id", "must be a comment id");
    }
    checks.finish()?;
    if crate::stats::classify::is_known_crawler(crate::client::user_agent(&req)) {
        return Err(ApiError::Forbidden("Crawlers may not comment.".into()));
    }
    if let Err(retry_after_seconds) = state.comment_limiter.check(&reader.address_key) {
        return Err(ApiError::TooManyRequests {
            detail: "Too many comments from this address; try again later.".into(),
            retry_after_seconds,
        });
    }
    let honeypot = input.website.as_deref().is_some_and(|w| !w.trim().is_empty());
    let too_many_links = text::link_count(&content) > state.settings.comments_max_links as usize;
    let moderated = match state.settings.comments_moderation {
        CommentModeration::All => true,
        CommentModeration::Guests => staff.is_none(),
        CommentModeration::None => false,
    };
    let blocked = state.comment_blocklist.matches(&content)
        || name.as_deref().is_some_and(|n| state.comment_blocklist.matches(n));
    let status = if honeypot || blocked {
        SPAM
    } else if moderated || too_many_links {
        PENDING
    } else {
        APPROVED
    };
    let at = now();
    let close_after = state.settings.comments_close_after_days;
    let outbox = state.outbox.clone();
    let actor = match &staff {
        Some(principal) => Actor::new(principal, Origin::of(&req, &state)),
        None => Actor::anonymous(Origin::of(&req, &state)),
    };
    let comment = state
        .db
        .write(move |conn| {
            let (open, published_at) =
                articles::comment_target(conn, article_id, at)?.ok_or_else(|| ApiError::not_found("article"))?;
            let closed_by_age =
                close_after > 0 && published_at.is_some_and(|p| p + Duration::days(i64::from(close_after)) <= at);
            if !open || closed_by_age {
                return Err(ApiError::Conflict {
                    detail: "Comments are closed for this article.".into(),
                    errors: vec![],
                });
            }
            let parent_id = match input.parent_id {
                Some(parent) => Some(
                    model::thread_of(conn, article_id, parent, APPROVED)?
                        .ok_or_else(|| ApiError::field("parent_id", "is not a comment of this article"))?,
                ),
                None => None,
            };
            if model::repeated(conn, &reader.reader_key, &content, at - REPEAT_WINDOW)? {
                return Err(ApiError::Conflict { detail: "The same comment was just sent.".into(), errors: vec![] });
            }
            let author_name = match &staff {
                Some(principal) => crate::users::model::display_name_of(conn, principal)?,
                None => name.unwrap_or_default(),
            };
            let comment = model::insert(
                conn,
                &NewComment {
                    article_id,
                    parent_id,
                    author_name,
                    author_email: email,
                    user_id: staff.as_ref().and_then(Principal::user_id),
                    content,
                    status: status.to_owned(),
                    visitor_key: reader.reader_key,
                    address_key: reader.address_key,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            if comment.status != SPAM {
                announce(conn, &outbox, &actor, "comment.created", &comment, at)?;
            }
            if comment.status == APPROVED {
                announce(conn, &outbox, &actor, "comment.approved", &comment, at)?;
            }
            Ok(comment)
        })
        .await?;
    if comment.status == APPROVED {
        state.content_changed();
    }
    state.outbox.wake();
    Ok(HttpResponse::Created().json(PostedComment { comment: (&comment).into(), status: public_status(&comment) }))
}

/// What the writer is told: a comment taken as spam is said to wait, like any other.
/// What the response cache keys of an article's comment lists start with.
fn comment_list_keys(article_id: i64) -> String {
    format!("comments:{article_id}?")
}

fn public_status(comment: &CommentRow) -> String {
    if comment.status == SPAM { PENDING.to_owned() } else { comment.status.clone() }
}

/// The comment's text, cleaned, with an error when nothing or too much is left.
fn checked_content(checks: &mut Checks, raw: &str) -> String {
    let content = text::clean(raw);
    if content.is_empty() {
        checks.error("content", "must not be empty");
    } else if content.chars().count() > MAX_CONTENT {
        checks.error("content", format!("must be at most {MAX_CONTENT} characters"));
    }
    content
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

/// Stores a comment event in the change's transaction.
fn announce(
    conn: &mut crate::db::DbConnection,
    outbox: &crate::webhooks::Outbox,
    actor: &Actor,
    kind: &'static str,
    comment: &CommentRow,
    at: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    let keys = vec![format!("article-{}", comment.article_id)];
    Event::new(kind, &ModeratedComment::from(comment)).keys(keys).emit(conn, outbox, actor, at)?;
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only comments with this status.
    #[param(pattern = "^(pending|approved|spam|trash)$")]
    pub status: Option<String>,
    /// Only comments of this article.
    #[param(minimum = 1)]
    pub article_id: Option<i64>,
    /// Words each found in the author's name, email or the text; diacritics and case
    /// do not matter (at most 200 characters).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only comments written at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only comments written before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// The `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The moderation queue's page: comments, and how many each status holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePage {
    pub data: Vec<ModeratedComment>,
    pub meta: QueueMeta,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueMeta {
    #[serde(flatten)]
    pub page: ListMeta,
    /// Comments per status, for the queue's badges.
    #[schema(example = json!({"pending": 3, "approved": 120, "spam": 7, "trash": 0}))]
    pub counts: std::collections::BTreeMap<String, i64>,
}

/// Comments for moderators, newest first (editors, or tokens with `comments:moderate`).
#[utoipa::path(
    tag = "comments",
    params(QueueQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of comments", body = QueuePage), BadRequest, Unauthorized, Forbidden, Unavailable)
)]
#[get("/comments")]
pub async fn moderation_queue(
    state: Data<AppState>,
    principal: Principal,
    query: ApiQuery<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let query = query.into_inner();
    let mut checks = Checks::new();
    let (per_page, before) = id_page(query.per_page, query.cursor.as_deref(), "comments", &mut checks);
    if query.status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        checks.error("status", "must be pending, approved, spam or trash");
    }
    if query.article_id.is_some_and(|id| id < 1) {
        checks.error("article_id", "must be an article id");
    }
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        checks.error("q", "must be at most 200 characters");
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && to <= from
    {
        checks.error("to", "must be after from");
    }
    checks.finish()?;
    let filter = QueueFilter {
        status: query.status,
        q: query.q,
        article_id: query.article_id,
        from: query.from.map(|t| t.naive_utc().trunc_subsecs(6)),
        to: query.to.map(|t| t.naive_utc().trunc_subsecs(6)),
    };
    let (rows, counts) = state
        .db
        .read(move |conn| Ok((model::queue(conn, &filter, before, per_page)?, model::status_counts(conn)?)))
        .await?;
    let next_cursor = (rows.len() as i64 == per_page).then(|| id_cursor("comments", rows.last().map_or(0, |c| c.id)));
    let mut badges: std::collections::BTreeMap<String, i64> = STATUSES.iter().map(|s| ((*s).to_owned(), 0)).collect();
    badges.extend(counts);
    let meta = QueueMeta {
        page: ListMeta { page: None, per_page, total: None, total_pages: None, next_cursor },
        counts: badges,
    };
    Ok(HttpResponse::Ok().json(QueuePage { data: rows.iter().map(ModeratedComment::from).collect(), meta }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentPatch {
    /// `pending`, `approved`, `spam` or `trash`.
    #[schema(pattern = "^(pending|approved|spam|trash)$")]
    pub status: Option<String>,
    /// A moderator's correction of the text (1 to 5,000 characters).
    #[schema(min_length = 1, max_length = 5000)]
    pub content: Option<String>,
}

/// Approve, hold, mark as spam, trash or correct a comment (moderators).
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Comment id")),
    request_body = CommentPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comment as it is now", body = ModeratedComment),
        BadRequest, Unauthorized, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[patch("/comments/{id:[0-9]+}")]
pub async fn moderate_comment(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
    body: ApiJson<CommentPatch>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let id = id.into_inner();
    let patch = body.0;
    let mut checks = Checks::new();
    if patch.status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        checks.error("status", "must be pending, approved, spam or trash");
    }
    let content = patch.content.as_deref().map(|content| checked_content(&mut checks, content));
    checks.finish()?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let (before, after) = state
        .db
        .write(move |conn| {
            let at = now();
            let (before, after) = model::update(conn, id, patch.status.as_deref(), content.as_deref(), at)?;
            let mut details = serde_json::Map::new();
            if before.status != after.status {
                details.insert("status".into(), serde_json::json!({"from": before.status, "to": after.status}));
            }
            if before.content != after.content {
                details.insert("content".into(), serde_json::json!({"from": before.content, "to": after.content}));
            }
            Change::new("comment.moderate", "comment", id).details(details.into()).record(conn, &actor, at)?;
            if after.status == APPROVED && before.status != APPROVED {
                announce(conn, &outbox, &actor, "comment.approved", &after, at)?;
            } else {
                announce(conn, &outbox, &actor, "comment.updated", &after, at)?;
            }
            Ok((before, after))
        })
        .await?;
    // The article's count and its comment lists changed: their cached answers go.
    if before.status == APPROVED || after.status == APPROVED {
        state.content_changed();
    }
    state.outbox.wake();
    Ok(HttpResponse::Ok().json(ModeratedComment::from(&after)))
}

/// Delete a comment and its replies for good (moderators).
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Comment id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Unavailable)
)]
#[delete("/comments/{id:[0-9]+}")]
pub async fn delete_comment(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let id = id.into_inner();
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    state
        .db
        .write(move |conn| {
            let at = now();
            let comment = model::delete(conn, id)?;
            Change::new("comment.delete", "comment", id).record(conn, &actor, at)?;
            announce(conn, &outbox, &actor, "comment.deleted", &comment, at)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::NoContent().finish())
}

/// A like or a dislike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReactionKind {
    Like,
    Dislike,
}

impl ReactionKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Like => "like",
            Self::Dislike => "dislike",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactionInput {
    pub kind: ReactionKind,
    /// The reader's anonymous visitor id, when not sent in the `X-Visitor-Id` header.
    #[schema(min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub visitor_id: Option<String>,
}

/// A comment's reactions after the reader's.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reactions {
    pub comment_id: i64,
    pub likes: i64,
    pub dislikes: i64,
    /// The reader's reaction now; null when withdrawn.
    pub mine: Option<ReactionKind>,
}

/// Like or dislike an approved comment (public).
///
/// One reaction per reader (visitor id, else client) per comment: reacting again with the
/// other kind replaces it.
#[utoipa::path(
    tag = "comments",
    params(
        ("id" = i64, Path, description = "Comment id"),
        ("X-Visitor-Id" = Option<String>, Header, description = "The reader's anonymous visitor id", min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")
    ),
    request_body = ReactionInput,
    responses(
        (status = 200, description = "The comment's reactions now", body = Reactions),
        BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType, TooManyRequests, Unavailable
    )
)]
#[post("/comments/{id}/reactions")]
pub async fn react(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<i64>,
    body: ApiJson<ReactionInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let reader = Reader::of(&req, &state.address_secret, &state.settings.trusted_proxies, input.visitor_id.as_deref())?;
    set_reaction(&state, id.into_inner(), reader, Some(input.kind)).await
}

/// Withdraw one's reaction to a comment (public).
#[utoipa::path(
    tag = "comments",
    params(
        ("id" = i64, Path, description = "Comment id"),
        ("X-Visitor-Id" = Option<String>, Header, description = "The reader's anonymous visitor id", min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")
    ),
    responses(
        (status = 200, description = "The comment's reactions now", body = Reactions),
        BadRequest, NotFound, TooManyRequests, Unavailable
    )
)]
#[delete("/comments/{id}/reactions")]
pub async fn withdraw_reaction(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let reader = Reader::of(&req, &state.address_secret, &state.settings.trusted_proxies, None)?;
    set_reaction(&state, id.into_inner(), reader, None).await
}

async fn set_reaction(
    state: &AppState,
    id: i64,
    reader: Reader,
    kind: Option<ReactionKind>,
) -> Result<HttpResponse, ApiError> {
    limit_reactions(state, &reader)?;
    let comment = state
        .db
        .write(move |conn| model::react(conn, id, &reader.reader_key, kind.map(ReactionKind::as_str), now()))
        .await?;
    state.responses.forget_prefix(&comment_list_keys(comment.article_id));
    Ok(HttpResponse::Ok().json(Reactions {
        comment_id: id,
        likes: comment.likes,
        dislikes: comment.dislikes,
        mine: kind,
    }))
}

/// Counts a like, dislike or report against the reader's address.
fn limit_reactions(state: &AppState, reader: &Reader) -> Result<(), ApiError> {
    state.reaction_limiter.check(&reader.address_key).map_err(|retry_after_seconds| ApiError::TooManyRequests {
        detail: "Too many reactions from this address; try again later.".into(),
        retry_after_seconds,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// What is wrong with it (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// The reader's anonymous visitor id, when not sent in the `X-Visitor-Id` header.
    #[schema(min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub visitor_id: Option<String>,
}

/// Report an approved comment to the moderators (public).
///
/// Once per reader per comment; at `NEWSDESK_COMMENTS_HIDE_AFTER_REPORTS` distinct
/// readers the comment is hidden until a moderator looks at it again.
#[utoipa::path(
    tag = "comments",
    params(
        ("id" = i64, Path, description = "Comment id"),
        ("X-Visitor-Id" = Option<String>, Header, description = "The reader's anonymous visitor id", min_length = 8, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")
    ),
    request_body = ReportInput,
    responses(
        (status = 202, description = "Received"),
        BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType, TooManyRequests, Unavailable
    )
)]
#[post("/comments/{id}/reports")]
pub async fn report(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<i64>,
    body: ApiJson<ReportInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.0;
    let reader = Reader::of(&req, &state.address_secret, &state.settings.trusted_proxies, input.visitor_id.as_deref())?;
    let mut checks = Checks::new();
    let reason = checks.required_text("reason", &input.reason, 500, Lines::Multi);
    checks.finish()?;
    limit_reactions(&state, &reader)?;
    let hide_after = i64::from(state.settings.comments_hide_after_reports);
    let hidden =
        state.db.write(move |conn| model::report(conn, id, &reader.reader_key, &reason, hide_after, now())).await?;
    if hidden {
        state.content_changed();
    }
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkModeration {
    /// 1 to 100 comment ids.
    #[schema(min_items = 1, max_items = 100)]
    pub ids: Vec<i64>,
    /// `pending`, `approved`, `spam` or `trash`.
    #[schema(pattern = "^(pending|approved|spam|trash)$")]
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedComments {
    pub data: Vec<ModeratedComment>,
}

/// Moderate up to 100 comments at once, all or none (moderators).
#[utoipa::path(
    tag = "comments",
    request_body = BulkModeration,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comments as they are now", body = ModeratedComments),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unavailable
    )
)]
#[post("/comments/moderate")]
pub async fn moderate_comments(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    body: ApiJson<BulkModeration>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let input = body.0;
    let mut checks = Checks::new();
    let mut ids = input.ids;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > 100 {
        checks.error("ids", "must name 1 to 100 comments");
    }
    if !STATUSES.contains(&input.status.as_str()) {
        checks.error("status", "must be pending, approved, spam or trash");
    }
    checks.finish()?;
    let actor = Actor::new(&principal, origin);
    let outbox = state.outbox.clone();
    let status = input.status;
    let changed = state
        .db
        .write(move |conn| {
            let at = now();
            let changed = model::update_all(conn, &ids, &status, at)?;
            for (before, after) in &changed {
                if before.status == after.status {
                    continue;
                }
                Change::new("comment.moderate", "comment", after.id)
                    .details(serde_json::json!({"status": {"from": before.status, "to": after.status}}))
                    .record(conn, &actor, at)?;
                let kind = if after.status == APPROVED { "comment.approved" } else { "comment.updated" };
                announce(conn, &outbox, &actor, kind, after, at)?;
            }
            Ok(changed)
        })
        .await?;
    state.content_changed();
    Ok(HttpResponse::Ok().json(ModeratedComments { data: changed.iter().map(|(_, after)| after.into()).collect() }))
}
