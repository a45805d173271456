ALTER TABLE articles ADD COLUMN view_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN rating_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN rating_score BIGINT NOT NULL DEFAULT 0;
UPDATE articles SET
    view_count = COALESCE((SELECT c.view_count FROM article_counters c WHERE c.article_id = articles.id), 0),
    rating_count = COALESCE((SELECT c.rating_count FROM article_counters c WHERE c.article_id = articles.id), 0),
    rating_total = COALESCE((SELECT c.rating_total FROM article_counters c WHERE c.article_id = articles.id), 0),
    rating_score = COALESCE((SELECT c.rating_score FROM article_counters c WHERE c.article_id = articles.id), 0);
CREATE INDEX articles_status_view_count_idx ON articles (status, view_count, id);
CREATE INDEX articles_status_rating_score_idx ON articles (status, rating_score, id);
DROP TABLE article_counters;
