-- Banner slots (a place on the page with a size and an order) and their banners, with
-- their clicks and impressions per local day.
CREATE TABLE banner_slots (
    id BIGSERIAL PRIMARY KEY,
    -- How the portal asks for it: `sidebar-links`.
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    width BIGINT,
    height BIGINT,
    -- weight (by weight, then id), random (all, shuffled), one_random (one, weighted).
    ordering TEXT NOT NULL DEFAULT 'weight',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE banners (
    id BIGSERIAL PRIMARY KEY,
    slot_id BIGINT NOT NULL REFERENCES banner_slots (id),
    title TEXT NOT NULL,
    -- image (media_id or image_url) or text.
    kind TEXT NOT NULL,
    media_id BIGINT REFERENCES media (id),
    image_url TEXT,
    alt TEXT,
    target_url TEXT NOT NULL,
    open_in_new_tab BOOLEAN NOT NULL DEFAULT FALSE,
    publish_at TIMESTAMP,
    expires_at TIMESTAMP,
    weight BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- When it was last paused, for the grace of its click URL.
    paused_at TIMESTAMP,
    advertiser TEXT,
    notes TEXT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX banners_slot_idx ON banners (slot_id, weight, id);
CREATE INDEX banners_media_idx ON banners (media_id);

-- Per banner and local day (the site's time zone), never reset.
CREATE TABLE banner_daily (
    banner_id BIGINT NOT NULL REFERENCES banners (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    clicks BIGINT NOT NULL DEFAULT 0,
    impressions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (banner_id, day)
);

-- Who clicked a banner on a day (a keyed hash): a click counts once per visitor.
CREATE TABLE banner_click_visitors (
    banner_id BIGINT NOT NULL REFERENCES banners (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    visitor_key TEXT NOT NULL,
    PRIMARY KEY (banner_id, day, visitor_key)
);

-- Counted clicks by day and country, browser, os or referrer host.
CREATE TABLE banner_click_breakdowns (
    banner_id BIGINT NOT NULL REFERENCES banners (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    dimension TEXT NOT NULL,
    item TEXT NOT NULL,
    clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (banner_id, day, dimension, item)
);
