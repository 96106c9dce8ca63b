-- quota4j schema, version 2, for PostgreSQL 13+: daily summaries of purged ledger events.
-- Flyway: keep this file name, run it after V1, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs V1 and then this file; every statement is idempotent.
-- Retention rolls ledger events older than its cutoff into one row per UTC day, subject and
-- dims_hash (SHA-256 of status, operation, provider, model, agent, tool and provider key), in the
-- transaction that deletes them. Rows are kept until deleted by hand.

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_daily (
  day_start TIMESTAMP(6) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(510) NOT NULL,
  dims_hash CHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  operation VARCHAR(510),
  provider VARCHAR(510),
  model VARCHAR(510),
  agent VARCHAR(510),
  tool VARCHAR(510),
  provider_key VARCHAR(510),
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

INSERT INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (2, 'quota4j daily summaries', (now() AT TIME ZONE 'UTC')) ON CONFLICT DO NOTHING;
