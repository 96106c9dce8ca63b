-- quota4j schema, version 8, for PostgreSQL 13+.
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
  limit_id VARCHAR(510) NOT NULL,
  subject_kind VARCHAR(16) NOT NULL,
  subject_id VARCHAR(510) NOT NULL,
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

-- The admission functions keep handling counters of one row. A counter kept in stripes is never
-- charged or settled by them: the reserve function charges a counter only while it has one row
-- (stripes = 1) and, when a charge misses on a striped counter, raises SQLSTATE Q4J01, which rolls
-- the whole call back; the commit function raises it when a counter it settles is striped. The
-- caller then runs the step statement by statement. Otherwise as in versions 4 and 5.
CREATE OR REPLACE FUNCTION ${table_prefix}reserve(
  p_reservation_id VARCHAR,
  p_subject_kind VARCHAR,
  p_subject_id VARCHAR,
  p_charges TEXT,
  p_created_at TIMESTAMP,
  p_lease_until TIMESTAMP,
  c_limit_ids VARCHAR[],
  c_subject_kinds VARCHAR[],
  c_subject_ids VARCHAR[],
  c_window_starts TIMESTAMP[],
  c_window_ends TIMESTAMP[],
  c_limits BIGINT[],
  c_amounts BIGINT[],
  c_caps BIGINT[],
  p_lease_owner VARCHAR,
  OUT r_outcome INTEGER,
  OUT r_missed INTEGER,
  OUT r_used BIGINT[],
  OUT r_reserved BIGINT[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n INTEGER := COALESCE(cardinality(c_limit_ids), 0);
  old_limits BIGINT[] := '{}';
  created BOOLEAN[] := '{}';
  v_used BIGINT;
  v_reserved BIGINT;
  v_limit BIGINT;
  ok BOOLEAN;
  later BOOLEAN;
  i INTEGER;
  j INTEGER;
BEGIN
  r_missed := 0;
  r_used := '{}';
  r_reserved := '{}';
  INSERT INTO ${table_prefix}reservations (reservation_id, subject_kind, subject_id, charges,
      created_at, lease_until, held_limit_ids, held_subject_kinds, held_subject_ids,
      held_window_starts, held_amounts, lease_owner, db_lease_until)
    VALUES (p_reservation_id, p_subject_kind, p_subject_id, p_charges, p_created_at,
      p_lease_until, c_limit_ids, c_subject_kinds, c_subject_ids, c_window_starts, c_amounts,
      p_lease_owner, (clock_timestamp() AT TIME ZONE 'UTC') + (p_lease_until - p_created_at))
    ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    r_outcome := 2;
    RETURN;
  END IF;

  FOR i IN 1 .. n LOOP
    created[i] := FALSE;
    ok := FALSE;
    IF c_caps[i] >= 0 THEN
      UPDATE ${table_prefix}counters SET reserved = reserved + c_amounts[i]
        WHERE limit_id = c_limit_ids[i] AND subject_kind = c_subject_kinds[i]
          AND subject_id = c_subject_ids[i] AND window_start = c_window_starts[i]
          AND reserved <= c_caps[i] - used AND stripes = 1
        RETURNING used, reserved, limit_amount INTO v_used, v_reserved, v_limit;
      ok := FOUND;
      IF NOT ok THEN
        INSERT INTO ${table_prefix}counters (limit_id, subject_kind, subject_id, window_start,
            window_end, limit_amount, used, reserved)
          VALUES (c_limit_ids[i], c_subject_kinds[i], c_subject_ids[i], c_window_starts[i],
            c_window_ends[i], c_limits[i], 0, 0)
          ON CONFLICT DO NOTHING;
        created[i] := FOUND;
        UPDATE ${table_prefix}counters SET reserved = reserved + c_amounts[i]
          WHERE limit_id = c_limit_ids[i] AND subject_kind = c_subject_kinds[i]
            AND subject_id = c_subject_ids[i] AND window_start = c_window_starts[i]
            AND reserved <= c_caps[i] - used AND stripes = 1
          RETURNING used, reserved, limit_amount INTO v_used, v_reserved, v_limit;
        ok := FOUND;
        IF NOT ok AND EXISTS (SELECT 1 FROM ${table_prefix}counters
            WHERE limit_id = c_limit_ids[i] AND subject_kind = c_subject_kinds[i]
              AND subject_id = c_subject_ids[i] AND window_start = c_window_starts[i]
              AND stripes > 1) THEN
          RAISE EXCEPTION USING ERRCODE = 'Q4J01',
            MESSAGE = 'quota4j: a counter is kept in stripes; reserve statement by statement';
        END IF;
      END IF;
    END IF;
    IF NOT ok THEN
      r_missed := i;
      EXIT;
    END IF;
    r_used[i] := v_used;
    r_reserved[i] := v_reserved;
    old_limits[i] := v_limit;
  END LOOP;

  IF r_missed = 0 THEN
    -- the limit in force: the last charge of each counter sets it, as the other dialects do
    FOR i IN 1 .. n LOOP
      later := FALSE;
      FOR j IN i + 1 .. n LOOP
        IF c_limit_ids[j] = c_limit_ids[i] AND c_subject_kinds[j] = c_subject_kinds[i]
            AND c_subject_ids[j] = c_subject_ids[i] AND c_window_starts[j] = c_window_starts[i] THEN
          later := TRUE;
          EXIT;
        END IF;
      END LOOP;
      IF NOT later AND old_limits[i] <> c_limits[i] THEN
        UPDATE ${table_prefix}counters SET limit_amount = c_limits[i]
          WHERE limit_id = c_limit_ids[i] AND subject_kind = c_subject_kinds[i]
            AND subject_id = c_subject_ids[i] AND window_start = c_window_starts[i];
      END IF;
    END LOOP;
    r_outcome := 0;
    RETURN;
  END IF;

  -- undo: only rows this call holds locked (or created) are touched
  FOR i IN 1 .. r_missed - 1 LOOP
    UPDATE ${table_prefix}counters SET reserved = reserved - c_amounts[i]
      WHERE limit_id = c_limit_ids[i] AND subject_kind = c_subject_kinds[i]
        AND subject_id = c_subject_ids[i] AND window_start = c_window_starts[i];
  END LOOP;
  FOR i IN 1 .. r_missed LOOP
    IF created[i] THEN
      DELETE FROM ${table_prefix}counters
        WHERE limit_id = c_limit_ids[i] AND subject_kind = c_subject_kinds[i]
          AND subject_id = c_subject_ids[i] AND window_start = c_window_starts[i]
          AND used = 0 AND reserved = 0;
    END IF;
  END LOOP;
  DELETE FROM ${table_prefix}reservations WHERE reservation_id = p_reservation_id;

  SELECT array_agg(COALESCE(c.used, 0) ORDER BY k.ord),
         array_agg(COALESCE(c.reserved, 0) ORDER BY k.ord)
    INTO r_used, r_reserved
    FROM unnest(c_limit_ids, c_subject_kinds, c_subject_ids, c_window_starts)
           WITH ORDINALITY AS k(limit_id, subject_kind, subject_id, window_start, ord)
    LEFT JOIN ${table_prefix}counters c
      ON c.limit_id = k.limit_id AND c.subject_kind = k.subject_kind
     AND c.subject_id = k.subject_id AND c.window_start = k.window_start;
  r_outcome := 1;
END
$$;

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
  v_stripes INTEGER;
  late BOOLEAN;
  i INTEGER;
  j INTEGER;
BEGIN
  r_used := '{}';
  INSERT INTO ${table_prefix}usage_events (event_id, reservation_id, closes_reservation,
      event_time, status, subject_kind, subject_id, api_key, provider_key, tenant, workflow_id,
      session_id, operation, provider, model, agent, tool, input_tokens, output_tokens,
      cached_tokens, characters, cost_micros, estimated_tokens, error_code, error_message, tags)
    VALUES (e_event_id, e_reservation_id, e_closes_reservation, e_event_time, e_status,
      e_subject_kind, e_subject_id, e_api_key, e_provider_key, e_tenant, e_workflow_id,
      e_session_id, e_operation, e_provider, e_model, e_agent, e_tool, e_input_tokens,
      e_output_tokens, e_cached_tokens, e_characters, e_cost_micros, e_estimated_tokens,
      e_error_code, e_error_message, e_tags)
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
      SELECT used, stripes INTO v_used, v_stripes FROM ${table_prefix}counters
        WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
          AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j];
      IF v_stripes > 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'Q4J01',
          MESSAGE = 'quota4j: a counter is kept in stripes; commit statement by statement';
      END IF;
    ELSE
      UPDATE ${table_prefix}counters
        SET reserved = GREATEST(reserved - held[j], 0), used = used + k_actuals[j]
        WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
          AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j]
          AND stripes = 1
        RETURNING used INTO v_used;
      IF NOT FOUND AND EXISTS (SELECT 1 FROM ${table_prefix}counters
          WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
            AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j]
            AND stripes > 1) THEN
        RAISE EXCEPTION USING ERRCODE = 'Q4J01',
          MESSAGE = 'quota4j: a counter is kept in stripes; commit statement by statement';
      END IF;
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
            AND stripes = 1
          RETURNING used INTO v_used;
        IF NOT FOUND THEN
          RAISE EXCEPTION USING ERRCODE = 'Q4J01',
            MESSAGE = 'quota4j: a counter is kept in stripes; commit statement by statement';
        END IF;
      END IF;
    END IF;
    r_used[j] := COALESCE(v_used, 0);
  END LOOP;
  r_outcome := CASE WHEN late THEN 2 ELSE 0 END;
END
$$;

-- The same for the version-7 form (with the prompt-cache writes), which this version's processes call.
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
  v_stripes INTEGER;
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
      SELECT used, stripes INTO v_used, v_stripes FROM ${table_prefix}counters
        WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
          AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j];
      IF v_stripes > 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'Q4J01',
          MESSAGE = 'quota4j: a counter is kept in stripes; commit statement by statement';
      END IF;
    ELSE
      UPDATE ${table_prefix}counters
        SET reserved = GREATEST(reserved - held[j], 0), used = used + k_actuals[j]
        WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
          AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j]
          AND stripes = 1
        RETURNING used INTO v_used;
      IF NOT FOUND AND EXISTS (SELECT 1 FROM ${table_prefix}counters
          WHERE limit_id = k_limit_ids[j] AND subject_kind = k_subject_kinds[j]
            AND subject_id = k_subject_ids[j] AND window_start = k_window_starts[j]
            AND stripes > 1) THEN
        RAISE EXCEPTION USING ERRCODE = 'Q4J01',
          MESSAGE = 'quota4j: a counter is kept in stripes; commit statement by statement';
      END IF;
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
            AND stripes = 1
          RETURNING used INTO v_used;
        IF NOT FOUND THEN
          RAISE EXCEPTION USING ERRCODE = 'Q4J01',
            MESSAGE = 'quota4j: a counter is kept in stripes; commit statement by statement';
        END IF;
      END IF;
    END IF;
    r_used[j] := COALESCE(v_used, 0);
  END LOOP;
  r_outcome := CASE WHEN late THEN 2 ELSE 0 END;
END
$$;

INSERT INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (8, 'quota4j hot limits in stripes', (now() AT TIME ZONE 'UTC'))
  ON CONFLICT DO NOTHING;
