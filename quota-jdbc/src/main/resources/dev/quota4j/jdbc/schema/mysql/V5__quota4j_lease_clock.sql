-- quota4j schema, version 5, for MySQL 8.0+.
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

-- MySQL has no ADD COLUMN IF NOT EXISTS nor CREATE INDEX IF NOT EXISTS: each is run only when
-- information_schema says it is missing.
SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE ${table_prefix}reservations ADD COLUMN lease_owner VARCHAR(64) NULL',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}reservations' AND column_name = 'lease_owner');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE ${table_prefix}reservations ADD COLUMN db_lease_until DATETIME(6) NULL',
  'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}reservations' AND column_name = 'db_lease_until');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'CREATE INDEX ${table_prefix}reservations_owner_idx ON ${table_prefix}reservations (lease_owner, lease_until)',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}reservations' AND index_name = '${table_prefix}reservations_owner_idx');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

SET @quota4j_ddl = (SELECT IF(COUNT(*) = 0,
  'CREATE INDEX ${table_prefix}reservations_db_lease_idx ON ${table_prefix}reservations (db_lease_until)',
  'DO 0') FROM information_schema.statistics WHERE table_schema = DATABASE()
  AND table_name = '${table_prefix}reservations' AND index_name = '${table_prefix}reservations_db_lease_idx');

PREPARE quota4j_stmt FROM @quota4j_ddl;

EXECUTE quota4j_stmt;

DEALLOCATE PREPARE quota4j_stmt;

INSERT IGNORE INTO ${table_prefix}schema_version (version, description, installed_at)
  VALUES (5, 'quota4j lease expiry by the database clock', UTC_TIMESTAMP(6));
