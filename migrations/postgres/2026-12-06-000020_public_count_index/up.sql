-- Counting public articles reads only this index, never the rows: readers' lists also
-- leave out the trash, so `trashed_at` belongs in it (without it a count of 100,000
-- public articles read every row, 0.3 s with the rows out of the page cache).
DROP INDEX articles_public_window_idx;
CREATE INDEX articles_public_window_idx ON articles (status, published_at, expires_at, trashed_at);
