-- quota4j schema, version 8, for MySQL 8.0+.
-- Flyway: keep this file name, run it after V5 (and V6, V7 where present), set the placeholder
-- table_prefix. JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is
-- idempotent.
--
-- Hot limits split into stripes. A counter whose limit is hot keeps its row in counters (the header:
-- used and reserved by holds made while it was one row, the number of stripes, and the lock that
-- consolidation takes first) and S stripe rows in counter_stripes. Each stripe has a share of the
-- limit; a reserve adds to any stripe whose share has room, without waiting for a locked one, and
-- only when none has room locks the header and every stripe, in stripe order, tests the sum against
-- the limit and cuts the shares again. The counter's used and reserved are the header's plus every
-- stripe's. limit_amount of a stripe is the limit its share was cut from (-1: cut again before the
-- next admission).

CREATE TABLE IF NOT EXISTS ${table_prefix}counter_stripes (
  limit_id VARCHAR(255) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(255) NOT NULL,
  window_start DATETIME(6) NOT NULL,
  stripe INTEGER NOT NULL,
  window_end DATETIME(6) NOT NULL,
  limit_amount BIGINT NOT NULL,
  share BIGINT NOT NULL,
  used BIGINT NOT NULL,
  reserved BIGINT NOT NULL,
  PRIMARY KEY (limit_id, subject_kind, subject_id, window_start, stripe),
  CHECK (used >= 0 AND reserved >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE ${table_prefix}counters ADD COLUMN stripes INTEGER NOT NULL DEFAULT 1',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}counters' AND column_name = 'stripes');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'CREATE INDEX ${table_prefix}counter_stripes_end_idx ON ${table_prefix}counter_stripes (window_end)',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}counter_stripes' AND index_name = '${table_prefix}counter_stripes_end_idx');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

INSERT IGNORE INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (8, 'quota4j hot limits in stripes', UTC_TIMESTAMP(6));
