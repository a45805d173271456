-- Revisions of articles, the trash, and the audit log.

-- The article's current revision number (0: written before revisions were kept), so a
-- write can check `If-Match` and number its revision without reading the revisions.
ALTER TABLE articles ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
-- Set while the article is in the trash: readers never see it, its slug stays taken.
ALTER TABLE articles ADD COLUMN trashed_at TIMESTAMP;
CREATE INDEX articles_trashed_at_idx ON articles (trashed_at) WHERE trashed_at IS NOT NULL;

CREATE TABLE article_revisions (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    -- The write fields as they became, as JSON.
    snapshot TEXT NOT NULL,
    -- The names of the fields this revision changed, as a JSON array.
    changed_fields TEXT NOT NULL,
    note TEXT,
    restored_from BIGINT,
    actor_user_id BIGINT,
    actor_token_id BIGINT,
    actor_name TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, number)
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_user_id BIGINT,
    actor_username TEXT,
    actor_token_id BIGINT,
    actor_token_name TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    changed_fields TEXT NOT NULL DEFAULT '[]',
    client_address TEXT,
    user_agent TEXT,
    request_id TEXT,
    details TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, id);
CREATE INDEX audit_log_actor_user_idx ON audit_log (actor_user_id, id);
