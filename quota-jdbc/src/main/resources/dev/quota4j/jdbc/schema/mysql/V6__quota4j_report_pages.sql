-- quota4j schema, version 6, for MySQL 8.0+.
-- Flyway: keep this file name, run it after V5, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is idempotent.
--
-- Reports over every subject. Pages read a range of subjects at a time by keyset (subject kind,
-- then id by code point, never OFFSET): the subject indexes of the ledger, the daily summaries
-- and the subject rollup answer them.
-- The daily summaries keep the code of a denial (QUOTA_EXCEEDED events): error_code, part of the
-- summary key, so denials by code stay exact over days retention has purged. Summaries written
-- before this version have no code (NULL).
-- Id columns are binary (utf8mb4_nopad_bin): the subject indexes of V1 to V3 are in page order
-- already.

-- MySQL has no ADD COLUMN IF NOT EXISTS: it is run only when information_schema says it is missing.
SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE ${table_prefix}usage_daily ADD COLUMN error_code VARCHAR(255) NULL',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}usage_daily' AND column_name = 'error_code');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

-- Denials by code read the denials of a range by this index.
SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'CREATE INDEX ${table_prefix}usage_events_status_idx ON ${table_prefix}usage_events (status, event_time)',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}usage_events' AND index_name = '${table_prefix}usage_events_status_idx');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

INSERT IGNORE INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (6, 'quota4j report pages and denial codes', UTC_TIMESTAMP(6));
