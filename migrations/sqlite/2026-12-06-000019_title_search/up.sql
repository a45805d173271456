-- Titles get a full-text index of their own. A search for words in titles through the
-- index of titles and bodies reads every position of every article holding the words (a
-- common word's list covers nearly the whole archive) to keep those in the title; this
-- index holds titles only. It keeps its own copy of each folded title and of the first
-- 300 characters of the folded text (the summary first; `crate::search::LEAD_CHARS`),
-- packed many to a page: ranking hundreds of candidates reads those instead of a page
-- of `articles` each.
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
