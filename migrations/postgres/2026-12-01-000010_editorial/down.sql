DROP TABLE audit_log;
DROP TABLE article_revisions;
DROP INDEX articles_trashed_at_idx;
ALTER TABLE articles DROP COLUMN trashed_at;
ALTER TABLE articles DROP COLUMN revision;
