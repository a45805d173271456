-- The weighted search document, computed once per write instead of once per match at
-- every search: ranking reads it instead of rebuilding it from 3 KB of text.
DROP INDEX articles_search_idx;
ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', search_title), 'A') || setweight(to_tsvector('simple', search_body), 'B')
) STORED;
CREATE INDEX articles_search_vector_idx ON articles USING GIN (search_vector);
