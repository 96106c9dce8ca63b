-- quota4j schema, version 7, for MariaDB 10.6+.
-- Flyway: keep this file name, run it after V5, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is idempotent.
--
-- Prompt-cache writes: each ledger event keeps the input tokens written into the provider's prompt
-- cache (a part of input_tokens, apart from cached_tokens, the cache reads). Rows written before
-- this version, and by a quota4j before it, hold 0.

ALTER TABLE ${table_prefix}usage_events
  ADD COLUMN IF NOT EXISTS cache_write_tokens BIGINT NOT NULL DEFAULT 0;

INSERT IGNORE INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (7, 'quota4j prompt-cache writes in the ledger', UTC_TIMESTAMP(6));
