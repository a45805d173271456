DROP INDEX articles_public_window_idx;
DROP INDEX articles_status_search_title_idx;
DROP INDEX articles_status_rating_score_idx;
DROP INDEX articles_status_view_count_idx;
DROP INDEX articles_status_updated_at_idx;
CREATE INDEX articles_updated_at_idx ON articles (updated_at, id);
CREATE INDEX articles_view_count_idx ON articles (view_count, id);
CREATE INDEX articles_rating_score_idx ON articles (rating_score, id);
CREATE INDEX articles_search_title_idx ON articles (search_title, id);
