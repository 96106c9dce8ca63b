-- quota4j schema, version 3, for H2 2.x: rollups written by compaction, not by each commit.
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

ALTER TABLE ${table_prefix}usage_events ADD COLUMN IF NOT EXISTS rolled_up BOOLEAN DEFAULT TRUE NOT NULL;

ALTER TABLE ${table_prefix}usage_events ALTER COLUMN rolled_up SET DEFAULT FALSE;

CREATE INDEX IF NOT EXISTS ${table_prefix}usage_events_unrolled_idx
  ON ${table_prefix}usage_events (rolled_up, event_time);

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_subject_daily (
  day_start TIMESTAMP(6) NOT NULL,
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
);

CREATE INDEX IF NOT EXISTS ${table_prefix}usage_subject_daily_subject_idx
  ON ${table_prefix}usage_subject_daily (subject_kind, subject_id, day_start);

CREATE TABLE IF NOT EXISTS ${table_prefix}usage_agent_daily (
  day_start TIMESTAMP(6) NOT NULL,
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
);

MERGE INTO ${table_prefix}usage_subject_daily r USING (
  SELECT day_start, subject_kind, subject_id, operation, SUM(requests) AS requests, SUM(errors) AS errors, SUM(denials) AS denials,
    SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cached_tokens) AS cached_tokens, SUM(characters) AS characters, SUM(cost_micros) AS cost_micros
  FROM (
    SELECT DATE_TRUNC('DAY', event_time) AS day_start, subject_kind, subject_id,
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
  GROUP BY day_start, subject_kind, subject_id, operation
) s
  ON r.day_start = s.day_start AND r.subject_kind = s.subject_kind AND r.subject_id = s.subject_id AND r.operation = s.operation
  WHEN NOT MATCHED THEN INSERT (day_start, subject_kind, subject_id, operation, requests, errors, denials, input_tokens, output_tokens, cached_tokens, characters, cost_micros)
  VALUES (s.day_start, s.subject_kind, s.subject_id, s.operation, s.requests, s.errors, s.denials, s.input_tokens, s.output_tokens, s.cached_tokens, s.characters, s.cost_micros);

MERGE INTO ${table_prefix}usage_agent_daily r USING (
  SELECT day_start, subject_kind, agent, tool, SUM(requests) AS requests, SUM(errors) AS errors, SUM(denials) AS denials,
    SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cached_tokens) AS cached_tokens, SUM(characters) AS characters, SUM(cost_micros) AS cost_micros
  FROM (
    SELECT DATE_TRUNC('DAY', event_time) AS day_start, subject_kind,
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
  GROUP BY day_start, subject_kind, agent, tool
) s
  ON r.day_start = s.day_start AND r.subject_kind = s.subject_kind AND r.agent = s.agent AND r.tool = s.tool
  WHEN NOT MATCHED THEN INSERT (day_start, subject_kind, agent, tool, requests, errors, denials, input_tokens, output_tokens, cached_tokens, characters, cost_micros)
  VALUES (s.day_start, s.subject_kind, s.agent, s.tool, s.requests, s.errors, s.denials, s.input_tokens, s.output_tokens, s.cached_tokens, s.characters, s.cost_micros);

MERGE INTO ${table_prefix}schema_version (version, description, installed_at)
  KEY (version) VALUES (3, 'quota4j rollups by compaction', LOCALTIMESTAMP);
