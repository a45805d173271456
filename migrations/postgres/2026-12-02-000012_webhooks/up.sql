-- Webhooks and cache purges, delivered from a transactional outbox: every change stores
-- its event (and one delivery per subscribed endpoint, one purge per cache front end) in
-- its own transaction; workers in any process claim and send them.

-- Whether the article's publication was last announced (`article.published`) rather than
-- its withdrawal: the scheduler announces the articles whose time came or went.
ALTER TABLE articles ADD COLUMN live BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE articles SET live = TRUE
 WHERE status = 'published' AND trashed_at IS NULL AND published_at <= (now() AT TIME ZONE 'UTC')
   AND (expires_at IS NULL OR expires_at > (now() AT TIME ZONE 'UTC'));
-- Published articles not yet announced (scheduled ones), and announced ones that expire.
CREATE INDEX articles_unannounced_idx ON articles (published_at) WHERE live = FALSE AND status = 'published';
CREATE INDEX articles_expiring_idx ON articles (expires_at) WHERE live = TRUE AND expires_at IS NOT NULL;

CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL,
    -- The subscribed event names (`article.updated`, `article.*` or `*`), comma-separated
    -- with a comma at each end, so that one LIKE finds the endpoints of an event.
    events TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- `whsec_` + base64 of 32 random bytes: the signing key, shown once.
    secret TEXT NOT NULL,
    -- After a rotation the old secret signs too, until this time.
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMP,
    -- Failed attempts since the last success; the endpoint is disabled at the limit.
    failures_in_a_row INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    -- A worker is delivering to the endpoint until then (one at a time keeps the order).
    leased_until TIMESTAMP,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_events (
    id BIGSERIAL PRIMARY KEY,
    -- `webhook-id`: the same for every attempt and every endpoint, for deduplication.
    message_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    -- The body sent: `{type, timestamp, data}` as JSON.
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_events_created_at_idx ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    -- pending, succeeded or failed.
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    last_status_code INTEGER,
    last_duration_ms BIGINT,
    -- The first kilobyte of the endpoint's last answer, or why there was none.
    last_response TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- `PURGE` requests to the cache front ends of NEWSDESK_PURGE_URLS, removed once sent.
CREATE TABLE cache_purges (
    id BIGSERIAL PRIMARY KEY,
    front_end TEXT NOT NULL,
    -- Space-separated cache keys (Surrogate-Key values).
    cache_keys TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cache_purges_due_idx ON cache_purges (next_attempt_at);
