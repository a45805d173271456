DROP INDEX articles_title_vector_idx;
ALTER TABLE articles DROP COLUMN search_lead, DROP COLUMN title_vector;
DROP FUNCTION title_word_pairs(text);
