-- quota4j schema, version 5, for PostgreSQL 13+.
-- Flyway: keep this file name, run it after V4, set the placeholder table_prefix.
-- JdbcQuotaStore with SchemaMode.INSTALL runs the same file; every statement is idempotent.
--
-- Lease expiry judged by one clock all instances share, the database's. Each reservation keeps,
-- besides lease_until (the lease end by the clock of the instance that made it), the store instance
-- that made it (lease_owner, a random id per JdbcQuotaStore) and its lease end by the database's
-- clock (db_lease_until: the database's time when the reservation was made or last extended, plus
-- the lease's length). An instance releases its own reservations by its own clock (so that a fake
-- clock in a host's unit test still ends them) and any other only once db_lease_until has passed:
-- an instance whose clock runs ahead cannot release another's live hold. Rows written by a quota4j
-- before this version have neither; they end when lease_until passes by the database's clock.
--
-- The reserve function gains the owner as a last argument. Its version-4 form (14 arguments) stays,
-- for processes still running a quota4j of version 4, as a call of the new one with no owner: their
-- rows get db_lease_until too.

ALTER TABLE ${table_prefix}reservations ADD COLUMN IF NOT EXISTS lease_owner VARCHAR(64);

ALTER TABLE ${table_prefix}reservations ADD COLUMN IF NOT EXISTS db_lease_until TIMESTAMP(6);

CREATE INDEX IF NOT EXISTS ${table_prefix}reservations_owner_idx
  ON ${table_prefix}reservations (lease_owner, lease_until);

CREATE INDEX IF NOT EXISTS ${table_prefix}reservations_db_lease_idx
  ON ${table_prefix}reservations (db_lease_until);

-- Reserves every charge or none (version 5: also records the reserving store instance,
-- p_lease_owner, and the lease end by the database's clock: its time now plus the lease's length,
-- p_lease_until - p_created_at). Otherwise as version 4:
--
-- Inserts the reservation unless its id is taken (then r_outcome 2, nothing changed). Then, charge
-- by charge in the order given, one conditional update
--   reserved = reserved + amount WHERE key AND reserved <= cap - used
-- where cap is the limit less what the charge needs to fit (limit - amount for FIT, limit - 1 for
-- ANY_REMAINING, the largest BIGINT for ALWAYS; negative: it can never fit). The update locks the
-- row until the transaction ends. No row: the counter is created (INSERT ... ON CONFLICT DO NOTHING,
-- which waits for another transaction inserting the same key) and the update runs again.
--
-- All fit: limit_amount is set to the charge's limit where it differs, and r_used / r_reserved hold
-- each charge's counter right after its update (r_outcome 0).
-- One misses: everything done so far is undone (amounts taken off the rows this call still holds
-- locked, counters it created deleted, the reservation deleted), and r_used / r_reserved hold each
-- charge's counter as it is without this call, r_missed the 1-based position of the charge that
-- missed (r_outcome 1). Nothing it changed was ever visible to another transaction.
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
          AND reserved <= c_caps[i] - used
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
            AND reserved <= c_caps[i] - used
          RETURNING used, reserved, limit_amount INTO v_used, v_reserved, v_limit;
        ok := FOUND;
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

-- The version-4 form: the same, with no owner.
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
  OUT r_outcome INTEGER,
  OUT r_missed INTEGER,
  OUT r_used BIGINT[],
  OUT r_reserved BIGINT[])
LANGUAGE sql VOLATILE AS $$
  SELECT * FROM ${table_prefix}reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
    $14, CAST(NULL AS VARCHAR))
$$;

INSERT INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (5, 'quota4j lease expiry by the database clock', (now() AT TIME ZONE 'UTC'))
  ON CONFLICT DO NOTHING;
