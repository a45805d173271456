-- An article's readers' counters (views and ratings) in a narrow table of their own: the
-- article's row is kilobytes wide and sits in many indexes (on PostgreSQL two GIN
-- full-text indexes among them), so each view or rating counted there rewrote all of that.
-- Every article has its row here, written with the article.
CREATE TABLE article_counters (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    view_count BIGINT NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    rating_total BIGINT NOT NULL DEFAULT 0,
    -- The average rating times 1000, for sorting by rating.
    rating_score BIGINT NOT NULL DEFAULT 0
);
INSERT INTO article_counters (article_id, view_count, rating_count, rating_total, rating_score)
SELECT id, view_count, rating_count, rating_total, rating_score FROM articles;
-- Lists by views or rating walk these and look each article up by key.
CREATE INDEX article_counters_views_idx ON article_counters (view_count, article_id);
CREATE INDEX article_counters_rating_idx ON article_counters (rating_score, article_id);
DROP INDEX articles_status_view_count_idx;
DROP INDEX articles_status_rating_score_idx;
ALTER TABLE articles DROP COLUMN view_count;
ALTER TABLE articles DROP COLUMN rating_count;
ALTER TABLE articles DROP COLUMN rating_total;
ALTER TABLE articles DROP COLUMN rating_score;
