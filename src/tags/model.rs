//! Rows and queries of the `tags` and `article_tags` tables.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{article_tags, tags};
use crate::error::ApiError;
use crate::on_backend;
use crate::pagination::Paging;

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

/// The tags of the `articles` row a query reads, by name, as a JSON array of `[id, name,
/// slug]`: a column of the article's own statement, so that reading an article is one
/// statement. A second statement for its tags cost a read transaction of its own on SQLite
/// (locking the write-ahead log's shared memory and back), a tenth of an article read.
/// PostgreSQL's `json_agg` of no rows is `NULL`; `list_of` reads both as no tags.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct OfArticle;

impl diesel::expression::Expression for OfArticle {
    type SqlType = diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for OfArticle {}

impl<QS> diesel::expression::SelectableExpression<QS> for OfArticle {}

impl<GroupBy> diesel::expression::ValidGrouping<GroupBy> for OfArticle {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for OfArticle {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        out.push_sql(
            "(SELECT json_group_array(json_array(t.id, t.name, t.slug) ORDER BY t.name) \
             FROM article_tags a JOIN tags t ON t.id = a.tag_id WHERE a.article_id = articles.id)",
        );
        Ok(())
    }
}

/// Each tag is looked up by its key in a subquery of its own (`OFFSET 0` keeps the planner
/// from merging it into a join): as a join, PostgreSQL's default costs (`random_page_cost =
/// 4`) make it hash the whole tags table for every article read (0.5 ms against 0.1 ms).
impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for OfArticle {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        out.push_sql(
            "(SELECT json_agg(json_build_array(t.id, t.name, t.slug) ORDER BY t.name)::text \
             FROM article_tags a CROSS JOIN LATERAL \
             (SELECT tags.id, tags.name, tags.slug FROM tags WHERE tags.id = a.tag_id OFFSET 0) t \
             WHERE a.article_id = articles.id)",
        );
        Ok(())
    }
}

/// The tags an `OfArticle` column holds.
pub fn list_of(column: Option<String>) -> Result<Vec<Tag>, ApiError> {
    let Some(json) = column else { return Ok(Vec::new()) };
    let rows: Vec<(i64, String, String)> =
        serde_json::from_str(&json).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok(rows.into_iter().map(|(id, name, slug)| Tag { id, name, slug }).collect())
}

/// Tags in alphabetical order (of their slugs, so Đ sorts with D), with how many
/// articles carry each.
pub fn list(conn: &mut DbConnection, paging: Paging) -> Result<(Vec<(Tag, i64)>, i64), ApiError> {
    let total = tags::table.count().get_result(conn)?;
    let page: Vec<Tag> = tags::table
        .select(Tag::as_select())
        .order((tags::slug, tags::id))
        .limit(paging.per_page)
        .offset(paging.offset())
        .load(conn)?;
    let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
    let counts = article_counts(conn, &ids)?;
    Ok((page.into_iter().map(|t| (t.id, t)).map(|(id, t)| (t, counts.get(&id).copied().unwrap_or(0))).collect(), total))
}

fn article_counts(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, i64>, ApiError> {
    Ok(article_tags::table
        .filter(article_tags::tag_id.eq_any(ids))
        .group_by(article_tags::tag_id)
        .select((article_tags::tag_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<(Tag, i64), ApiError> {
    let tag = tags::table
        .find(id)
        .select(Tag::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("tag"))?;
    let count = article_counts(conn, &[id])?.get(&id).copied().unwrap_or(0);
    Ok((tag, count))
}

pub fn exists_slug(conn: &mut DbConnection, slug: &str) -> Result<bool, ApiError> {
    Ok(tags::table.filter(tags::slug.eq(slug)).select(tags::id).first::<i64>(conn).optional()?.is_some())
}

/// Creates a tag, or names an existing one anew; its slug must not be another tag's.
pub fn save(conn: &mut DbConnection, id: Option<i64>, tag: &TagName) -> Result<i64, ApiError> {
    let holder: Option<i64> = tags::table.filter(tags::slug.eq(&tag.slug)).select(tags::id).first(conn).optional()?;
    if holder.is_some_and(|h| Some(h) != id) {
        return Err(ApiError::conflict("name", "a tag with this slug already exists"));
    }
    match id {
        Some(id) => {
            find(conn, id)?;
            diesel::update(tags::table.find(id))
                .set((tags::name.eq(&tag.name), tags::slug.eq(&tag.slug)))
                .execute(conn)?;
            Ok(id)
        }
        None => Ok(on_backend!(conn, |c| diesel::insert_into(tags::table)
            .values((tags::name.eq(&tag.name), tags::slug.eq(&tag.slug)))
            .returning(tags::id)
            .get_result(c))?),
    }
}

/// Deletes a tag and takes it off every article.
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    find(conn, id)?;
    diesel::delete(article_tags::table.filter(article_tags::tag_id.eq(id))).execute(conn)?;
    diesel::delete(tags::table.find(id)).execute(conn)?;
    Ok(())
}

/// The tags with these slugs, by slug.
pub fn by_slugs(conn: &mut DbConnection, slugs: &[String]) -> Result<HashMap<String, Tag>, ApiError> {
    if slugs.is_empty() {
        return Ok(HashMap::new());
    }
    let found: Vec<Tag> = tags::table.filter(tags::slug.eq_any(slugs)).select(Tag::as_select()).load(conn)?;
    Ok(found.into_iter().map(|tag| (tag.slug.clone(), tag)).collect())
}
