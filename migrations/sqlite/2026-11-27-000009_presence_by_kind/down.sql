CREATE INDEX stats_presence_last_seen_idx ON stats_presence (last_seen);
DROP INDEX stats_presence_seen_kind_idx;
