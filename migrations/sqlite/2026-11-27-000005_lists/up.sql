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

-- The full-text index follows the articles table through triggers, so no write can
-- leave it behind.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    search_title, search_body, content = 'articles', content_rowid = 'id', tokenize = 'unicode61'
);
INSERT INTO articles_fts (rowid, search_title, search_body) SELECT id, search_title, search_body FROM articles;
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, search_title, search_body)
    VALUES ('delete', old.id, old.search_title, old.search_body);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF search_title, search_body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, search_title, search_body)
    VALUES ('delete', old.id, old.search_title, old.search_body);
    INSERT INTO articles_fts (rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body);
END;
