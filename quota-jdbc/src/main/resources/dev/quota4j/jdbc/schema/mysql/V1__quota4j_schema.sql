-- quota4j schema, version 1, for MySQL 8.0+.
-- Flyway: keep this file name, set the placeholder table_prefix (for example quota_).
-- JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is idempotent.
-- Ids compare exactly: utf8mb4_0900_bin is case- and trailing-space-sensitive.
-- Indexes are declared inside CREATE TABLE: MySQL has no CREATE INDEX IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS ${table_prefix}schema_version (
  version INTEGER NOT NULL PRIMARY KEY,
  description VARCHAR(200) NOT NULL,
  installed_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE IF NOT EXISTS ${table_prefix}subjects (
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(255) NOT NULL,
  plan VARCHAR(255) NOT NULL,
  overrides MEDIUMTEXT NOT NULL,
  active BOOLEAN NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (subject_kind, subject_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE IF NOT EXISTS ${table_prefix}counters (
  limit_id VARCHAR(255) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(255) NOT NULL,
  window_start DATETIME(6) NOT NULL,
  window_end DATETIME(6) NOT NULL,
  limit_amount BIGINT NOT NULL,
  used BIGINT NOT NULL,
  reserved BIGINT NOT NULL,
  PRIMARY KEY (limit_id, subject_kind, subject_id, window_start),
  INDEX ${table_prefix}counters_subject_idx (subject_kind, subject_id, window_start),
  INDEX ${table_prefix}counters_end_idx (window_end),
  CHECK (used >= 0 AND reserved >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE IF NOT EXISTS ${table_prefix}reservations (
  reservation_id VARCHAR(255) NOT NULL PRIMARY KEY,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(255) NOT NULL,
  charges MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  lease_until DATETIME(6) NOT NULL,
  INDEX ${table_prefix}reservations_lease_idx (lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_events (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(255) NOT NULL,
  reservation_id VARCHAR(255),
  closes_reservation VARCHAR(255),
  event_time DATETIME(6) NOT NULL,
  status VARCHAR(16) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(255) NOT NULL,
  api_key VARCHAR(255),
  provider_key VARCHAR(255),
  tenant VARCHAR(255),
  workflow_id VARCHAR(255),
  session_id VARCHAR(255),
  operation VARCHAR(255),
  provider VARCHAR(255),
  model VARCHAR(255),
  agent VARCHAR(255),
  tool VARCHAR(255),
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  characters BIGINT NOT NULL,
  cost_micros BIGINT NOT NULL,
  estimated_tokens BIGINT NOT NULL,
  error_code VARCHAR(255),
  error_message VARCHAR(1000),
  tags MEDIUMTEXT NOT NULL,
  UNIQUE KEY ${table_prefix}usage_events_id_uq (event_id),
  UNIQUE KEY ${table_prefix}usage_events_closes_uq (closes_reservation),
  INDEX ${table_prefix}usage_events_time_idx (event_time),
  INDEX ${table_prefix}usage_events_subject_idx (subject_kind, subject_id, event_time),
  INDEX ${table_prefix}usage_events_workflow_idx (workflow_id, event_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_hourly (
  hour_start DATETIME(6) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  dims_hash CHAR(64) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  model VARCHAR(255) NOT NULL,
  operation VARCHAR(255) NOT NULL,
  requests BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  denials BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  characters BIGINT NOT NULL,
  cost_micros BIGINT NOT NULL,
  PRIMARY KEY (hour_start, subject_kind, dims_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

INSERT IGNORE INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (1, 'quota4j schema', UTC_TIMESTAMP(6));
