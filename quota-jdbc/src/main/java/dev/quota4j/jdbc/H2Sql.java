package dev.quota4j.jdbc;

import dev.quota4j.spi.Bucket;
import java.util.Collections;
import java.util.List;

/**
 * H2 2.x: standard {@code MERGE ... USING}, data change delta tables ({@code OLD TABLE}), and a
 * unique violation that rolls back only its statement, so "insert unless present" is a plain insert
 * whose violation is caught.
 */
final class H2Sql extends Sql {
  private static final String TYPED_COUNTER_ROW =
      "(CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(16)), CAST(? AS VARCHAR(255)),"
          + " CAST(? AS TIMESTAMP(6)), CAST(? AS TIMESTAMP(6)), CAST(? AS BIGINT))";

  H2Sql(Tables t) {
    super(t);
  }

  /** H2 compares text as {@link String#compareTo} does (by UTF-16 code unit). */
  @Override
  int compareIds(String a, String b) {
    return a.compareTo(b);
  }

  @Override
  JdbcDialect dialect() {
    return JdbcDialect.H2;
  }

  /**
   * One {@code SELECT} per key joined by {@code UNION ALL}: H2 runs {@code (key 1) OR (key 2)} on a
   * composite primary key as a scan of the whole counters table (3 ms per commit with 20,000
   * counters), while each branch here is one primary-key lookup. Still one statement.
   */
  @Override
  String readCounters(int keys) {
    return String.join(
            " UNION ALL ",
            Collections.nCopies(
                keys,
                "SELECT limit_id, subject_kind, subject_id, window_start, used, reserved,"
                    + " 0 AS striped FROM "
                    + t.counters
                    + " WHERE "
                    + COUNTER_KEY))
        + " UNION ALL "
        + String.join(
            " UNION ALL ",
            Collections.nCopies(
                keys,
                "SELECT limit_id, subject_kind, subject_id, window_start, used, reserved, 1 FROM "
                    + t.counterStripes
                    + " WHERE "
                    + COUNTER_KEY));
  }

  @Override
  String ensureCounters(int rows) {
    return "MERGE INTO "
        + t.counters
        + " c USING (VALUES "
        + String.join(", ", Collections.nCopies(rows, TYPED_COUNTER_ROW))
        + ") s(limit_id, subject_kind, subject_id, window_start, window_end, limit_amount)"
        + " ON c.limit_id = s.limit_id AND c.subject_kind = s.subject_kind"
        + " AND c.subject_id = s.subject_id AND c.window_start = s.window_start"
        + " WHEN NOT MATCHED THEN INSERT ("
        + COUNTER_ROW_COLUMNS
        + ", used, reserved) VALUES (s.limit_id, s.subject_kind, s.subject_id, s.window_start,"
        + " s.window_end, s.limit_amount, 0, 0)";
  }

  @Override
  String ensureStripes(int n) {
    return "MERGE INTO "
        + t.counterStripes
        + " c USING (VALUES "
        + String.join(
            ", ",
            Collections.nCopies(
                n,
                "(CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(16)), CAST(? AS VARCHAR(255)),"
                    + " CAST(? AS TIMESTAMP(6)), CAST(? AS INTEGER), CAST(? AS TIMESTAMP(6)))"))
        + ") s(limit_id, subject_kind, subject_id, window_start, stripe, window_end)"
        + " ON c.limit_id = s.limit_id AND c.subject_kind = s.subject_kind"
        + " AND c.subject_id = s.subject_id AND c.window_start = s.window_start"
        + " AND c.stripe = s.stripe WHEN NOT MATCHED THEN INSERT ("
        + STRIPE_ROW_COLUMNS
        + ") VALUES (s.limit_id, s.subject_kind, s.subject_id, s.window_start, s.stripe,"
        + " s.window_end, -1, 0, 0, 0)";
  }

  @Override
  String deleteReservationReturning(boolean onlyExpired) {
    return "SELECT subject_kind, subject_id, charges FROM OLD TABLE (DELETE FROM "
        + t.reservations
        + " WHERE reservation_id = ?"
        + (onlyExpired ? " AND " + leaseEnded() : "")
        + ")";
  }

  /** Keys are a TIMESTAMP(6), the subject kind, then strings; others strings; sums BIGINT. */
  @Override
  String upsertAdding(
      String table, List<String> keys, List<String> others, List<String> sums, int rows) {
    List<String> columns = concat(keys, others, sums);
    StringBuilder row = new StringBuilder("(CAST(? AS TIMESTAMP(6)), CAST(? AS VARCHAR(16))");
    for (int i = 2; i < keys.size() + others.size(); i++) {
      row.append(", CAST(? AS VARCHAR(255))");
    }
    for (int i = 0; i < sums.size(); i++) {
      row.append(", CAST(? AS BIGINT)");
    }
    row.append(')');
    StringBuilder sql =
        new StringBuilder("MERGE INTO ")
            .append(table)
            .append(" r USING (VALUES ")
            .append(String.join(", ", Collections.nCopies(rows, row)))
            .append(") s(")
            .append(String.join(", ", columns))
            .append(") ON ");
    for (int i = 0; i < keys.size(); i++) {
      sql.append(i == 0 ? "" : " AND ").append("r.").append(keys.get(i));
      sql.append(" = s.").append(keys.get(i));
    }
    sql.append(" WHEN MATCHED THEN UPDATE SET ");
    for (int i = 0; i < sums.size(); i++) {
      String c = sums.get(i);
      sql.append(i == 0 ? "" : ", ").append(c).append(" = r.").append(c).append(" + s.").append(c);
    }
    sql.append(" WHEN NOT MATCHED THEN INSERT (").append(String.join(", ", columns));
    sql.append(") VALUES (s.").append(String.join(", s.", columns)).append(')');
    return sql.toString();
  }

  @Override
  String truncate(Bucket bucket, String column) {
    return "DATE_TRUNC('" + (bucket == Bucket.HOUR ? "HOUR" : "DAY") + "', " + column + ")";
  }

  @Override
  String upsertDaily() {
    StringBuilder sql =
        new StringBuilder("MERGE INTO ")
            .append(t.daily)
            .append(" d USING (VALUES (CAST(? AS TIMESTAMP(6)), CAST(? AS VARCHAR(16)),")
            .append(" CAST(? AS VARCHAR(255)), CAST(? AS CHAR(64)), CAST(? AS VARCHAR(16))");
    for (int i = 0; i < 6; i++) {
      sql.append(", CAST(? AS VARCHAR(255))");
    }
    for (int i = 0; i < DAILY_SUMS.length; i++) {
      sql.append(", CAST(? AS BIGINT)");
    }
    sql.append(", CAST(? AS VARCHAR(255))");
    sql.append(")) s(")
        .append(DAILY_COLUMNS)
        .append(") ON d.day_start = s.day_start AND d.subject_kind = s.subject_kind")
        .append(" AND d.subject_id = s.subject_id AND d.dims_hash = s.dims_hash")
        .append(" WHEN MATCHED THEN UPDATE SET ");
    for (int i = 0; i < DAILY_SUMS.length; i++) {
      String c = DAILY_SUMS[i];
      sql.append(i == 0 ? "" : ", ").append(c).append(" = d.").append(c).append(" + s.").append(c);
    }
    sql.append(" WHEN NOT MATCHED THEN INSERT (").append(DAILY_COLUMNS).append(") VALUES (");
    sql.append("s.").append(DAILY_COLUMNS.replace(", ", ", s.")).append(')');
    return sql.toString();
  }

  @Override
  String upsertSubject() {
    return "MERGE INTO "
        + t.subjects
        + " ("
        + SUBJECT_COLUMNS
        + ") KEY (subject_kind, subject_id) VALUES ("
        + params(7)
        + ")";
  }

  @Override
  String insertUnlessPresent(String table, String columns, String values) {
    return "INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ")";
  }

  @Override
  boolean insertRaisesOnDuplicate() {
    return true;
  }

  @Override
  String utcNow() {
    return "CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP(6))";
  }

  @Override
  String plusMicros(String timestamp) {
    return "DATEADD(MICROSECOND, CAST(? AS BIGINT), " + timestamp + ")";
  }

  @Override
  String currentUtcTime() {
    return "SELECT CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP(6))";
  }

  @Override
  boolean transactionalDdl() {
    return false;
  }
}
