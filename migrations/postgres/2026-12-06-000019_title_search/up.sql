-- Titles get a search vector and index of their own. A search for words in titles through
-- the vector of titles and bodies (weight A) rechecks each matching row's whole vector,
-- kilobytes of body positions, to keep those in the title; this one holds titles only.
-- GIN keeps no positions, so a phrase of common words (`cua cua co`) would recheck every
-- title holding the words: each pair of neighbouring words is a lexeme of its own too
-- (`cua0cua cua0co`, after the title's words so their positions stay as they are), and a
-- phrase asks for its pairs, which the index answers.
-- The first 300 characters of the folded text (the summary first;
-- `crate::search::LEAD_CHARS`) are kept in the row for ranking, instead of taking them
-- out of the compressed text of every candidate.
CREATE FUNCTION title_word_pairs(title text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(word || '0' || next, ' ' ORDER BY position), '')
    FROM (SELECT word, lead(word) OVER (ORDER BY position) AS next, position
          FROM regexp_split_to_table(title, ' ') WITH ORDINALITY AS words (word, position)) AS pairs
    WHERE next IS NOT NULL AND word <> '' AND next <> ''
$$;
ALTER TABLE articles
    ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', search_title || ' ' || title_word_pairs(search_title))
    ) STORED,
    ADD COLUMN search_lead text GENERATED ALWAYS AS (left(search_body, 300)) STORED;
CREATE INDEX articles_title_vector_idx ON articles USING GIN (title_vector);
