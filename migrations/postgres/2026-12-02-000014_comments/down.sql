DROP TABLE comment_reports;
DROP TABLE comment_reactions;
DROP TABLE comments;
ALTER TABLE articles DROP COLUMN comment_count;
ALTER TABLE articles DROP COLUMN allow_comments;
