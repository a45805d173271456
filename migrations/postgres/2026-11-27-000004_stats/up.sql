-- Visit and page view counters per period in the site time zone: `total`, `2026`,
-- `2026-11`, `2026-11-27`, `2026-11-27T14`. Only ever incremented (or set by an
-- import), never reset when a period rolls over.
CREATE TABLE stats_counters (
    metric TEXT NOT NULL,
    period TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (metric, period)
);

-- Daily breakdowns: bot name, browser, OS, referrer host, country.
CREATE TABLE stats_breakdowns (
    day TEXT NOT NULL,
    dimension TEXT NOT NULL,
    item TEXT NOT NULL,
    visits BIGINT NOT NULL,
    page_views BIGINT NOT NULL,
    PRIMARY KEY (day, dimension, item)
);

-- Article views per day, for "most viewed" over a period.
CREATE TABLE stats_article_views (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (article_id, day)
);
CREATE INDEX stats_article_views_day_idx ON stats_article_views (day, article_id);

-- Who was seen lately, by keyed hash with a salt that changes every day: for "online
-- now" and to tell a new visit from a continuing one. Rows older than the visit
-- window are deleted.
CREATE TABLE stats_presence (
    visitor_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    last_seen TIMESTAMP
);
CREATE INDEX stats_presence_last_seen_idx ON stats_presence (last_seen);

CREATE TABLE stats_article_presence (
    visitor_key TEXT NOT NULL,
    article_id BIGINT NOT NULL,
    last_seen TIMESTAMP,
    PRIMARY KEY (visitor_key, article_id)
);
CREATE INDEX stats_article_presence_last_seen_idx ON stats_article_presence (last_seen);
