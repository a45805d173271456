DROP TABLE comments;
ALTER TABLE articles DROP COLUMN comment_count;
ALTER TABLE articles DROP COLUMN allow_comments;
