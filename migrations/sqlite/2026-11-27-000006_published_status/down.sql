-- Nothing to undo: 'published' with a future published_at reads as scheduled.
SELECT 1;
