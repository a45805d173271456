DROP TABLE cache_purges;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhooks;
DROP INDEX articles_expiring_idx;
DROP INDEX articles_unannounced_idx;
ALTER TABLE articles DROP COLUMN live;
