CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- Keyed hash of the reader's visitor id (or, without one, of the client key).
    reader_key TEXT NOT NULL,
    -- Keyed hash of client address and user agent: never the address itself.
    client_key TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ratings_article_reader_key ON ratings (article_id, reader_key);
CREATE INDEX ratings_article_client_idx ON ratings (article_id, client_key);
CREATE INDEX ratings_created_at_idx ON ratings (created_at);
