DROP INDEX articles_search_vector_idx;
ALTER TABLE articles DROP COLUMN search_vector;
CREATE INDEX articles_search_idx ON articles USING GIN (
    (setweight(to_tsvector('simple', search_title), 'A') || setweight(to_tsvector('simple', search_body), 'B'))
);
