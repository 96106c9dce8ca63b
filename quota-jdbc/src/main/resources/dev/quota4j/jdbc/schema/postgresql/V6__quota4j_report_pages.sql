-- quota4j schema, version 6, for PostgreSQL 13+.
-- Flyway: keep this file name, run it after V5, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is idempotent.
--
-- Reports over every subject. Pages read a range of subjects at a time by keyset (subject kind,
-- then id by code point, never OFFSET): the subject indexes of the ledger, the daily summaries
-- and the subject rollup answer them.
-- The daily summaries keep the code of a denial (QUOTA_EXCEEDED events): error_code, part of the
-- summary key, so denials by code stay exact over days retention has purged. Summaries written
-- before this version have no code (NULL).
-- Pages compare ids with COLLATE "C" (code point order whatever the database's collation): these
-- indexes are in that order.

ALTER TABLE ${table_prefix}usage_daily ADD COLUMN IF NOT EXISTS error_code VARCHAR(510);

CREATE INDEX IF NOT EXISTS ${table_prefix}usage_events_subject_c_idx
  ON ${table_prefix}usage_events (subject_kind, subject_id COLLATE "C", event_time);

CREATE INDEX IF NOT EXISTS ${table_prefix}usage_daily_subject_c_idx
  ON ${table_prefix}usage_daily (subject_kind, subject_id COLLATE "C", day_start);

CREATE INDEX IF NOT EXISTS ${table_prefix}usage_subject_daily_subject_c_idx
  ON ${table_prefix}usage_subject_daily (subject_kind, subject_id COLLATE "C", day_start);

-- Denials by code read the denials of a range from this partial index alone.
CREATE INDEX IF NOT EXISTS ${table_prefix}usage_events_denials_idx
  ON ${table_prefix}usage_events (event_time, error_code, subject_kind)
  WHERE status = 'QUOTA_EXCEEDED';

INSERT INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (6, 'quota4j report pages and denial codes', (now() AT TIME ZONE 'UTC')) ON CONFLICT DO NOTHING;
