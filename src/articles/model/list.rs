//! The queries behind article lists: filters, sorts, page numbers and keyset cursors,
//! full-text search and related articles.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    Article, ArticleQuery, ArticleRow, ArticleRowQuery, Audience, RELEASED, Status, embed, rows_visible_to,
    rows_visible_until, visible_until,
};
use crate::db::DbConnection;
use crate::db::schema::{article_counters, article_tags, articles, tags};
use crate::error::ApiError;
use crate::pagination::Paging;
use crate::search::{Corpus, WordCounts};

/// Search ranks the newest this many matching articles of each kind of match (phrase in the
/// title, every term in the title, anywhere), and answers with them best first.
pub const MAX_SEARCH_RESULTS: i64 = 100;

/// How many times a search reads `MAX_SEARCH_RESULTS` titles holding a phrase's pairs of
/// words before asking the index for the phrase itself.
const PAIR_READS: usize = 5;

/// Matches checked against the filter at a time when no total is asked for.
const VISIBILITY_CHUNK: usize = 32;

/// How a list is ordered. Ties are broken by id in the same direction, so the order is
/// total and pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
pub enum Sort {
    #[default]
    #[serde(rename = "-published_at")]
    NewestFirst,
    #[serde(rename = "published_at")]
    OldestFirst,
    #[serde(rename = "-updated_at")]
    RecentlyUpdated,
    #[serde(rename = "updated_at")]
    LeastRecentlyUpdated,
    #[serde(rename = "-view_count")]
    MostViewed,
    #[serde(rename = "view_count")]
    LeastViewed,
    #[serde(rename = "-rating")]
    BestRated,
    #[serde(rename = "rating")]
    WorstRated,
    #[serde(rename = "title")]
    TitleAscending,
    #[serde(rename = "-title")]
    TitleDescending,
    /// Best match first; only with `q` (and its default there).
    #[serde(rename = "relevance")]
    Relevance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    PublishedAt,
    UpdatedAt,
    ViewCount,
    Rating,
    Title,
    Relevance,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Self::NewestFirst => "-published_at",
            Self::OldestFirst => "published_at",
            Self::RecentlyUpdated => "-updated_at",
            Self::LeastRecentlyUpdated => "updated_at",
            Self::MostViewed => "-view_count",
            Self::LeastViewed => "view_count",
            Self::BestRated => "-rating",
            Self::WorstRated => "rating",
            Self::TitleAscending => "title",
            Self::TitleDescending => "-title",
            Self::Relevance => "relevance",
        }
    }

    fn descending(self) -> bool {
        self.name().starts_with('-')
    }

    fn key(self) -> SortKey {
        match self {
            Self::NewestFirst | Self::OldestFirst => SortKey::PublishedAt,
            Self::RecentlyUpdated | Self::LeastRecentlyUpdated => SortKey::UpdatedAt,
            Self::MostViewed | Self::LeastViewed => SortKey::ViewCount,
            Self::BestRated | Self::WorstRated => SortKey::Rating,
            Self::TitleAscending | Self::TitleDescending => SortKey::Title,
            Self::Relevance => SortKey::Relevance,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub audience: Option<Audience>,
    pub status: Option<Status>,
    pub source_id: Option<i64>,
    /// A category and its descendants.
    pub category_ids: Option<Vec<i64>>,
    pub tag: Option<String>,
    pub author: Option<String>,
    pub published_from: Option<NaiveDateTime>,
    pub published_to: Option<NaiveDateTime>,
    pub has_cover: Option<bool>,
    /// Folded search words, all of which must occur.
    pub search: Option<Vec<String>>,
    /// The archive's word counts for ranking a search, kept between searches.
    pub word_counts: Option<std::sync::Arc<WordCounts>>,
}

/// Where the previous page ended: the sort value and id of its last article (or, for
/// relevance, how many came before). Opaque to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "s")]
    sort: String,
    #[serde(rename = "v")]
    value: CursorValue,
    id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum CursorValue {
    Null,
    Number(i64),
    Text(String),
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor serializes"))
    }

    /// The publication time this cursor stands at, for a cursor of a list by `published_at`.
    fn published_at(&self) -> Option<NaiveDateTime> {
        match &self.value {
            CursorValue::Text(at) => NaiveDateTime::parse_from_str(at, TIME_FORMAT).ok(),
            _ => None,
        }
    }

    pub fn decode(text: &str, sort: Sort) -> Result<Self, ApiError> {
        let invalid = || ApiError::field("cursor", "is not a cursor this list gave out");
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if cursor.sort != sort.name() {
            return Err(ApiError::field("cursor", "was made for another sort order"));
        }
        Ok(cursor)
    }
}

#[derive(Debug, Clone)]
pub enum PageRequest {
    Numbered(Paging),
    After { cursor: Option<Cursor>, limit: i64 },
}

impl PageRequest {
    fn limit(&self) -> i64 {
        match self {
            Self::Numbered(paging) => paging.per_page,
            Self::After { limit, .. } => *limit,
        }
    }
}

pub struct ListResult {
    pub articles: Vec<Article>,
    /// `None` when the count was not asked for.
    pub total: Option<i64>,
    pub next_cursor: Option<String>,
    /// A search's snippet of each article (`crate::search::article_snippet`), when shown;
    /// empty otherwise.
    pub snippets: Vec<Option<String>>,
}

/// What a list shows of each article: a page asking for a few fields reads no more.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    /// `body_html`: without it a row is a few hundred bytes instead of kilobytes.
    pub body: bool,
    /// The source, category, tags and cover's media item, each read by a query of its own.
    pub embedded: bool,
    /// A search's snippet, cut from the title, the summary or the body.
    pub snippet: bool,
}

impl Shown {
    pub const ALL: Shown = Shown { body: true, embedded: true, snippet: true };
}

/// Whether the list can hold articles without `published_at` (drafts).
fn nulls_last(filter: &ListFilter) -> bool {
    filter.audience == Some(Audience::Staff)
}

/// `$query` (boxed, over the articles alone or joined) narrowed to what `$filter` selects.
macro_rules! narrowed {
    ($query:expr, $filter:expr, $now:expr) => {{
        let filter: &ListFilter = $filter;
        let now: NaiveDateTime = $now;
        let mut query = $query;
        query = match filter.status {
            Some(Status::Trashed) => query.filter(articles::trashed_at.is_not_null()),
            // Public lists leave the trash out already; staff lists show it only when asked to.
            _ if filter.audience == Some(Audience::Staff) => query.filter(articles::trashed_at.is_null()),
            _ => query,
        };
        query = match filter.status {
            None | Some(Status::Trashed) => query,
            Some(Status::Published) => {
                query.filter(articles::status.eq(RELEASED)).filter(articles::published_at.le(now))
            }
            Some(Status::Scheduled) => {
                query.filter(articles::status.eq(RELEASED)).filter(articles::published_at.gt(now))
            }
            Some(other) => query.filter(articles::status.eq(other.stored())),
        };
        if let Some(source_id) = filter.source_id {
            query = query.filter(articles::source_id.eq(source_id));
        }
        if let Some(ids) = &filter.category_ids {
            query = query.filter(articles::category_id.eq_any(ids.clone()));
        }
        if let Some(tag) = &filter.tag {
            query = query.filter(
                articles::id.eq_any(
                    article_tags::table
                        .inner_join(tags::table)
                        .filter(tags::slug.eq(tag.clone()))
                        .select(article_tags::article_id),
                ),
            );
        }
        if let Some(author) = &filter.author {
            query = query.filter(articles::author.eq(author.clone()));
        }
        if let Some(from) = filter.published_from {
            query = query.filter(articles::published_at.ge(from));
        }
        if let Some(to) = filter.published_to {
            query = query.filter(articles::published_at.lt(to));
        }
        match filter.has_cover {
            Some(true) => {
                query = query.filter(articles::cover_url.is_not_null().or(articles::cover_media_id.is_not_null()))
            }
            Some(false) => query = query.filter(articles::cover_url.is_null().and(articles::cover_media_id.is_null())),
            None => {}
        }
        query
    }};
}

/// The articles `filter` selects at `now`, published by `until` (`now` or earlier).
fn filtered(filter: &ListFilter, now: NaiveDateTime, until: NaiveDateTime) -> ArticleQuery {
    narrowed!(visible_until(filter.audience.unwrap_or(Audience::Public), now, until), filter, now)
}

/// `filtered`, joined with the readers' counters, for reading the rows of a page.
fn filtered_rows(filter: &ListFilter, now: NaiveDateTime, until: NaiveDateTime) -> ArticleRowQuery {
    narrowed!(rows_visible_until(filter.audience.unwrap_or(Audience::Public), now, until), filter, now)
}

/// One page of the articles matching `filter`, in `sort` order, with what of them is `shown`.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
    sort: Sort,
    page: &PageRequest,
    with_total: bool,
    shown: Shown,
    now: NaiveDateTime,
) -> Result<ListResult, ApiError> {
    if filter.search.is_some() {
        return search(conn, filter, sort, page, with_total, shown, now);
    }
    let total = if with_total { Some(filtered(filter, now, now).count().get_result(conn)?) } else { None };
    // Newest first, the page after a cursor holds only articles published before it: that
    // bound, not now, is where the index scan should start, or a deep page reads every
    // article above it.
    let until = match (sort, page) {
        (Sort::NewestFirst, PageRequest::After { cursor: Some(cursor), .. }) => {
            cursor.published_at().map_or(now, |at| at.min(now))
        }
        _ => now,
    };
    let query = filtered_rows(filter, now, until);
    let (articles, next_cursor) = page_of(conn, query, sort, page, nulls_last(filter), shown)?;
    Ok(ListResult { articles, total, next_cursor, snippets: Vec::new() })
}

/// `ArticleRow`'s columns in the order of its fields, with `$body` in place of `body_html`.
macro_rules! article_columns {
    ($body:expr) => {
        (
            articles::id,
            articles::slug,
            articles::title,
            articles::summary,
            $body,
            articles::cover_url,
            articles::cover_alt,
            articles::cover_caption,
            articles::cover_credit,
            articles::author,
            articles::source_id,
            articles::source_url,
            articles::category_id,
            articles::status,
            articles::published_at,
            articles::expires_at,
            articles::allow_rating,
            article_counters::view_count,
            article_counters::rating_count,
            article_counters::rating_total,
            articles::created_by,
            articles::created_at,
            articles::updated_at,
            articles::revision,
            articles::trashed_at,
            articles::live,
            articles::allow_comments,
            articles::comment_count,
            articles::cover_media_id,
        )
    };
}

/// The requested page of `query` in `sort` order, and the cursor of the page after it.
fn page_of(
    conn: &mut DbConnection,
    query: ArticleRowQuery,
    sort: Sort,
    page: &PageRequest,
    nulls_last: bool,
    shown: Shown,
) -> Result<(Vec<Article>, Option<String>), ApiError> {
    let mut query = order(query, sort, nulls_last);
    match page {
        PageRequest::Numbered(paging) => query = query.offset(paging.offset()),
        PageRequest::After { cursor: Some(cursor), .. } => query = after(query, sort, cursor, nulls_last)?,
        PageRequest::After { cursor: None, .. } => {}
    }
    let limit = page.limit();
    // One more than asked tells whether there is a next page.
    let body = sql::<Text>(if shown.body || shown.snippet { "articles.body_html" } else { "''" });
    let mut rows: Vec<ArticleRow> = query.select(article_columns!(body)).limit(limit + 1).load(conn)?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|last| cursor_after(conn, sort, last)).transpose()?
    } else {
        None
    };
    Ok((articles_of(conn, rows, shown)?, next_cursor))
}

/// The articles of `rows`, with their source, category, tags and cover's item if `shown`.
fn articles_of(conn: &mut DbConnection, rows: Vec<ArticleRow>, shown: Shown) -> Result<Vec<Article>, ApiError> {
    if shown.embedded {
        return embed(conn, rows);
    }
    Ok(rows
        .into_iter()
        .map(|row| Article { row, source: None, category: None, tags: Vec::new(), cover_media: None })
        .collect())
}

/// `nulls_last`: staff lists hold undated drafts, which come last either way; public
/// lists have none, and ordering without the null test lets the (column, id) index
/// deliver rows already sorted.
fn order(query: ArticleRowQuery, sort: Sort, nulls_last: bool) -> ArticleRowQuery {
    use diesel::ExpressionMethods as E;
    let descending = sort.descending();
    macro_rules! by {
        ($column:expr) => {
            by!(query, $column, articles::id)
        };
        ($query:expr, $column:expr, $id:expr) => {
            if descending {
                $query.order((E::desc($column), E::desc($id)))
            } else {
                $query.order((E::asc($column), E::asc($id)))
            }
        };
    }
    match sort.key() {
        SortKey::PublishedAt if nulls_last && descending => {
            query.order((articles::published_at.is_null(), articles::published_at.desc(), articles::id.desc()))
        }
        SortKey::PublishedAt if nulls_last => {
            query.order((articles::published_at.is_null(), articles::published_at.asc(), articles::id.asc()))
        }
        SortKey::PublishedAt => by!(articles::published_at),
        SortKey::UpdatedAt => by!(articles::updated_at),
        // The bound on the count, always true, lets SQLite walk the counts' index from the
        // top and stop at the page's end, where it would otherwise sort every public article.
        SortKey::ViewCount => by!(
            query.filter(article_counters::view_count.ge(0)),
            article_counters::view_count,
            article_counters::article_id
        ),
        SortKey::Rating => by!(
            query.filter(article_counters::rating_score.ge(0)),
            article_counters::rating_score,
            article_counters::article_id
        ),
        // The folded title: Vietnamese letters sort with their base letter (Đ with D).
        SortKey::Title | SortKey::Relevance => by!(articles::search_title),
    }
}

/// Rows strictly after the cursor in `sort` order, by a row-value comparison that the
/// (column, id) indexes serve directly, however deep the page.
fn after(query: ArticleRowQuery, sort: Sort, cursor: &Cursor, nulls_last: bool) -> Result<ArticleRowQuery, ApiError> {
    let op = if sort.descending() { "<" } else { ">" };
    let invalid = || ApiError::field("cursor", "is not a cursor this list gave out");
    let time = |text: &str| NaiveDateTime::parse_from_str(text, TIME_FORMAT).map_err(|_| invalid());
    let id = cursor.id;
    macro_rules! beyond {
        ($column:literal, $sql_type:ty, $value:expr) => {
            beyond!(columns concat!("articles.", $column, ", articles.id"), $sql_type, $value)
        };
        (columns $columns:expr, $sql_type:ty, $value:expr) => {
            sql::<Bool>(concat!("(", $columns, ") "))
                .sql(op)
                .sql(" (")
                .bind::<$sql_type, _>($value)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")")
        };
    }
    Ok(match (sort.key(), &cursor.value) {
        (SortKey::PublishedAt, CursorValue::Null) => query
            .filter(articles::published_at.is_null())
            .filter(sql::<Bool>("articles.id ").sql(op).sql(" ").bind::<BigInt, _>(id)),
        // Without undated rows in the list, the plain comparison keeps the index usable.
        (SortKey::PublishedAt, CursorValue::Text(at)) if !nulls_last => {
            query.filter(beyond!("published_at", Timestamp, time(at)?))
        }
        (SortKey::PublishedAt, CursorValue::Text(at)) => {
            let at = time(at)?;
            query.filter(articles::published_at.is_null().or(beyond!("published_at", Timestamp, at)))
        }
        (SortKey::UpdatedAt, CursorValue::Text(at)) => query.filter(beyond!("updated_at", Timestamp, time(at)?)),
        (SortKey::ViewCount, CursorValue::Number(n)) => {
            query.filter(beyond!(columns "article_counters.view_count, article_counters.article_id", BigInt, *n))
        }
        (SortKey::Rating, CursorValue::Number(n)) => {
            query.filter(beyond!(columns "article_counters.rating_score, article_counters.article_id", BigInt, *n))
        }
        (SortKey::Title, CursorValue::Text(title)) => query.filter(beyond!("search_title", Text, title.clone())),
        _ => return Err(invalid()),
    })
}

fn cursor_after(conn: &mut DbConnection, sort: Sort, last: &ArticleRow) -> Result<String, ApiError> {
    let value = match sort.key() {
        SortKey::PublishedAt => {
            last.published_at.map_or(CursorValue::Null, |at| CursorValue::Text(at.format(TIME_FORMAT).to_string()))
        }
        SortKey::UpdatedAt => CursorValue::Text(last.updated_at.format(TIME_FORMAT).to_string()),
        SortKey::ViewCount => CursorValue::Number(last.view_count),
        SortKey::Rating => CursorValue::Number(
            article_counters::table.find(last.id).select(article_counters::rating_score).first(conn)?,
        ),
        SortKey::Title | SortKey::Relevance => {
            CursorValue::Text(articles::table.find(last.id).select(articles::search_title).first(conn)?)
        }
    };
    Ok(Cursor { sort: sort.name().to_owned(), value, id: last.id }.encode())
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    /// Folded.
    #[diesel(sql_type = Text)]
    search_title: String,
    /// The folded text's first `crate::search::LEAD_CHARS` characters.
    #[diesel(sql_type = Text)]
    lead: String,
}

/// Where a candidate holds the query.
#[derive(Clone, Copy, PartialEq)]
enum Scope {
    /// Its title holds every word, in the query's order, as one phrase.
    TitlePhrase,
    /// Its title holds every term.
    Title,
    /// Its title or text holds every term.
    Anywhere,
}

/// A search's matches, kind by kind (`Scope`) in the order they rank: articles whose title
/// holds the query as a phrase, then those whose title holds every term, then those holding
/// them anywhere. Within a kind, the most relevant first (`crate::search::Relevance`,
/// BM25F over title and lead with each word's rarity among the archive's titles), newest
/// first among equals. Each kind's candidates are its newest `MAX_SEARCH_RESULTS`: a title
/// is found whatever its age, and a query matching most of the archive costs a bounded
/// read. A page that the first kinds fill never reads the others.
struct Matches<'a> {
    terms: &'a [String],
    relevance: crate::search::Relevance<'a>,
    scopes: std::vec::IntoIter<Scope>,
    seen: std::collections::HashSet<i64>,
}

impl<'a> Matches<'a> {
    fn new(conn: &mut DbConnection, terms: &'a [String], counts: &WordCounts) -> Result<Self, ApiError> {
        let corpus = counts.corpus(|| corpus(conn))?;
        let mut words: Vec<&str> = terms.iter().flat_map(|term| term.split(' ')).collect();
        words.sort_unstable();
        words.dedup();
        let mut rarities = std::collections::HashMap::with_capacity(words.len());
        for word in words {
            let holding = counts.holding(word, || titles_holding(conn, word))?;
            rarities.insert(word.to_owned(), crate::search::rarity(corpus, holding));
        }
        let relevance =
            crate::search::Relevance::new(terms, |word| rarities.get(word).copied().unwrap_or_default(), corpus);
        // One term is its own phrase: its kind "every term in the title" says the same.
        let scopes: Vec<Scope> = match terms.len() {
            0 => Vec::new(),
            1 => vec![Scope::Title, Scope::Anywhere],
            _ => vec![Scope::TitlePhrase, Scope::Title, Scope::Anywhere],
        };
        Ok(Self { terms, relevance, scopes: scopes.into_iter(), seen: std::collections::HashSet::new() })
    }

    /// The next kind's matches not found before, best first (newest first unless `ranked`:
    /// matches only counted need no texts read); `None` once every kind is read.
    fn next_kind(&mut self, conn: &mut DbConnection, ranked: bool) -> Result<Option<Vec<i64>>, ApiError> {
        let Some(scope) = self.scopes.next() else { return Ok(None) };
        let mut scored: Vec<(f64, i64)> = Vec::new();
        for candidate in matches(conn, self.terms, scope, ranked)? {
            if self.seen.insert(candidate.id) {
                let relevance = if ranked { self.relevance.of(&candidate.search_title, &candidate.lead) } else { 0.0 };
                scored.push((relevance, candidate.id));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        Ok(Some(scored.into_iter().map(|(_, id)| id).collect()))
    }

    /// Every kind's matches, unranked.
    fn all(mut self, conn: &mut DbConnection) -> Result<Vec<i64>, ApiError> {
        let mut all = Vec::new();
        while let Some(ids) = self.next_kind(conn, false)? {
            all.extend(ids);
        }
        Ok(all)
    }
}

/// The archive's size and its titles' mean length in words.
fn corpus(conn: &mut DbConnection) -> Result<Corpus, ApiError> {
    #[derive(QueryableByName)]
    struct Figures {
        #[diesel(sql_type = BigInt)]
        articles: i64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        mean_title_words: f64,
    }
    let words = "length(search_title) - length(replace(search_title, ' ', '')) + 1";
    let figures: Figures = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "SELECT count(*) AS articles, coalesce(avg({words}), 1.0) AS mean_title_words FROM articles"
        ))
        .get_result(c)?,
        DbConnection::Postgres(c) => diesel::sql_query(format!(
            "SELECT count(*) AS articles, coalesce(avg({words}), 1.0)::float8 AS mean_title_words FROM articles"
        ))
        .get_result(c)?,
    };
    Ok(Corpus { articles: figures.articles.max(0) as u64, mean_title_words: figures.mean_title_words })
}

/// How many articles hold a folded word in their title: the rarity that counts. Counting
/// the texts that hold a common word would read nearly every article's vector on
/// PostgreSQL (its index answers which rows, not how many), over half a second a word.
fn titles_holding(conn: &mut DbConnection, word: &str) -> Result<u64, ApiError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        holding: i64,
    }
    let count: Count = match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("SELECT count(*) AS holding FROM articles_title_fts WHERE articles_title_fts MATCH ?")
                .bind::<Text, _>(format!("\"{word}\""))
                .get_result(c)?
        }
        DbConnection::Postgres(c) => {
            diesel::sql_query("SELECT count(*) AS holding FROM articles WHERE title_vector @@ to_tsquery('simple', $1)")
                .bind::<Text, _>(word)
                .get_result(c)?
        }
    };
    Ok(count.holding.max(0) as u64)
}

/// The newest articles holding the terms in `scope`: in their titles through the index of
/// titles, anywhere through the index of titles and texts.
fn matches(conn: &mut DbConnection, terms: &[String], scope: Scope, ranked: bool) -> Result<Vec<Candidate>, ApiError> {
    let words: Vec<&str> = terms.iter().flat_map(|term| term.split(' ')).collect();
    Ok(match conn {
        DbConnection::Sqlite(c) => {
            // Terms are folded words: nothing in them needs escaping but the quotes that make phrases.
            let quoted = |phrase: &str| format!("\"{phrase}\"");
            let load =
                |c: &mut SqliteConnection, sql: &str, query: String, before: i64| -> QueryResult<Vec<Candidate>> {
                    diesel::sql_query(sql)
                        .bind::<Text, _>(query)
                        .bind::<BigInt, _>(before)
                        .bind::<BigInt, _>(MAX_SEARCH_RESULTS)
                        .load(c)
                };
            if scope == Scope::Anywhere {
                let sql = if ranked {
                    "SELECT t.rowid AS id, t.search_title, t.lead FROM articles_title_fts t JOIN (SELECT rowid \
                     FROM articles_fts WHERE articles_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?) m \
                     ON t.rowid = m.rowid"
                } else {
                    "SELECT rowid AS id, '' AS search_title, '' AS lead FROM articles_fts \
                     WHERE articles_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?"
                };
                return Ok(load(c, sql, terms.iter().map(|t| quoted(t)).collect::<Vec<_>>().join(" "), i64::MAX)?);
            }
            let sql = if ranked {
                "SELECT rowid AS id, search_title, lead FROM articles_title_fts \
                 WHERE articles_title_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?"
            } else {
                "SELECT rowid AS id, search_title, '' AS lead FROM articles_title_fts \
                 WHERE articles_title_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?"
            };
            let phrases = if scope == Scope::TitlePhrase { vec![words.join(" ")] } else { terms.to_vec() };
            // A phrase in titles is asked as its pairs of neighbouring words (migration 21),
            // then checked whole: as a phrase, the index would walk every title holding its
            // common words. Where the pairs are often found apart, the titles holding them
            // are read on, `MAX_SEARCH_RESULTS` at a time, until enough hold the phrase; past
            // `PAIR_READS`, the phrase itself is asked.
            let as_pairs: Vec<String> = phrases
                .iter()
                .flat_map(|phrase| crate::search::word_pairs(phrase).split(' ').map(quoted).collect::<Vec<_>>())
                .filter(|pair| pair != "\"\"")
                .map(|pair| format!("title_pairs : {pair}"))
                .chain(
                    phrases.iter().filter(|p| !p.contains(' ')).map(|word| format!("search_title : {}", quoted(word))),
                )
                .collect();
            let mut whole: Vec<Candidate> = Vec::new();
            let mut before = i64::MAX;
            for _ in 0..PAIR_READS {
                let found = load(c, sql, as_pairs.join(" "), before)?;
                let more = found.len() as i64 == MAX_SEARCH_RESULTS;
                before = found.last().map_or(before, |candidate| candidate.id);
                whole.extend(found.into_iter().filter(|candidate| {
                    phrases.iter().all(|p| crate::search::holds_phrase(&candidate.search_title, p))
                }));
                if !more || whole.len() as i64 >= MAX_SEARCH_RESULTS {
                    whole.truncate(MAX_SEARCH_RESULTS as usize);
                    return Ok(whole);
                }
            }
            let as_phrases: Vec<String> = phrases.iter().map(|p| format!("search_title : {}", quoted(p))).collect();
            load(c, sql, as_phrases.join(" "), i64::MAX)?
        }
        DbConnection::Postgres(c) => {
            // `<->` makes a phrase.
            let phrase = |words: &[&str]| format!("({})", words.join(" <-> "));
            // In titles, neighbouring words are lexemes too (`cua0co`, migration 19): asking for
            // a phrase's pairs as well lets the index find the few titles holding it.
            let in_title = |words: &[&str]| {
                let pairs: String = words.windows(2).map(|pair| format!(" & {}0{}", pair[0], pair[1])).collect();
                format!("({}{pairs})", phrase(words))
            };
            let each_term = |form: &dyn Fn(&[&str]) -> String| {
                terms.iter().map(|term| form(&term.split(' ').collect::<Vec<_>>())).collect::<Vec<_>>().join(" & ")
            };
            let (vector, query) = match scope {
                Scope::TitlePhrase => ("title_vector", in_title(&words)),
                Scope::Title => ("title_vector", each_term(&in_title)),
                Scope::Anywhere => ("search_vector", each_term(&phrase)),
            };
            let texts = if ranked { "search_title, search_lead" } else { "'' AS search_title, ''" };
            diesel::sql_query(format!(
                "SELECT id, {texts} AS lead FROM articles \
                 WHERE {vector} @@ to_tsquery('simple', $1) ORDER BY id DESC LIMIT $2"
            ))
            .bind::<Text, _>(query)
            .bind::<BigInt, _>(MAX_SEARCH_RESULTS)
            .load(c)?
        }
    })
}

/// Articles containing every term: by relevance (the default with `q`), or in any
/// other sort order among the matches.
fn search(
    conn: &mut DbConnection,
    filter: &ListFilter,
    sort: Sort,
    page: &PageRequest,
    with_total: bool,
    shown: Shown,
    now: NaiveDateTime,
) -> Result<ListResult, ApiError> {
    let terms = filter.search.as_deref().unwrap_or_default();
    let counts = filter.word_counts.clone().unwrap_or_default();
    let mut matches = Matches::new(conn, terms, &counts)?;
    let unsearched = ListFilter { search: None, ..filter.clone() };
    if sort != Sort::Relevance {
        let ranked = matches.all(conn)?;
        let total = if with_total {
            Some(filtered(&unsearched, now, now).filter(articles::id.eq_any(ranked.clone())).count().get_result(conn)?)
        } else {
            None
        };
        let matching = filtered_rows(&unsearched, now, now).filter(articles::id.eq_any(ranked));
        let (articles, next_cursor) = page_of(conn, matching, sort, page, nulls_last(filter), shown)?;
        let folded = if shown.snippet { folded_texts(conn, &articles)? } else { FoldedTexts::new() };
        let snippets = snippets(&articles, &folded, terms, shown);
        return Ok(ListResult { articles, total, next_cursor, snippets });
    }
    let skip = match page {
        PageRequest::Numbered(paging) => paging.offset(),
        PageRequest::After { cursor: None, .. } => 0,
        PageRequest::After { cursor: Some(cursor), .. } => match cursor.value {
            CursorValue::Number(position) if position >= 0 => position,
            _ => return Err(ApiError::field("cursor", "is not a cursor this list gave out")),
        },
    };
    let limit = page.limit();
    // Which matches the filter allows, best first. Without a total, only until the page and
    // one more (for the next cursor) are found: each check reads an article's row.
    let needed = (skip + limit + 1) as usize;
    let mut best_first: Vec<i64> = Vec::new();
    // Once the page is full, later kinds' matches only count towards the total.
    'kinds: while let Some(ranked) = matches.next_kind(conn, best_first.len() < needed)? {
        let chunk = if with_total { ranked.len().max(1) } else { (needed + needed / 2).max(VISIBILITY_CHUNK) };
        for ids in ranked.chunks(chunk) {
            let allowed: std::collections::HashSet<i64> = filtered(&unsearched, now, now)
                .filter(articles::id.eq_any(ids))
                .select(articles::id)
                .load::<i64>(conn)?
                .into_iter()
                .collect();
            best_first.extend(ids.iter().copied().filter(|id| allowed.contains(id)));
            if !with_total && best_first.len() >= needed {
                break 'kinds;
            }
        }
    }
    let slice: Vec<i64> = best_first.iter().skip(skip as usize).take(limit as usize).copied().collect();
    let next_cursor = (((skip + limit) as usize) < best_first.len())
        .then(|| Cursor { sort: sort.name().to_owned(), value: CursorValue::Number(skip + limit), id: 0 }.encode());
    // The folded texts come with the rows: snippets look at them before the bodies.
    let (rows, folded): (Vec<ArticleRow>, FoldedTexts) = articles::table
        .inner_join(article_counters::table)
        .filter(articles::id.eq_any(&slice))
        .select((
            article_columns!(sql::<Text>(if shown.body || shown.snippet { "articles.body_html" } else { "''" })),
            sql::<Text>(if shown.snippet { "articles.search_body" } else { "''" }),
        ))
        .load::<(ArticleRow, String)>(conn)?
        .into_iter()
        .map(|(row, folded)| {
            let id = row.id;
            (row, (id, folded))
        })
        .unzip();
    let mut found = articles_of(conn, rows, shown)?;
    found.sort_by_key(|a| slice.iter().position(|id| *id == a.row.id));
    let snippets = snippets(&found, &folded, terms, shown);
    Ok(ListResult { articles: found, total: with_total.then_some(best_first.len() as i64), next_cursor, snippets })
}

/// Articles' summaries and bodies' text folded as stored for search (`search_body`), by id.
type FoldedTexts = std::collections::HashMap<i64, String>;

fn folded_texts(conn: &mut DbConnection, found: &[Article]) -> Result<FoldedTexts, ApiError> {
    let ids: Vec<i64> = found.iter().map(|article| article.row.id).collect();
    Ok(articles::table
        .filter(articles::id.eq_any(ids))
        .select((articles::id, articles::search_body))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Each article's snippet for a search of `terms`, if `shown`: about 200 characters around
/// the first match (`crate::search::article_snippet`).
fn snippets(found: &[Article], folded: &FoldedTexts, terms: &[String], shown: Shown) -> Vec<Option<String>> {
    if !shown.snippet {
        return Vec::new();
    }
    found
        .iter()
        .map(|article| {
            let row = &article.row;
            let folded = folded.get(&row.id).map_or("", String::as_str);
            crate::search::article_snippet(&row.title, &row.summary, &row.body_html, folded, terms, 200)
        })
        .collect()
}

/// Public articles sharing the category or a tag of `article`, newest first.
pub fn related(
    conn: &mut DbConnection,
    article: &Article,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<Article>, ApiError> {
    let tag_ids: Vec<i64> = article.tags.iter().map(|t| t.id).collect();
    let sharing_tags =
        article_tags::table.filter(article_tags::tag_id.eq_any(tag_ids)).select(article_tags::article_id);
    let mut query = rows_visible_to(Audience::Public, now).filter(articles::id.ne(article.row.id));
    query = match article.row.category_id {
        Some(category) => query.filter(articles::category_id.eq(category).or(articles::id.eq_any(sharing_tags))),
        None => query.filter(articles::id.eq_any(sharing_tags)),
    };
    let rows = query
        .select(ArticleRow::as_select())
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit)
        .load(conn)?;
    embed(conn, rows)
}
