-- quota4j schema, version 5, for H2 2.x.
-- Flyway: keep this file name, run it after V3, set the placeholder table_prefix.
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

ALTER TABLE ${table_prefix}reservations ADD COLUMN IF NOT EXISTS lease_owner VARCHAR(64);

ALTER TABLE ${table_prefix}reservations ADD COLUMN IF NOT EXISTS db_lease_until TIMESTAMP(6);

CREATE INDEX IF NOT EXISTS ${table_prefix}reservations_owner_idx
  ON ${table_prefix}reservations (lease_owner, lease_until);

CREATE INDEX IF NOT EXISTS ${table_prefix}reservations_db_lease_idx
  ON ${table_prefix}reservations (db_lease_until);

MERGE INTO ${table_prefix}schema_version (version, description, installed_at)
  KEY (version) VALUES (5, 'quota4j lease expiry by the database clock', LOCALTIMESTAMP);
