//! What every article write checks (the author rules, the version named by `If-Match`,
//! that the article is not in the trash, who is writing) and the flow of an edit.

use actix_web::HttpResponse;
use actix_web::web::Data;
use chrono::NaiveDateTime;

use super::events::ArticleChange;
use super::input::ArticleInput;
use super::model::revisions::{self, RevisionMeta};
use super::model::{self, Article, Status};
use super::response::{revision_etag, staff_response};
use crate::audit::{Actor, Change, Origin};
use crate::auth::{Permission, Principal};
use crate::db::{DbConnection, now};
use crate::error::ApiError;
use crate::preconditions::IfMatch;
use crate::state::AppState;

/// What kind of edit a write is, for its revision and audit entry.
pub struct Edit {
    pub action: &'static str,
    /// The editor's summary when the body carries none.
    pub note: Option<String>,
    /// The revision whose content a restore brings back.
    pub restored_from: Option<i64>,
}

/// An edit: the whole article `input` makes of the current one (it may read the database,
/// as a restore reads its revision), written over it with its revision and audit entry,
/// unless it changes nothing.
pub async fn write_over(
    state: Data<AppState>,
    principal: Principal,
    origin: Origin,
    if_match: IfMatch,
    id: i64,
    edit: Edit,
    input: impl FnOnce(&mut DbConnection, &Article) -> Result<ArticleInput, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteArticles)?;
    let at = now();
    let mut meta = revision_meta(&state, &principal, origin, None, edit.restored_from);
    let require = state.settings.require_if_match;
    let shared = state.clone();
    let (article, changed) = state
        .db
        .write(move |conn| {
            let current = writable(conn, id)?;
            // Bad input is a 400 whatever version it names.
            let write = input(conn, &current)?.validate(Some(&current), at)?;
            check_version(conn, &if_match, &current, require)?;
            check_author_rules(&principal, Some(&current), Some(&write.fields.status), at)?;
            meta.note = write.note.clone().or(edit.note);
            match model::update(conn, &current, &write, &meta, at)? {
                Some((article, changed)) => {
                    let change = Change::new(edit.action, "article", id).fields(&changed);
                    let change = match edit.restored_from {
                        Some(number) => change.details(serde_json::json!({ "restored_from": number })),
                        None => change,
                    };
                    change.record(conn, &meta.actor, at)?;
                    let change = ArticleChange {
                        kind: "article.updated",
                        before: Some(&current),
                        after: Some(&article),
                        changed: &changed,
                    };
                    change.announce(conn, &shared, &meta.actor, at)?;
                    Ok((article, true))
                }
                None => Ok((current, false)),
            }
        })
        .await?;
    if changed {
        state.content_changed();
    }
    Ok(staff_response(HttpResponse::Ok(), article, &state))
}

/// Who is writing, for the revision and the audit entry.
pub fn revision_meta(
    state: &AppState,
    principal: &Principal,
    origin: Origin,
    note: Option<String>,
    restored_from: Option<i64>,
) -> RevisionMeta {
    RevisionMeta { actor: Actor::new(principal, origin), note, restored_from, keep: state.settings.revisions_keep }
}

/// The article as stored, unless it is in the trash (where it cannot be edited).
pub fn writable(conn: &mut DbConnection, id: i64) -> Result<Article, ApiError> {
    let current = model::current(conn, id)?;
    if current.row.trashed_at.is_some() {
        return Err(ApiError::Conflict {
            detail: "The article is in the trash; restore it (POST /articles/{id}/restore) before editing it.".into(),
            errors: Vec::new(),
        });
    }
    Ok(current)
}

/// Checks `If-Match` against the article's current revision; a stale one is told who made
/// the current revision, and when.
pub fn check_version(
    conn: &mut DbConnection,
    if_match: &IfMatch,
    current: &Article,
    required: bool,
) -> Result<(), ApiError> {
    let number = current.row.revision;
    let made = if if_match.is_present() { revisions::find_optional(conn, current.row.id, number)? } else { None };
    if_match.check(&revision_etag(current), required, || {
        let by = made.as_ref().and_then(|r| r.actor_name.clone()).unwrap_or_else(|| "someone".into());
        let when = made.as_ref().map_or(current.row.updated_at, |r| r.created_at).and_utc().to_rfc3339();
        format!(
            "The article has changed since that version: it is at revision {number}, made by {by} at {when}. \
             Reload it and apply your change again."
        )
    })
}

/// Whoever may publish may write anything. Authors may only write drafts, and only
/// change or delete their own articles while those are still drafts.
pub fn check_author_rules(
    principal: &Principal,
    current: Option<&Article>,
    new_status: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if principal.allows(Permission::PublishArticles) {
        return Ok(());
    }
    if new_status.is_some_and(|status| status != Status::Draft.as_str()) {
        return Err(ApiError::Forbidden("Authors can save drafts only; an editor publishes.".into()));
    }
    if let Some(current) = current {
        if current.row.created_by.is_none() || current.row.created_by != principal.user_id() {
            return Err(ApiError::Forbidden("Authors can change only their own articles.".into()));
        }
        if current.row.stored_status(now) != Status::Draft {
            return Err(ApiError::Forbidden("The article is no longer a draft; an editor must change it.".into()));
        }
    }
    Ok(())
}
