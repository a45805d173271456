//! Rows and queries of the `tags` and `article_tags` tables.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{article_tags, tags};
use crate::error::ApiError;
use crate::on_backend;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

/// A tag name and the slug it is known by, both validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagName {
    pub name: String,
    pub slug: String,
}

/// Makes `names` the article's tags, creating the tags that do not exist yet.
pub fn set_for_article(conn: &mut DbConnection, article_id: i64, names: &[TagName]) -> Result<(), ApiError> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id))).execute(conn)?;
    if names.is_empty() {
        return Ok(());
    }
    let new_tags: Vec<_> = names.iter().map(|t| (tags::name.eq(&t.name), tags::slug.eq(&t.slug))).collect();
    on_backend!(conn, |c| diesel::insert_into(tags::table)
        .values(&new_tags)
        .on_conflict(tags::slug)
        .do_nothing()
        .execute(c))?;
    let slugs: Vec<&str> = names.iter().map(|t| t.slug.as_str()).collect();
    let ids: Vec<i64> = tags::table.filter(tags::slug.eq_any(&slugs)).select(tags::id).load(conn)?;
    let links: Vec<_> = ids
        .into_iter()
        .map(|tag_id| (article_tags::article_id.eq(article_id), article_tags::tag_id.eq(tag_id)))
        .collect();
    on_backend!(conn, |c| diesel::insert_into(article_tags::table).values(&links).execute(c))?;
    Ok(())
}

/// The tags of each of these articles, by name: one query for any number of articles.
pub fn for_articles(conn: &mut DbConnection, article_ids: &[i64]) -> Result<HashMap<i64, Vec<Tag>>, ApiError> {
    let mut by_article: HashMap<i64, Vec<Tag>> = HashMap::new();
    if article_ids.is_empty() {
        return Ok(by_article);
    }
    let rows: Vec<(i64, Tag)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(article_ids))
        .order((article_tags::article_id, tags::name))
        .select((article_tags::article_id, Tag::as_select()))
        .load(conn)?;
    for (article_id, tag) in rows {
        by_article.entry(article_id).or_default().push(tag);
    }
    Ok(by_article)
}
