DROP TRIGGER articles_title_fts_update;
DROP TRIGGER articles_title_fts_delete;
DROP TRIGGER articles_title_fts_insert;
DROP TABLE articles_title_fts;
