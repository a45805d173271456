//! What an article change tells the outside: its webhook event, `article.published` or
//! `article.unpublished` when what readers see starts or stops, and the cache keys whose
//! content changed (the article's, `articles`, and the source, category and tags it
//! joined or left). Stored in the change's transaction, as the audit entry is.

use chrono::NaiveDateTime;

use super::model::{self, Article};
use super::response::ArticleResponse;
use crate::audit::Actor;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::state::AppState;
use crate::webhooks::Event;

/// One article change: `kind` is `article.created`, `.updated`, `.trashed`, `.restored`
/// or `.deleted`; `before` is absent for a creation, `after` for a deletion.
pub struct ArticleChange<'a> {
    pub kind: &'static str,
    pub before: Option<&'a Article>,
    pub after: Option<&'a Article>,
    pub changed: &'a [String],
}

impl ArticleChange<'_> {
    /// Stores the change's events, and records whether the article is now announced.
    pub fn announce(
        &self,
        conn: &mut DbConnection,
        state: &AppState,
        actor: &Actor,
        at: NaiveDateTime,
    ) -> Result<(), ApiError> {
        let Some(article) = self.after.or(self.before) else {
            return Ok(());
        };
        let keys = cache_keys(self.before, self.after);
        let object = ArticleResponse::new(article.clone(), at, &state.site);
        let mut event = Event::new(self.kind, &object).keys(keys.clone());
        if self.kind == "article.updated" {
            event = event.changed(self.changed);
        }
        event.emit(conn, &state.outbox, actor, at)?;
        // Read after the write took the row, so a scheduler announcing it meanwhile is seen.
        let announced = self.after.or(self.before).is_some_and(|a| a.row.live);
        let live = self.after.is_some_and(|a| a.row.is_live(at));
        if live != announced {
            if self.after.is_some() {
                model::set_live(conn, article.row.id, live)?;
            }
            let kind = if live { "article.published" } else { "article.unpublished" };
            Event::new(kind, &object).keys(keys).emit(conn, &state.outbox, actor, at)?;
        }
        Ok(())
    }
}

/// The keys of the responses an article change alters.
pub fn cache_keys(before: Option<&Article>, after: Option<&Article>) -> Vec<String> {
    let id = after.or(before).map_or(0, |a| a.row.id);
    let mut keys = vec![format!("article-{id}"), "articles".to_owned()];
    let sources = |a: Option<&Article>| a.and_then(|a| a.row.source_id).into_iter().collect::<Vec<_>>();
    let categories = |a: Option<&Article>| a.and_then(|a| a.row.category_id).into_iter().collect::<Vec<_>>();
    let tags = |a: Option<&Article>| a.map(|a| a.tags.iter().map(|t| t.id).collect::<Vec<_>>()).unwrap_or_default();
    for (name, all, was, is) in [
        ("source", "sources", sources(before), sources(after)),
        ("category", "categories", categories(before), categories(after)),
        ("tag", "tags", tags(before), tags(after)),
    ] {
        // Counts and lists of the entries the article joined or left change.
        let moved: Vec<i64> =
            was.iter().filter(|x| !is.contains(x)).chain(is.iter().filter(|x| !was.contains(x))).copied().collect();
        if !moved.is_empty() {
            keys.extend(moved.iter().map(|x| format!("{name}-{x}")));
            keys.push(all.to_owned());
        }
    }
    keys
}
