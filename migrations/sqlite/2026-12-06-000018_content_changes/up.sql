-- What processes sharing the database tell each other after changing published content:
-- an article (its id) or anything (no id). Each process reads the rows it has not seen a
-- few times a second and forgets the cached responses they touch. Rows are swept after
-- ten minutes.
CREATE TABLE content_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX content_changes_changed_at_idx ON content_changes (changed_at);
