package dev.quota4j.jdbc;

import dev.quota4j.QuotaException;
import dev.quota4j.QuotaStoreRefusedException;
import dev.quota4j.QuotaStoreUnavailableException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Sorts SQL failures into "try the transaction again", "the database refused this data" and "the
 * store is unavailable".
 */
final class Failures {
  private Failures() {}

  /**
   * Serialization failure, deadlock or lock wait timeout: the transaction was rolled back by the
   * database and may simply be run again.
   */
  static boolean isRetryable(SQLException e) {
    for (SQLException s = e; s != null; s = s.getNextException()) {
      String state = state(s);
      int code = s.getErrorCode();
      if (state.startsWith("40") // 40001 serialization failure, 40P01 deadlock (SQL standard)
          || state.equals("55P03") // PostgreSQL lock_not_available
          || code == 1213 // MySQL/MariaDB deadlock
          || code == 1205 // MySQL/MariaDB lock wait timeout
          || code == 50200 // H2 lock timeout
          || code == 90131 // H2 concurrent update
          || code == 40001) { // H2 deadlock
        return true;
      }
      if (s.getNextException() == s) {
        break;
      }
    }
    return false;
  }

  /** A unique or primary key violation. */
  static boolean isUniqueViolation(SQLException e) {
    String state = state(e);
    return state.equals("23505") || e.getErrorCode() == 1062 || e.getErrorCode() == 23505;
  }

  /** The connection failed or could not be had. */
  static boolean isConnectionFailure(SQLException e) {
    return e instanceof SQLTransientConnectionException
        || e instanceof SQLNonTransientConnectionException
        || e instanceof SQLRecoverableException
        || state(e).startsWith("08");
  }

  /** A table, column or function is missing: the schema was not installed or was dropped. */
  static boolean isMissingSchema(SQLException e) {
    String state = state(e);
    return state.equals("42P01") // PostgreSQL undefined_table
        || state.equals("42703") // PostgreSQL undefined_column
        || state.equals("42883") // PostgreSQL undefined_function (schema V4 not installed)
        || state.equals("42S02") // MySQL/MariaDB/H2 table not found
        || state.equals("42S22") // column not found
        || e.getErrorCode() == 42102 // H2 table not found
        || e.getErrorCode() == 42104; // H2 table not found (with candidates)
  }

  /** The statement was cancelled on the server: its statement timeout ran out, or a cancel. */
  static boolean isCancelled(SQLException e) {
    int code = e.getErrorCode();
    return state(e).equals("57014") // PostgreSQL query_canceled
        || state(e).equals("70100") // MariaDB max_statement_time (1969), KILL QUERY (1317)
        || code == 1969
        || code == 3024 // MySQL max_execution_time
        || code == 57014; // H2 statement canceled
  }

  /**
   * The database answered and refused the statement's data: SQLState class 22 (data exception, such
   * as 22003 numeric value out of range: a counter that would overflow), class 23 (a constraint)
   * other than a unique violation, MariaDB/MySQL 1264 or 1690 (value out of range). Not an outage:
   * the same data would be refused again.
   */
  static boolean isRefusal(SQLException e) {
    for (SQLException s = e; s != null; s = s.getNextException()) {
      String state = state(s);
      int code = s.getErrorCode();
      if (state.startsWith("22")
          || (state.startsWith("23") && !isUniqueViolation(s))
          || code == 1264
          || code == 1690) {
        return true;
      }
      if (s.getNextException() == s) {
        break;
      }
    }
    return false;
  }

  /**
   * {@link #unavailable}, or a {@link QuotaStoreRefusedException} naming the operation when the
   * database refused the statement's data ({@link #isRefusal}).
   */
  static QuotaException failure(
      String operation, JdbcDialect dialect, Tables tables, SQLException e) {
    if (isRefusal(e)) {
      return new QuotaStoreRefusedException(
          "quota store refused the data of "
              + operation
              + " on "
              + dialect.displayName()
              + " ("
              + describe(e)
              + "); nothing was changed, and the same data would be refused again",
          e);
    }
    return unavailable(operation, dialect, tables, e);
  }

  static QuotaStoreUnavailableException unavailable(
      String operation, JdbcDialect dialect, Tables tables, SQLException e) {
    return unavailable(operation, dialect, tables, e, false);
  }

  /**
   * {@code outcomeUnknown}: the connection failed while the database may have been committing (see
   * {@link Db.OutcomeUnknown}); the message then says what may have happened and what to do,
   * instead of "nothing was changed".
   */
  static QuotaStoreUnavailableException unavailable(
      String operation,
      JdbcDialect dialect,
      Tables tables,
      SQLException e,
      boolean outcomeUnknown) {
    String what;
    if (isConnectionFailure(e)) {
      what = "cannot reach the database";
    } else if (isCancelled(e)) {
      what = "the database cancelled the statement (its statement timeout ran out, or a cancel)";
    } else if (state(e).equals("42883")) {
      what =
          "a quota4j function is missing (prefix '"
              + tables.prefix
              + "'): install the schema with SchemaMode.INSTALL or the Flyway scripts";
    } else if (isMissingSchema(e)) {
      what =
          "a quota4j table is missing (prefix '"
              + tables.prefix
              + "'): install the schema with SchemaMode.INSTALL or the Flyway scripts";
    } else if (isRetryable(e)) {
      what = "the transaction kept conflicting with others and was given up";
    } else {
      what = "the database refused the statement";
    }
    return new QuotaStoreUnavailableException(
        "quota store unavailable: "
            + operation
            + " on "
            + dialect.displayName()
            + ": "
            + what
            + " ("
            + describe(e)
            + "); "
            + (outcomeUnknown ? unknownOutcome(operation) : "nothing was changed"),
        e);
  }

  /** What may have happened to an operation whose connection failed while it was committing. */
  private static String unknownOutcome(String operation) {
    return switch (operation) {
      case "commit" -> "it may have been applied; retry the commit — it is idempotent";
      case "record" ->
          "it may have been applied; retry the record with the same event id — it is idempotent";
      case "reserve" ->
          "the reservation may have been made: if so, it holds its capacity until its lease ends,"
              + " then it is reclaimed; it is never counted as usage";
      default -> "it may have been applied";
    };
  }

  /** SQLState, vendor code and the driver's message, on one line. */
  static String describe(SQLException e) {
    String msg = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\s+", " ").trim();
    if (msg.length() > 300) {
      msg = msg.substring(0, 300) + "...";
    }
    return "SQLState " + (e.getSQLState() == null ? "none" : e.getSQLState()) + ": " + msg;
  }

  private static String state(@Nullable SQLException e) {
    String s = e == null ? null : e.getSQLState();
    return s == null ? "" : s.toUpperCase(Locale.ROOT);
  }
}
