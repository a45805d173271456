-- Titles get a search vector and index of their own. A search for words in titles through
-- the vector of titles and bodies (weight A) rechecks each matching row's whole vector,
-- kilobytes of body positions, to keep those in the title; this one holds titles only.
-- The first 300 characters of the folded text (the summary first;
-- `crate::search::LEAD_CHARS`) are kept in the row for ranking, instead of taking them
-- out of the compressed text of every candidate.
ALTER TABLE articles
    ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_title)) STORED,
    ADD COLUMN search_lead text GENERATED ALWAYS AS (left(search_body, 300)) STORED;
CREATE INDEX articles_title_vector_idx ON articles USING GIN (title_vector);
