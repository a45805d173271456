-- The index of titles holds each pair of neighbouring words as a token of its own too
-- (`cua0co`, in a column of its own so a word never matches a pair), as PostgreSQL's title
-- vector has since migration 19. A phrase of common words (`của của có`) asked as a phrase
-- walks every title holding its words (2 ms a query over 100,000 titles); asked as its
-- pairs, the index finds the few titles holding them (0.1 ms), and the application keeps
-- those holding the phrase itself. `title_word_pairs` is the application's
-- (`crate::search::word_pairs`), registered on every connection it opens.
DROP TRIGGER articles_title_fts_insert;
DROP TRIGGER articles_title_fts_delete;
DROP TRIGGER articles_title_fts_update;
DROP TABLE articles_title_fts;
CREATE VIRTUAL TABLE articles_title_fts USING fts5(search_title, title_pairs, lead UNINDEXED, tokenize = 'unicode61');
INSERT INTO articles_title_fts (rowid, search_title, title_pairs, lead)
    SELECT id, search_title, title_word_pairs(search_title), substr(search_body, 1, 300) FROM articles;
CREATE TRIGGER articles_title_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_title_fts (rowid, search_title, title_pairs, lead)
    VALUES (new.id, new.search_title, title_word_pairs(new.search_title), substr(new.search_body, 1, 300));
END;
CREATE TRIGGER articles_title_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_title_fts WHERE rowid = old.id;
END;
CREATE TRIGGER articles_title_fts_update AFTER UPDATE OF search_title, search_body ON articles BEGIN
    DELETE FROM articles_title_fts WHERE rowid = old.id;
    INSERT INTO articles_title_fts (rowid, search_title, title_pairs, lead)
    VALUES (new.id, new.search_title, title_word_pairs(new.search_title), substr(new.search_body, 1, 300));
END;
