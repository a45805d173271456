ALTER TABLE articles ADD COLUMN view_count BIGINT NOT NULL DEFAULT 0;
UPDATE articles SET view_count = COALESCE(
    (SELECT v.view_count FROM article_view_counts v WHERE v.article_id = articles.id), 0
);
CREATE INDEX articles_status_view_count_idx ON articles (status, view_count, id);
DROP TABLE article_view_counts;
