package dev.quota4j.jdbc;

import dev.quota4j.spi.Bucket;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * MySQL 8 and MariaDB 10.6+: {@code ON DUPLICATE KEY UPDATE}, {@code INSERT IGNORE}; MariaDB also
 * returns deleted rows. Ensuring a counter uses {@code ON DUPLICATE KEY UPDATE used = used}, not
 * {@code INSERT IGNORE}: it takes the row's exclusive lock at once, where {@code INSERT IGNORE}
 * takes a shared lock that two transactions would both try to upgrade (a deadlock).
 */
final class MySqlSql extends Sql {
  private final JdbcDialect dialect;

  MySqlSql(Tables t, JdbcDialect dialect) {
    super(t);
    this.dialect = dialect;
  }

  @Override
  JdbcDialect dialect() {
    return dialect;
  }

  @Override
  String ensureCounters(int rows) {
    return "INSERT INTO "
        + t.counters
        + " ("
        + COUNTER_ROW_COLUMNS
        + ", used, reserved) VALUES "
        + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?, ?, ?, 0, 0)"))
        + " ON DUPLICATE KEY UPDATE used = used";
  }

  /** MySQL and MariaDB cast to {@code SIGNED}, not to SQL types, and need no cast here. */
  @Override
  String typedParameter(String type) {
    return "?";
  }

  /** {@code ON DUPLICATE KEY UPDATE}: existing stripes are locked exclusively, in order. */
  @Override
  String ensureStripes(int n) {
    return "INSERT INTO "
        + t.counterStripes
        + " ("
        + STRIPE_ROW_COLUMNS
        + ") VALUES "
        + String.join(", ", Collections.nCopies(n, "(?, ?, ?, ?, ?, ?, -1, 0, 0, 0)"))
        + " ON DUPLICATE KEY UPDATE used = used";
  }

  @Override
  boolean rowCountMayBeAffectedRows() {
    return true;
  }

  @Override
  @Nullable String deleteReservationReturning(boolean onlyExpired) {
    if (dialect != JdbcDialect.MARIADB) {
      return null;
    }
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
            .append(" (")
            .append(String.join(", ", columns))
            .append(") VALUES ")
            .append(
                String.join(", ", Collections.nCopies(rows, "(" + params(columns.size()) + ")")))
            .append(" ON DUPLICATE KEY UPDATE ");
    for (int i = 0; i < sums.size(); i++) {
      String c = sums.get(i);
      sql.append(i == 0 ? "" : ", ").append(c).append(" = ").append(c);
      sql.append(" + VALUES(").append(c).append(')');
    }
    return sql.toString();
  }

  @Override
  String truncate(Bucket bucket, String column) {
    return bucket == Bucket.HOUR
        ? "CAST(DATE_FORMAT(" + column + ", '%Y-%m-%d %H:00:00') AS DATETIME(6))"
        : "CAST(DATE(" + column + ") AS DATETIME(6))";
  }

  @Override
  String upsertDaily() {
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(t.daily)
            .append(" (")
            .append(DAILY_COLUMNS)
            .append(") VALUES (")
            .append(params(DAILY_PARAMS))
            .append(") ON DUPLICATE KEY UPDATE ");
    for (int i = 0; i < DAILY_SUMS.length; i++) {
      String c = DAILY_SUMS[i];
      sql.append(i == 0 ? "" : ", ").append(c).append(" = ").append(c);
      sql.append(" + VALUES(").append(c).append(')');
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
        + ") ON DUPLICATE KEY UPDATE plan = VALUES(plan), overrides = VALUES(overrides),"
        + " active = VALUES(active), created_at = VALUES(created_at),"
        + " updated_at = VALUES(updated_at)";
  }

  @Override
  String insertUnlessPresent(String table, String columns, String values) {
    // IGNORE also turns other errors into warnings; every value is validated before it gets here
    return "INSERT IGNORE INTO " + table + " (" + columns + ") VALUES (" + values + ")";
  }

  @Override
  String utcNow() {
    return "UTC_TIMESTAMP(6)";
  }

  @Override
  String plusMicros(String timestamp) {
    return "TIMESTAMPADD(MICROSECOND, ?, " + timestamp + ")";
  }

  @Override
  String currentUtcTime() {
    return "SELECT UTC_TIMESTAMP(6)";
  }

  @Override
  String installLock() {
    return "SELECT GET_LOCK('quota4j_install_" + t.prefix + "', 60)";
  }
}
