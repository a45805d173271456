-- Views are counted in a narrow table of their own: an article's row is kilobytes wide
-- and sits in many indexes (on PostgreSQL two GIN full-text indexes among them), so
-- counting a view there rewrote all of that, each statistics flush, for every article read.
-- Every article has its row here, written with the article.
CREATE TABLE article_view_counts (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    view_count BIGINT NOT NULL DEFAULT 0
);
INSERT INTO article_view_counts (article_id, view_count) SELECT id, view_count FROM articles;
-- Lists by views walk this index and look each article up by key.
CREATE INDEX article_view_counts_order_idx ON article_view_counts (view_count, article_id);
DROP INDEX articles_status_view_count_idx;
ALTER TABLE articles DROP COLUMN view_count;
