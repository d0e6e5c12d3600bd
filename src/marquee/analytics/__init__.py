"""Analytics: the player's quality-of-experience telemetry, the event lake (the platform's events
as append-only Parquet, partitioned by day, in the object store) and the reports read from it
with embedded DuckDB. See docs/analytics.md."""
