-- Keyed hash of the client's address alone (no browser): new ratings per article per
-- address per day are capped, while distinct visitor ids behind one address (a carrier's
-- NAT, an office) stay distinct readers.
ALTER TABLE ratings ADD COLUMN address_key TEXT;
CREATE INDEX ratings_article_address_idx ON ratings (article_id, address_key, created_at);
