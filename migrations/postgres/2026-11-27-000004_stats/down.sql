DROP TABLE stats_article_presence;
DROP TABLE stats_presence;
DROP TABLE stats_article_views;
DROP TABLE stats_breakdowns;
DROP TABLE stats_counters;
