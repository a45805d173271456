DROP TRIGGER articles_title_fts_insert;
DROP TRIGGER articles_title_fts_delete;
DROP TRIGGER articles_title_fts_update;
DROP TABLE articles_title_fts;
CREATE VIRTUAL TABLE articles_title_fts USING fts5(search_title, lead UNINDEXED, tokenize = 'unicode61');
INSERT INTO articles_title_fts (rowid, search_title, lead)
    SELECT id, search_title, substr(search_body, 1, 300) FROM articles;
CREATE TRIGGER articles_title_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_title_fts (rowid, search_title, lead)
    VALUES (new.id, new.search_title, substr(new.search_body, 1, 300));
END;
CREATE TRIGGER articles_title_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_title_fts WHERE rowid = old.id;
END;
CREATE TRIGGER articles_title_fts_update AFTER UPDATE OF search_title, search_body ON articles BEGIN
    DELETE FROM articles_title_fts WHERE rowid = old.id;
    INSERT INTO articles_title_fts (rowid, search_title, lead)
    VALUES (new.id, new.search_title, substr(new.search_body, 1, 300));
END;
