-- "Scheduled" is a published article whose time has not come: store both as
-- 'published', so public lists are one range of the (status, published_at, id) index.
UPDATE articles SET status = 'published' WHERE status = 'scheduled';
