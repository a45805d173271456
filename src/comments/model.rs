//! Rows and queries of the `comments` table, and the article's `comment_count`, which
//! moves in the same transaction as every change into or out of `approved`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{articles, comment_reactions, comment_reports, comments};
use crate::error::ApiError;
use crate::on_backend;
use crate::search::fold;

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const SPAM: &str = "spam";
pub const TRASH: &str = "trash";
pub const STATUSES: [&str; 4] = [PENDING, APPROVED, SPAM, TRASH];

/// Replies shown under each top-level comment of a page.
pub const REPLIES_SHOWN: i64 = 50;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub user_id: Option<i64>,
    pub content: String,
    pub status: String,
    pub likes: i64,
    pub dislikes: i64,
    pub visitor_key: String,
    pub address_key: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A comment as its writer sent it, checked and cleaned, with its status decided.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub user_id: Option<i64>,
    pub content: String,
    pub status: String,
    pub visitor_key: String,
    pub address_key: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<CommentRow, ApiError> {
    comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("comment"))
}

/// `find`, holding the row until the transaction ends (PostgreSQL; SQLite's one writer
/// holds everything anyway), so that two changes of one comment cannot both count.
fn find_locked(conn: &mut DbConnection, id: i64) -> Result<CommentRow, ApiError> {
    if let DbConnection::Postgres(c) = conn {
        comments::table.find(id).select(comments::id).for_update().first::<i64>(c).optional()?;
    }
    find(conn, id)
}

/// The top-level comment a reply to `parent_id` attaches to, when `parent_id` is a
/// comment of the same article with this status.
pub fn thread_of(
    conn: &mut DbConnection,
    article_id: i64,
    parent_id: i64,
    status: &str,
) -> Result<Option<i64>, ApiError> {
    Ok(comments::table
        .find(parent_id)
        .filter(comments::article_id.eq(article_id))
        .filter(comments::status.eq(status))
        .select((comments::id, comments::parent_id))
        .first::<(i64, Option<i64>)>(conn)
        .optional()?
        .map(|(id, parent)| parent.unwrap_or(id)))
}

/// Whether this visitor sent the same text since `since`.
pub fn repeated(
    conn: &mut DbConnection,
    visitor_key: &str,
    content: &str,
    since: NaiveDateTime,
) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::visitor_key.eq(visitor_key))
            .filter(comments::created_at.ge(since))
            .filter(comments::content.eq(content)),
    ))
    .get_result(conn)?)
}

/// What the moderation queue's `q` is matched against.
fn searchable(author_name: &str, author_email: Option<&str>, content: &str) -> String {
    fold(&format!("{author_name} {} {content}", author_email.unwrap_or("")))
}

pub fn insert(conn: &mut DbConnection, comment: &NewComment) -> Result<CommentRow, ApiError> {
    let folded = searchable(&comment.author_name, comment.author_email.as_deref(), &comment.content);
    let id = on_backend!(conn, |c| diesel::insert_into(comments::table)
        .values((comment, comments::folded.eq(&folded)))
        .returning(comments::id)
        .get_result::<i64>(c))?;
    if comment.status == APPROVED {
        count_approved(conn, comment.article_id, 1)?;
    }
    find(conn, id)
}

fn count_approved(conn: &mut DbConnection, article_id: i64, by: i64) -> Result<(), ApiError> {
    diesel::update(articles::table.find(article_id))
        .set(articles::comment_count.eq(articles::comment_count + by))
        .execute(conn)?;
    Ok(())
}

/// Moves a comment to `status` (and its text to `content`); the article's count follows.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    status: Option<&str>,
    content: Option<&str>,
    at: NaiveDateTime,
) -> Result<(CommentRow, CommentRow), ApiError> {
    let before = find_locked(conn, id)?;
    let status = status.unwrap_or(&before.status);
    let content = content.unwrap_or(&before.content);
    diesel::update(comments::table.find(id))
        .set((
            comments::status.eq(status),
            comments::content.eq(content),
            comments::folded.eq(searchable(&before.author_name, before.author_email.as_deref(), content)),
            comments::updated_at.eq(at),
        ))
        .execute(conn)?;
    let change = i64::from(status == APPROVED) - i64::from(before.status == APPROVED);
    if change != 0 {
        count_approved(conn, before.article_id, change)?;
    }
    let after = find(conn, id)?;
    Ok((before, after))
}

/// Moves every comment of `ids` to `status`, or none if one of them does not exist;
/// returns them as they were and as they are.
pub fn update_all(
    conn: &mut DbConnection,
    ids: &[i64],
    status: &str,
    at: NaiveDateTime,
) -> Result<Vec<(CommentRow, CommentRow)>, ApiError> {
    let found: i64 = comments::table.filter(comments::id.eq_any(ids)).count().get_result(conn)?;
    if found != ids.len() as i64 {
        return Err(ApiError::field("ids", "names a comment that does not exist"));
    }
    ids.iter().map(|id| update(conn, *id, Some(status), None, at)).collect()
}

/// An approved comment a visitor may react to or report.
pub fn approved(conn: &mut DbConnection, id: i64) -> Result<CommentRow, ApiError> {
    Some(find_locked(conn, id)?).filter(|c| c.status == APPROVED).ok_or_else(|| ApiError::not_found("comment"))
}

/// Sets the visitor's reaction to `kind` (`None` withdraws it) and moves the comment's
/// counts by the difference; returns the comment as it is now.
pub fn react(
    conn: &mut DbConnection,
    id: i64,
    visitor_key: &str,
    kind: Option<&str>,
    at: NaiveDateTime,
) -> Result<CommentRow, ApiError> {
    approved(conn, id)?;
    let mine = comment_reactions::table.find((id, visitor_key));
    let before: Option<String> = mine.select(comment_reactions::kind).first(conn).optional()?;
    if before.as_deref() == kind {
        return find(conn, id);
    }
    match kind {
        Some(kind) => {
            on_backend!(conn, |c| diesel::insert_into(comment_reactions::table)
                .values((
                    comment_reactions::comment_id.eq(id),
                    comment_reactions::visitor_key.eq(visitor_key),
                    comment_reactions::kind.eq(kind),
                    comment_reactions::created_at.eq(at),
                ))
                .on_conflict((comment_reactions::comment_id, comment_reactions::visitor_key))
                .do_update()
                .set(comment_reactions::kind.eq(kind))
                .execute(c))?;
        }
        None => {
            diesel::delete(mine).execute(conn)?;
        }
    }
    let delta = |name: &str| i64::from(kind == Some(name)) - i64::from(before.as_deref() == Some(name));
    diesel::update(comments::table.find(id))
        .set((
            comments::likes.eq(comments::likes + delta("like")),
            comments::dislikes.eq(comments::dislikes + delta("dislike")),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// Records the visitor's report (once); at `hide_after` distinct reporters the comment
/// goes back to `pending`. Returns whether it did now.
pub fn report(
    conn: &mut DbConnection,
    id: i64,
    visitor_key: &str,
    reason: &str,
    hide_after: i64,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    approved(conn, id)?;
    let added = on_backend!(conn, |c| diesel::insert_into(comment_reports::table)
        .values((
            comment_reports::comment_id.eq(id),
            comment_reports::visitor_key.eq(visitor_key),
            comment_reports::reason.eq(reason),
            comment_reports::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    let reporters: i64 = comment_reports::table.filter(comment_reports::comment_id.eq(id)).count().get_result(conn)?;
    if added == 0 || reporters < hide_after {
        return Ok(false);
    }
    update(conn, id, Some(PENDING), None, at)?;
    Ok(true)
}

/// Deletes a comment and its replies; returns the comment.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<CommentRow, ApiError> {
    let comment = find(conn, id)?;
    let approved: i64 = comments::table
        .filter(comments::id.eq(id).or(comments::parent_id.eq(id)))
        .filter(comments::status.eq(APPROVED))
        .count()
        .get_result(conn)?;
    diesel::delete(comments::table.filter(comments::parent_id.eq(id))).execute(conn)?;
    diesel::delete(comments::table.find(id)).execute(conn)?;
    if approved > 0 {
        count_approved(conn, comment.article_id, -approved)?;
    }
    Ok(comment)
}

/// The order of an article's public list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Newest,
    Oldest,
    /// Most liked first, then newest.
    Top,
}

/// Where the previous page of a list ended: the last comment's id, and its likes when
/// the list is in `Order::Top`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub likes: i64,
    pub id: i64,
}

/// A page of an article's approved top-level comments, after `after` in `order`.
pub fn top_level_page(
    conn: &mut DbConnection,
    article_id: i64,
    order: Order,
    after: Option<After>,
    limit: i64,
) -> Result<Vec<CommentRow>, ApiError> {
    let mut query = comments::table
        .filter(comments::article_id.eq(article_id))
        .filter(comments::status.eq(APPROVED))
        .filter(comments::parent_id.is_null())
        .select(CommentRow::as_select())
        .limit(limit)
        .into_boxed();
    query = match (order, after) {
        (Order::Newest, Some(after)) => query.filter(comments::id.lt(after.id)),
        (Order::Oldest, Some(after)) => query.filter(comments::id.gt(after.id)),
        (Order::Top, Some(after)) => query
            .filter(comments::likes.lt(after.likes).or(comments::likes.eq(after.likes).and(comments::id.lt(after.id)))),
        (_, None) => query,
    };
    query = match order {
        Order::Newest => query.order(comments::id.desc()),
        Order::Oldest => query.order(comments::id.asc()),
        Order::Top => query.order((comments::likes.desc(), comments::id.desc())),
    };
    Ok(query.load(conn)?)
}

/// Replies to show, and how many replies each parent has: `(parent id, count)`.
pub type Replies = (Vec<CommentRow>, Vec<(i64, i64)>);

/// The approved replies of each of `parents`, oldest first, at most `REPLIES_SHOWN` each,
/// and how many each has in all.
pub fn replies(conn: &mut DbConnection, parents: &[i64]) -> Result<Replies, ApiError> {
    if parents.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let approved = comments::table.filter(comments::status.eq(APPROVED));
    let counts: Vec<(Option<i64>, i64)> = approved
        .filter(comments::parent_id.eq_any(parents))
        .group_by(comments::parent_id)
        .select((comments::parent_id, diesel::dsl::count_star()))
        .load(conn)?;
    // Every reply of the parents that have few, in one query; the first few of each of
    // the others, one query each.
    let (few, many): (Vec<_>, Vec<_>) = counts.iter().partition(|(_, count)| *count <= REPLIES_SHOWN);
    let few: Vec<i64> = few.into_iter().filter_map(|(parent, _)| parent).collect();
    let mut shown: Vec<CommentRow> = if few.is_empty() {
        Vec::new()
    } else {
        comments::table
            .filter(comments::status.eq(APPROVED))
            .filter(comments::parent_id.eq_any(&few))
            .order(comments::id)
            .select(CommentRow::as_select())
            .load(conn)?
    };
    for (parent, _) in many {
        let Some(parent) = parent else { continue };
        shown.extend(
            comments::table
                .filter(comments::status.eq(APPROVED))
                .filter(comments::parent_id.eq(parent))
                .order(comments::id)
                .limit(REPLIES_SHOWN)
                .select(CommentRow::as_select())
                .load::<CommentRow>(conn)?,
        );
    }
    Ok((shown, counts.into_iter().filter_map(|(parent, n)| Some((parent?, n))).collect()))
}

/// What the moderation queue may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<String>,
    /// Words each found in the author's name, email or the text, without diacritics.
    pub q: Option<String>,
    pub article_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// A page of comments for moderators, newest first, before the id `before`.
pub fn queue(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CommentRow>, ApiError> {
    let mut query = comments::table.select(CommentRow::as_select()).into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(comments::status.eq(status.clone()));
    }
    if let Some(article_id) = filter.article_id {
        query = query.filter(comments::article_id.eq(article_id));
    }
    for word in filter.q.as_deref().map(crate::search::terms).unwrap_or_default() {
        query = query.filter(comments::folded.like(format!("%{word}%")));
    }
    if let Some(from) = filter.from {
        query = query.filter(comments::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(comments::created_at.lt(to));
    }
    if let Some(before) = before {
        query = query.filter(comments::id.lt(before));
    }
    Ok(query.order(comments::id.desc()).limit(limit).load(conn)?)
}

/// How many comments each status holds: the moderation queue's badges.
pub fn status_counts(conn: &mut DbConnection) -> Result<Vec<(String, i64)>, ApiError> {
    Ok(comments::table.group_by(comments::status).select((comments::status, diesel::dsl::count_star())).load(conn)?)
}
