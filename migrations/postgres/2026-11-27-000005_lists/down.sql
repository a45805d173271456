DROP INDEX articles_search_idx;
DROP INDEX articles_published_at_idx;
DROP INDEX articles_search_title_idx;
DROP INDEX articles_rating_score_idx;
DROP INDEX articles_view_count_idx;
DROP INDEX articles_updated_at_idx;
ALTER TABLE articles DROP COLUMN rating_score;
ALTER TABLE articles DROP COLUMN search_body;
ALTER TABLE articles DROP COLUMN search_title;
