-- Text folded for search (tone marks removed, đ -> d, lowercase), written with every
-- article; empty until newsdesk fills it at start-up for articles written before.
ALTER TABLE articles ADD COLUMN search_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN search_body TEXT NOT NULL DEFAULT '';
-- The rating average times 1000 (0 without ratings), kept with the counts, to sort by.
ALTER TABLE articles ADD COLUMN rating_score BIGINT NOT NULL DEFAULT 0;
UPDATE articles SET rating_score = CASE WHEN rating_count > 0 THEN rating_total * 1000 / rating_count ELSE 0 END;

CREATE INDEX articles_updated_at_idx ON articles (updated_at, id);
CREATE INDEX articles_view_count_idx ON articles (view_count, id);
CREATE INDEX articles_rating_score_idx ON articles (rating_score, id);
CREATE INDEX articles_search_title_idx ON articles (search_title, id);
CREATE INDEX articles_published_at_idx ON articles (published_at, id);

-- An expression index: always in step with the columns it reads.
CREATE INDEX articles_search_idx ON articles USING GIN (
    (setweight(to_tsvector('simple', search_title), 'A') || setweight(to_tsvector('simple', search_body), 'B'))
);
