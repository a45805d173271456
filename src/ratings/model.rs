//! Rows and queries of the `ratings` table.
//!
//! Every write changes the rating and the article's `rating_count` / `rating_total`
//! in one transaction with additive updates, so the aggregate is exact however many
//! writers there are.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::articles::model as articles;
use crate::client::Reader;
use crate::db::DbConnection;
use crate::db::schema::ratings;
use crate::error::ApiError;
use crate::on_backend;
use crate::pagination::Paging;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ratings)]
pub struct Rating {
    pub id: i64,
    pub article_id: i64,
    pub score: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// At most `limit` new ratings of one article from one address since `since` (the start
/// of the local day).
#[derive(Debug, Clone, Copy)]
pub struct AddressCap {
    pub limit: i64,
    pub since: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Changed,
}

/// The aggregate of an article's ratings, with how many there are of each score.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub total_points: i64,
    pub count: i64,
    /// Counts of scores 1 to 5.
    pub histogram: [i64; 5],
}

/// Records `score` as this reader's rating of the article, replacing an earlier one.
pub fn rate(
    conn: &mut DbConnection,
    article_id: i64,
    reader: &Reader,
    score: i32,
    cap: Option<AddressCap>,
    now: NaiveDateTime,
) -> Result<Outcome, ApiError> {
    // Two first votes of one reader racing: the unique index stops the second insert,
    // which then finds the first and replaces it.
    for _ in 0..3 {
        let attempt = conn.transaction(|conn| rate_once(conn, article_id, reader, score, cap, now));
        match attempt {
            Err(ApiError::Conflict { .. }) => continue,
            other => return other,
        }
    }
    Err(ApiError::Unavailable("The rating could not be saved; try again.".into()))
}

fn rate_once(
    conn: &mut DbConnection,
    article_id: i64,
    reader: &Reader,
    score: i32,
    cap: Option<AddressCap>,
    now: NaiveDateTime,
) -> Result<Outcome, ApiError> {
    let existing: Option<(i64, i32)> = ratings::table
        .filter(ratings::article_id.eq(article_id))
        .filter(ratings::reader_key.eq(&reader.reader_key))
        .select((ratings::id, ratings::score))
        .first(conn)
        .optional()?;
    match existing {
        Some((id, old_score)) => {
            diesel::update(ratings::table.find(id))
                .set((
                    ratings::score.eq(score),
                    ratings::reader_key.eq(&reader.reader_key),
                    ratings::client_key.eq(&reader.client_key),
                    ratings::updated_at.eq(now),
                ))
                .execute(conn)?;
            articles::add_ratings(conn, article_id, 0, i64::from(score - old_score))?;
            Ok(Outcome::Changed)
        }
        None => {
            if let Some(cap) = cap {
                check_address_cap(conn, article_id, &reader.address_key, cap)?;
            }
            on_backend!(conn, |c| diesel::insert_into(ratings::table)
                .values((
                    ratings::article_id.eq(article_id),
                    ratings::reader_key.eq(&reader.reader_key),
                    ratings::client_key.eq(&reader.client_key),
                    ratings::address_key.eq(&reader.address_key),
                    ratings::score.eq(score),
                    ratings::created_at.eq(now),
                    ratings::updated_at.eq(now),
                ))
                .execute(c))?;
            articles::add_ratings(conn, article_id, 1, i64::from(score))?;
            Ok(Outcome::Created)
        }
    }
}

/// Refuses a new rating past the cap. On PostgreSQL the new ratings of one article from one
/// address take turns, so that concurrent ones cannot all slip under it.
fn check_address_cap(
    conn: &mut DbConnection,
    article_id: i64,
    address_key: &str,
    cap: AddressCap,
) -> Result<(), ApiError> {
    crate::db::take_turns(conn, &format!("rating:{article_id}:{address_key}"))?;
    let today: i64 = ratings::table
        .filter(ratings::article_id.eq(article_id))
        .filter(ratings::address_key.eq(address_key))
        .filter(ratings::created_at.ge(cap.since))
        .count()
        .get_result(conn)?;
    if today >= cap.limit {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "This address has already given {today} new ratings of this article today, the most \
                 NEWSDESK_RATINGS_PER_ADDRESS_PER_DAY allows; readers who rated before can still change their score."
            ),
            retry_after_seconds: 3600,
        });
    }
    Ok(())
}

pub fn summary(conn: &mut DbConnection, article_id: i64) -> Result<Summary, ApiError> {
    let counts: Vec<(i32, i64)> = ratings::table
        .filter(ratings::article_id.eq(article_id))
        .group_by(ratings::score)
        .select((ratings::score, count_star()))
        .load(conn)?;
    let mut summary = Summary::default();
    for (score, n) in counts {
        if let Some(slot) = usize::try_from(score - 1).ok().and_then(|i| summary.histogram.get_mut(i)) {
            *slot = n;
            summary.count += n;
            summary.total_points += i64::from(score) * n;
        }
    }
    Ok(summary)
}

#[derive(Debug, Clone, Default)]
pub struct RatingFilter {
    pub article_id: Option<i64>,
    pub score: Option<i32>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

type RatingQuery = ratings::BoxedQuery<'static, crate::db::MultiBackend>;

fn filtered(filter: &RatingFilter) -> RatingQuery {
    let mut query = ratings::table.into_boxed();
    if let Some(article_id) = filter.article_id {
        query = query.filter(ratings::article_id.eq(article_id));
    }
    if let Some(score) = filter.score {
        query = query.filter(ratings::score.eq(score));
    }
    if let Some(from) = filter.from {
        query = query.filter(ratings::updated_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(ratings::updated_at.lt(to));
    }
    query
}

/// Ratings, newest first.
pub fn list(conn: &mut DbConnection, filter: &RatingFilter, paging: Paging) -> Result<(Vec<Rating>, i64), ApiError> {
    let total = filtered(filter).count().get_result(conn)?;
    let page = filtered(filter)
        .select(Rating::as_select())
        .order((ratings::updated_at.desc(), ratings::id.desc()))
        .limit(paging.per_page)
        .offset(paging.offset())
        .load(conn)?;
    Ok((page, total))
}

/// Removes a rating and takes it out of its article's aggregate.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<Rating, ApiError> {
    let rating = ratings::table
        .find(id)
        .select(Rating::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("rating"))?;
    diesel::delete(ratings::table.find(id)).execute(conn)?;
    articles::add_ratings(conn, rating.article_id, -1, -i64::from(rating.score))?;
    Ok(rating)
}
