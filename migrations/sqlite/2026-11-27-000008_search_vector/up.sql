-- PostgreSQL only: SQLite's FTS5 table already stores its index.
SELECT 1;
