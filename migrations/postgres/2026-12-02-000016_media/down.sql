DROP INDEX articles_cover_media_idx;
ALTER TABLE articles DROP COLUMN cover_media_id;
DROP TABLE media;
