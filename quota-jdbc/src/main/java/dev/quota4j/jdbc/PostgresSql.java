package dev.quota4j.jdbc;

import dev.quota4j.spi.Bucket;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL 13+: {@code ON CONFLICT}, {@code RETURNING}, advisory locks, transactional DDL, and
 * reserve and commit as one call each of a PL/pgSQL function (schema V4).
 */
final class PostgresSql extends Sql {
  PostgresSql(Tables t) {
    super(t);
  }

  @Override
  JdbcDialect dialect() {
    return JdbcDialect.POSTGRESQL;
  }

  /**
   * PostgreSQL text cannot hold U+0000. Every string is stored with U+0000 as {@code ESC '0'} and
   * the escape character U+E000 (private use) as {@code ESC 'e'}: a bijection, so equality and
   * uniqueness of ids are kept. Id columns are {@code VARCHAR(510)} to leave room.
   */
  static final char ESC = '\uE000';

  @Override
  String text(String value) {
    if (value.indexOf('\u0000') < 0 && value.indexOf(ESC) < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\u0000') {
        out.append(ESC).append('0');
      } else if (c == ESC) {
        out.append(ESC).append('e');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @Override
  @Nullable String read(ResultSet rs, int column) throws SQLException {
    String v = rs.getString(column);
    if (v == null || v.indexOf(ESC) < 0) {
      return v;
    }
    StringBuilder out = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == ESC && i + 1 < v.length()) {
        out.append(v.charAt(++i) == '0' ? '\u0000' : ESC);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Byte order of UTF-8, which is code point order, whatever the database's collation. */
  @Override
  String idOrder(String column) {
    return column + " COLLATE \"C\"";
  }

  @Override
  List<String> dialectSchemaResources() {
    return List.of(dialect().schemaLocation() + "/V4__quota4j_admission_functions.sql");
  }

  @Override
  List<String> functions() {
    return List.of(t.reserveFunction, t.commitFunction);
  }

  @Override
  String visibleFunctions() {
    return "SELECT proname FROM pg_proc WHERE proname = ANY (CAST(? AS TEXT[]))"
        + " AND pg_function_is_visible(oid)";
  }

  @Override
  String reserveFunctionCall() {
    return "SELECT r_outcome, r_missed, r_used, r_reserved FROM "
        + t.reserveFunction
        + "("
        + params(6 + 8 + 1)
        + ")";
  }

  @Override
  String commitFunctionCall() {
    return "SELECT r_outcome, r_used FROM "
        + t.commitFunction
        + "("
        + params(EVENT_PARAMS + 7)
        + ")";
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
  String ensureStripes(int n) {
    return "INSERT INTO "
        + t.counterStripes
        + " ("
        + STRIPE_ROW_COLUMNS
        + ") VALUES "
        + String.join(", ", Collections.nCopies(n, "(?, ?, ?, ?, ?, ?, -1, 0, 0, 0)"))
        + " ON CONFLICT DO NOTHING";
  }

  @Override
  boolean updateReturns() {
    return true;
  }

  @Override
  boolean reservesStripeInOneStatement() {
    return true;
  }

  /**
   * Binds the key, limit, need, start, stripes, amount, the key. The stripes are tried from the
   * start round: a row is locked only when it is returned, so those not taken stay free.
   */
  @Override
  String reserveAnyStripe() {
    return "WITH s AS (SELECT stripe FROM "
        + t.counterStripes
        + " WHERE "
        + COUNTER_KEY
        + " AND limit_amount = ? AND reserved <= share - ? - used"
        + " ORDER BY MOD(stripe + ?, ?) LIMIT 1 FOR UPDATE SKIP LOCKED) UPDATE "
        + t.counterStripes
        + " c SET reserved = c.reserved + ? FROM s WHERE c.limit_id = ? AND c.subject_kind = ?"
        + " AND c.subject_id = ? AND c.window_start = ? AND c.stripe = s.stripe RETURNING c.stripe";
  }

  @Override
  String deleteReservationReturning(boolean onlyExpired) {
    return deleteReturning(onlyExpired);
  }

  String deleteReturning(boolean onlyExpired) {
    return "DELETE FROM "
        + t.reservations
        + " WHERE reservation_id = ?"
        + (onlyExpired ? " AND " + leaseEnded() : "")
        + " RETURNING subject_kind, subject_id, charges";
  }

  @Override
  String upsertAdding(
      String table, List<String> keys, List<String> others, List<String> sums, int rows) {
    List<String> columns = concat(keys, others, sums);
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(table)
            .append(" AS r (")
            .append(String.join(", ", columns))
            .append(") VALUES ")
            .append(
                String.join(", ", Collections.nCopies(rows, "(" + params(columns.size()) + ")")))
            .append(" ON CONFLICT (")
            .append(String.join(", ", keys))
            .append(") DO UPDATE SET ");
    for (int i = 0; i < sums.size(); i++) {
      String c = sums.get(i);
      sql.append(i == 0 ? "" : ", ").append(c).append(" = r.").append(c);
      sql.append(" + EXCLUDED.").append(c);
    }
    return sql.toString();
  }

  /** As the partial index on unrolled events is declared. */
  @Override
  String unrolled() {
    return "NOT rolled_up";
  }

  @Override
  String truncate(Bucket bucket, String column) {
    return "date_trunc('" + (bucket == Bucket.HOUR ? "hour" : "day") + "', " + column + ")";
  }

  @Override
  String upsertDaily() {
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(t.daily)
            .append(" AS d (")
            .append(DAILY_COLUMNS)
            .append(") VALUES (")
            .append(params(DAILY_PARAMS))
            .append(
                ") ON CONFLICT (day_start, subject_kind, subject_id, dims_hash) DO UPDATE SET ");
    for (int i = 0; i < DAILY_SUMS.length; i++) {
      String c = DAILY_SUMS[i];
      sql.append(i == 0 ? "" : ", ").append(c).append(" = d.").append(c);
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
  String insertUnlessPresent(String table, String columns, String values) {
    return "INSERT INTO "
        + table
        + " ("
        + columns
        + ") VALUES ("
        + values
        + ") ON CONFLICT DO NOTHING";
  }

  /**
   * {@code SET LOCAL work_mem = '64MB'}: a report groups a rollup and the events in one statement,
   * and with PostgreSQL's default 4 MB a report over many subjects sorts on disk (measured: 838,000
   * rows, 82 MB spilled, 2.2 times slower). {@code SET LOCAL} lasts until the report's transaction
   * ends, so the pool's connections keep their own setting for everything else.
   */
  @Override
  String reportSettings() {
    return "SET LOCAL work_mem = '64MB'";
  }

  /** Stable within a statement (unlike {@code clock_timestamp()}), so that indexes serve it. */
  @Override
  String utcNow() {
    return "(statement_timestamp() AT TIME ZONE 'UTC')";
  }

  @Override
  String plusMicros(String timestamp) {
    return "(" + timestamp + " + CAST(? AS BIGINT) * INTERVAL '1 microsecond')";
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
