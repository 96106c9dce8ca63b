-- quota4j schema, version 2, for H2 2.x: daily summaries of purged ledger events.
-- Flyway: keep this file name, run it after V1, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs V1 and then this file; every statement is idempotent.
-- Retention rolls ledger events older than its cutoff into one row per UTC day, subject and
-- dims_hash (SHA-256 of status, operation, provider, model, agent, tool and provider key), in the
-- transaction that deletes them. Rows are kept until deleted by hand.

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_daily (
  day_start TIMESTAMP(6) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(255) NOT NULL,
  dims_hash CHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  operation VARCHAR(255),
  provider VARCHAR(255),
  model VARCHAR(255),
  agent VARCHAR(255),
  tool VARCHAR(255),
  provider_key VARCHAR(255),
  events BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  characters BIGINT NOT NULL,
  cost_micros BIGINT NOT NULL,
  PRIMARY KEY (day_start, subject_kind, subject_id, dims_hash)
);

CREATE INDEX IF NOT EXISTS ${table_prefix}usage_daily_subject_idx
  ON ${table_prefix}usage_daily (subject_kind, subject_id, day_start);

MERGE INTO ${table_prefix}schema_version (version, description, installed_at)
  KEY (version) VALUES (2, 'quota4j daily summaries', LOCALTIMESTAMP);
