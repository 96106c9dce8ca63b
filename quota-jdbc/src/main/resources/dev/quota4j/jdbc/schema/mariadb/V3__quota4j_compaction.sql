-- quota4j schema, version 3, for MariaDB 10.6+: rollups written by compaction, not by each commit.
-- Flyway: keep this file name, run it after V2, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs V1, V2 and then this file; every statement is
-- idempotent. Stop processes running an older quota4j before applying it: they would keep adding
-- each event to the hourly rollup in its own transaction, and compaction would add it again.
--
-- usage_events.rolled_up says whether compaction has added the event to every rollup (usage_hourly,
-- usage_subject_daily, usage_agent_daily); it flips in the transaction that adds it. Events written
-- before this version are already in usage_hourly, so the column is added as TRUE for them (and
-- FALSE for every later row), and the two new rollups are filled once from those events and from
-- the daily summaries of purged events (which hold every dimension they need).
-- A dimension the event did not have is stored as the empty string in the rollups.

ALTER TABLE ${table_prefix}usage_events ADD COLUMN IF NOT EXISTS rolled_up BOOLEAN NOT NULL DEFAULT TRUE;

ALTER TABLE ${table_prefix}usage_events ALTER COLUMN rolled_up SET DEFAULT FALSE;

CREATE INDEX IF NOT EXISTS ${table_prefix}usage_events_unrolled_idx
  ON ${table_prefix}usage_events (rolled_up, event_time);

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_subject_daily (
  day_start DATETIME(6) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(255) NOT NULL,
  operation VARCHAR(255) NOT NULL,
  requests BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  denials BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  characters BIGINT NOT NULL,
  cost_micros BIGINT NOT NULL,
  PRIMARY KEY (day_start, subject_kind, subject_id, operation)
,
  INDEX ${table_prefix}usage_subject_daily_subject_idx (subject_kind, subject_id, day_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_agent_daily (
  day_start DATETIME(6) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  agent VARCHAR(255) NOT NULL,
  tool VARCHAR(255) NOT NULL,
  requests BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  denials BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  characters BIGINT NOT NULL,
  cost_micros BIGINT NOT NULL,
  PRIMARY KEY (day_start, subject_kind, agent, tool)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

INSERT IGNORE INTO ${table_prefix}usage_subject_daily
  SELECT day_start, subject_kind, subject_id, operation, SUM(requests), SUM(errors), SUM(denials),
    SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(characters), SUM(cost_micros)
  FROM (
    SELECT CAST(DATE(event_time) AS DATETIME(6)) AS day_start, subject_kind, subject_id,
      COALESCE(operation, '') AS operation,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN 1 ELSE 0 END AS requests,
      CASE WHEN status = 'ERROR' THEN 1 ELSE 0 END AS errors,
      CASE WHEN status = 'QUOTA_EXCEEDED' THEN 1 ELSE 0 END AS denials,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN input_tokens ELSE 0 END AS input_tokens,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN output_tokens ELSE 0 END AS output_tokens,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cached_tokens ELSE 0 END AS cached_tokens,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN characters ELSE 0 END AS characters,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cost_micros ELSE 0 END AS cost_micros
    FROM ${table_prefix}usage_events
    WHERE rolled_up AND status IN ('SUCCESS', 'ERROR', 'QUOTA_EXCEEDED')
    UNION ALL
    SELECT day_start, subject_kind, subject_id, COALESCE(operation, ''),
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN events ELSE 0 END,
      CASE WHEN status = 'ERROR' THEN events ELSE 0 END,
      CASE WHEN status = 'QUOTA_EXCEEDED' THEN events ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN input_tokens ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN output_tokens ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cached_tokens ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN characters ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cost_micros ELSE 0 END
    FROM ${table_prefix}usage_daily
    WHERE status IN ('SUCCESS', 'ERROR', 'QUOTA_EXCEEDED')
  ) old
  WHERE NOT EXISTS (SELECT 1 FROM ${table_prefix}schema_version WHERE version = 3)
  GROUP BY day_start, subject_kind, subject_id, operation;

INSERT IGNORE INTO ${table_prefix}usage_agent_daily
  SELECT day_start, subject_kind, agent, tool, SUM(requests), SUM(errors), SUM(denials),
    SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(characters), SUM(cost_micros)
  FROM (
    SELECT CAST(DATE(event_time) AS DATETIME(6)) AS day_start, subject_kind,
      COALESCE(agent, '') AS agent, COALESCE(tool, '') AS tool,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN 1 ELSE 0 END AS requests,
      CASE WHEN status = 'ERROR' THEN 1 ELSE 0 END AS errors,
      CASE WHEN status = 'QUOTA_EXCEEDED' THEN 1 ELSE 0 END AS denials,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN input_tokens ELSE 0 END AS input_tokens,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN output_tokens ELSE 0 END AS output_tokens,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cached_tokens ELSE 0 END AS cached_tokens,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN characters ELSE 0 END AS characters,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cost_micros ELSE 0 END AS cost_micros
    FROM ${table_prefix}usage_events
    WHERE rolled_up AND status IN ('SUCCESS', 'ERROR', 'QUOTA_EXCEEDED')
    UNION ALL
    SELECT day_start, subject_kind, COALESCE(agent, ''), COALESCE(tool, ''),
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN events ELSE 0 END,
      CASE WHEN status = 'ERROR' THEN events ELSE 0 END,
      CASE WHEN status = 'QUOTA_EXCEEDED' THEN events ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN input_tokens ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN output_tokens ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cached_tokens ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN characters ELSE 0 END,
      CASE WHEN status IN ('SUCCESS', 'ERROR') THEN cost_micros ELSE 0 END
    FROM ${table_prefix}usage_daily
    WHERE status IN ('SUCCESS', 'ERROR', 'QUOTA_EXCEEDED')
  ) old
  WHERE NOT EXISTS (SELECT 1 FROM ${table_prefix}schema_version WHERE version = 3)
  GROUP BY day_start, subject_kind, agent, tool;

INSERT IGNORE INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (3, 'quota4j rollups by compaction', UTC_TIMESTAMP(6));
