-- An endpoint's queue, in order, by its status: the worker's "oldest pending" and the
-- deliveries list filtered by status both read it as a prefix. The partial index it
-- replaces was passed over for the (webhook_id, id) index, whose rows the queries then
-- had to visit one by one, more of them with every delivery ever made.
DROP INDEX webhook_deliveries_pending_idx;
CREATE INDEX webhook_deliveries_queue_idx ON webhook_deliveries (webhook_id, status, id);
