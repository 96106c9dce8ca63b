-- quota4j schema, version 6, for H2 2.x.
-- Flyway: keep this file name, run it after V5, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is idempotent.
--
-- Reports over every subject. Pages read a range of subjects at a time by keyset (subject kind,
-- then id by code point, never OFFSET): the subject indexes of the ledger, the daily summaries
-- and the subject rollup answer them.
-- The daily summaries keep the code of a denial (QUOTA_EXCEEDED events): error_code, part of the
-- summary key, so denials by code stay exact over days retention has purged. Summaries written
-- before this version have no code (NULL).
-- H2 compares ids as Java does: the subject indexes of V1 to V3 are in page order already.

ALTER TABLE ${table_prefix}usage_daily ADD COLUMN IF NOT EXISTS error_code VARCHAR(255);

-- Denials by code read the denials of a range by this index.
CREATE INDEX IF NOT EXISTS ${table_prefix}usage_events_status_idx
  ON ${table_prefix}usage_events (status, event_time);

MERGE INTO ${table_prefix}schema_version (version, description, installed_at)
  KEY (version) VALUES (6, 'quota4j report pages and denial codes', LOCALTIMESTAMP);
