DROP INDEX ratings_article_address_idx;
ALTER TABLE ratings DROP COLUMN address_key;
