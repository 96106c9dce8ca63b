-- quota4j schema, version 7, for PostgreSQL 13+.
-- Flyway: keep this file name, run it after V5, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is idempotent.
--
-- Prompt-cache writes: each ledger event keeps the input tokens written into the provider's prompt
-- cache (a part of input_tokens, apart from cached_tokens, the cache reads). Rows written before
-- this version, and by a quota4j before it, hold 0.
--
-- The commit function gains e_cache_write_tokens after e_tags, so that its arguments stay the
-- ledger row in column order followed by the counter arrays. Its version-4 form (33 arguments)
-- stays as it is, for processes still running a quota4j of an earlier version: its rows get 0.

ALTER TABLE ${table_prefix}usage_events
  ADD COLUMN IF NOT EXISTS cache_write_tokens BIGINT NOT NULL DEFAULT 0;

-- Commits a reservation in one statement: as the version-4 form, with the cache-write tokens.
CREATE OR REPLACE FUNCTION ${table_prefix}commit(
  e_event_id VARCHAR,
  e_reservation_id VARCHAR,
  e_closes_reservation VARCHAR,
  e_event_time TIMESTAMP,
  e_status VARCHAR,
  e_subject_kind VARCHAR,
  e_subject_id VARCHAR,
  e_api_key VARCHAR,
  e_provider_key VARCHAR,
  e_tenant VARCHAR,
  e_workflow_id VARCHAR,
  e_session_id VARCHAR,
  e_operation VARCHAR,
  e_provider VARCHAR,
  e_model VARCHAR,
  e_agent VARCHAR,
  e_tool VARCHAR,
  e_input_tokens BIGINT,
  e_output_tokens BIGINT,
  e_cached_tokens BIGINT,
  e_characters BIGINT,
  e_cost_micros BIGINT,
  e_estimated_tokens BIGINT,
  e_error_code VARCHAR,
  e_error_message VARCHAR,
  e_tags TEXT,
  e_cache_write_tokens BIGINT,
  k_limit_ids VARCHAR[],
  k_subject_kinds VARCHAR[],
  k_subject_ids VARCHAR[],
  k_window_starts TIMESTAMP[],
  k_window_ends TIMESTAMP[],
  k_limits BIGINT[],
  k_actuals BIGINT[],
  OUT r_outcome INTEGER,
  OUT r_used BIGINT[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n INTEGER := COALESCE(cardinality(k_limit_ids), 0);
  h_limit_ids VARCHAR[];
  h_subject_kinds VARCHAR[];
  h_subject_ids VARCHAR[];
  h_window_starts TIMESTAMP[];
  h_amounts BIGINT[];
  held BIGINT[] := '{}';
  v_used BIGINT;
  late BOOLEAN;
  i INTEGER;
  j INTEGER;
BEGIN
  r_used := '{}';
  INSERT INTO ${table_prefix}usage_events (event_id, reservation_id, closes_reservation,
      event_time, status, subject_kind, subject_id, api_key, provider_key, tenant, workflow_id,
      session_id, operation, provider, model, agent, tool, input_tokens, output_tokens,
      cached_tokens, characters, cost_micros, estimated_tokens, error_code, error_message, tags,
      cache_write_tokens)
    VALUES (e_event_id, e_reservation_id, e_closes_reservation, e_event_time, e_status,
      e_subject_kind, e_subject_id, e_api_key, e_provider_key, e_tenant, e_workflow_id,
      e_session_id, e_operation, e_provider, e_model, e_agent, e_tool, e_input_tokens,
      e_output_tokens, e_cached_tokens, e_characters, e_cost_micros, e_estimated_tokens,
      e_error_code, e_error_message, e_tags, e_cache_write_tokens)
    ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    r_outcome := 1;
    RETURN;
  END IF;

  DELETE FROM ${table_prefix}reservations WHERE reservation_id = e_closes_reservation
    RETURNING held_limit_ids, held_subject_kinds, held_subject_ids, held_window_starts,
      held_amounts
    INTO h_limit_ids, h_subject_kinds, h_subject_ids, h_window_starts, h_amounts;
  late := NOT FOUND;
  FOR j IN 1 .. n LOOP
    held[j] := 0;
  END LOOP;
  IF NOT late THEN
    IF h_amounts IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'Q4J01',
        MESSAGE = 'quota4j: the reservation was made without held charges (quota4j before schema'
          || ' version 4); commit it statement by statement';
    END IF;
    FOR i IN 1 .. cardinality(h_amounts) LOOP
      j := 1;
      WHILE j <= n AND NOT (k_limit_ids[j] = h_limit_ids[i]
          AND k_subject_kinds[j] = h_subject_kinds[i] AND k_subject_ids[j] = h_subject_ids[i]
          AND k_window_starts[j] = h_window_starts[i]) LOOP
        j := j + 1;
      END LOOP;
      IF j > n THEN
        RAISE EXCEPTION USING ERRCODE = 'Q4J01',
          MESSAGE = 'quota4j: the commit does not name every counter the reservation holds;'
            || ' commit it statement by statement';
      END IF;
      held[j] := held[j] + h_amounts[i];
    END LOOP;
  END IF;

  FOR j IN 1 .. n LOOP
    IF held[j] = 0 AND k_actuals[j] = 0 THEN
      SELECT used INTO v_used FROM ${table_prefix}counters
        WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
          AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j];
    ELSE
      UPDATE ${table_prefix}counters
        SET reserved = GREATEST(reserved - held[j], 0), used = used + k_actuals[j]
        WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
          AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j]
        RETURNING used INTO v_used;
      IF NOT FOUND AND k_actuals[j] > 0 THEN
        INSERT INTO ${table_prefix}counters (limit_id, subject_kind, subject_id, window_start,
            window_end, limit_amount, used, reserved)
          VALUES (k_limit_ids[j], k_subject_kinds[j], k_subject_ids[j], k_window_starts[j],
            k_window_ends[j], k_limits[j], 0, 0)
          ON CONFLICT DO NOTHING;
        UPDATE ${table_prefix}counters
          SET reserved = GREATEST(reserved - held[j], 0), used = used + k_actuals[j]
          WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
            AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j]
          RETURNING used INTO v_used;
      END IF;
    END IF;
    r_used[j] := COALESCE(v_used, 0);
  END LOOP;
  r_outcome := CASE WHEN late THEN 2 ELSE 0 END;
END
$$;

INSERT INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (7, 'quota4j prompt-cache writes in the ledger', (now() AT TIME ZONE 'UTC'))
  ON CONFLICT DO NOTHING;
