-- quota4j schema, version 8, for H2 2.x.
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
  window_start TIMESTAMP(6) NOT NULL,
  stripe INTEGER NOT NULL,
  window_end TIMESTAMP(6) NOT NULL,
  limit_amount BIGINT NOT NULL,
  share BIGINT NOT NULL,
  used BIGINT NOT NULL,
  reserved BIGINT NOT NULL,
  PRIMARY KEY (limit_id, subject_kind, subject_id, window_start, stripe),
  CHECK (used >= 0 AND reserved >= 0)
);

ALTER TABLE ${table_prefix}counters ADD COLUMN IF NOT EXISTS stripes INTEGER NOT NULL DEFAULT 1;

CREATE INDEX IF NOT EXISTS ${table_prefix}counter_stripes_end_idx
  ON ${table_prefix}counter_stripes (window_end);

MERGE INTO ${table_prefix}schema_version (version, description, installed_at)
  KEY (version) VALUES (8, 'quota4j hot limits in stripes', LOCALTIMESTAMP);
