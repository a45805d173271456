-- Public lists filter on status = 'published' and order by one column: an index on
-- (status, column, id) gives the rows in order, so a page reads only its own rows.
DROP INDEX articles_updated_at_idx;
DROP INDEX articles_view_count_idx;
DROP INDEX articles_rating_score_idx;
DROP INDEX articles_search_title_idx;
CREATE INDEX articles_status_updated_at_idx ON articles (status, updated_at, id);
CREATE INDEX articles_status_view_count_idx ON articles (status, view_count, id);
CREATE INDEX articles_status_rating_score_idx ON articles (status, rating_score, id);
CREATE INDEX articles_status_search_title_idx ON articles (status, search_title, id);
-- Counting public articles reads only this index, never the rows.
CREATE INDEX articles_public_window_idx ON articles (status, published_at, expires_at);
