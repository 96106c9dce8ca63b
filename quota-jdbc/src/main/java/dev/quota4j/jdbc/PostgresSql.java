package dev.quota4j.jdbc;

import java.util.Collections;

/** PostgreSQL 13+: {@code ON CONFLICT}, {@code RETURNING}, advisory locks, transactional DDL. */
final class PostgresSql extends Sql {
  PostgresSql(Tables t) {
    super(t);
  }

  @Override
  JdbcDialect dialect() {
    return JdbcDialect.POSTGRESQL;
  }

  @Override
  String ensureCounters(int rows) {
    return "INSERT INTO "
        + t.counters
        + " ("
        + COUNTER_ROW_COLUMNS
        + ", used, reserved) VALUES "
        + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?, ?, ?, 0, 0)"))
        + " ON CONFLICT DO NOTHING";
  }

  @Override
  boolean updateReturns() {
    return true;
  }

  @Override
  String deleteReservationReturning(boolean onlyExpired) {
    return deleteReturning(onlyExpired);
  }

  String deleteReturning(boolean onlyExpired) {
    return "DELETE FROM "
        + t.reservations
        + " WHERE reservation_id = ?"
        + (onlyExpired ? " AND lease_until < ?" : "")
        + " RETURNING subject_kind, subject_id, charges";
  }

  @Override
  String upsertHourly() {
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(t.hourly)
            .append(" AS h (")
            .append(HOURLY_COLUMNS)
            .append(") VALUES (")
            .append(params(14))
            .append(") ON CONFLICT (hour_start, subject_kind, dims_hash) DO UPDATE SET ");
    for (int i = 0; i < HOURLY_SUMS.length; i++) {
      String c = HOURLY_SUMS[i];
      sql.append(i == 0 ? "" : ", ").append(c).append(" = h.").append(c);
      sql.append(" + EXCLUDED.").append(c);
    }
    return sql.toString();
  }

  @Override
  String upsertSubject() {
    return "INSERT INTO "
        + t.subjects
        + " ("
        + SUBJECT_COLUMNS
        + ") VALUES ("
        + params(7)
        + ") ON CONFLICT (subject_kind, subject_id) DO UPDATE SET plan = EXCLUDED.plan,"
        + " overrides = EXCLUDED.overrides, active = EXCLUDED.active,"
        + " created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at";
  }

  @Override
  String insertUnlessPresent(String table, String columns, int params) {
    return "INSERT INTO "
        + table
        + " ("
        + columns
        + ") VALUES ("
        + params(params)
        + ") ON CONFLICT DO NOTHING";
  }

  @Override
  String currentUtcTime() {
    return "SELECT CAST(clock_timestamp() AT TIME ZONE 'UTC' AS TIMESTAMP(6))";
  }

  @Override
  String installLock() {
    // a fixed key: "quota4j" as bytes; held until the install transaction ends
    return "SELECT pg_advisory_xact_lock(7113029357021547)";
  }

  @Override
  boolean transactionalDdl() {
    return true;
  }
}
