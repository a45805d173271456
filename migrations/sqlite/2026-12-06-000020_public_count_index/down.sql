DROP INDEX articles_public_window_idx;
CREATE INDEX articles_public_window_idx ON articles (status, published_at, expires_at);
