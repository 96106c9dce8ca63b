package dev.quota4j.jdbc;

import java.util.Collections;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of one dialect. Standard SQL that every supported database runs lives here; what differs
 * (upserts, "insert unless present", {@code RETURNING}, install locks) is overridden in exactly one
 * subclass per database. All table names come from {@link Tables}, whose prefix is validated, and
 * every value is a bind parameter.
 */
abstract class Sql {
  static final String COUNTER_KEY =
      "limit_id = ? AND subject_kind = ? AND subject_id = ? AND window_start = ?";

  static final String EVENT_COLUMNS =
      "event_id, reservation_id, closes_reservation, event_time, status, subject_kind, subject_id,"
          + " api_key, provider_key, tenant, workflow_id, session_id, operation, provider, model,"
          + " agent, tool, input_tokens, output_tokens, cached_tokens, characters, cost_micros,"
          + " estimated_tokens, error_code, error_message, tags";
  static final int EVENT_PARAMS = 26;

  static final String HOURLY_COLUMNS =
      "hour_start, subject_kind, dims_hash, provider, model, operation, requests, errors, denials,"
          + " input_tokens, output_tokens, cached_tokens, characters, cost_micros";
  static final String[] HOURLY_SUMS = {
    "requests",
    "errors",
    "denials",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "characters",
    "cost_micros"
  };

  static final String SUBJECT_COLUMNS =
      "subject_kind, subject_id, plan, overrides, active, created_at, updated_at";

  static final String RESERVATION_COLUMNS =
      "reservation_id, subject_kind, subject_id, charges, created_at, lease_until";

  static final String COUNTER_ROW_COLUMNS =
      "limit_id, subject_kind, subject_id, window_start, window_end, limit_amount";

  final Tables t;

  Sql(Tables t) {
    this.t = t;
  }

  abstract JdbcDialect dialect();

  /** The versioned schema script, on the class path. */
  String schemaResource() {
    return dialect().schemaLocation() + "/V1__quota4j_schema.sql";
  }

  // ---- counters ----------------------------------------------------------------------------

  /**
   * Creates the counter rows that do not exist yet, {@code rows} of them, each bound as {@link
   * #COUNTER_ROW_COLUMNS}; existing rows are left as they are. Rows are given in lock order.
   */
  abstract String ensureCounters(int rows);

  /** Whether {@link #reserveCounter} and {@link #settleCounter} end in a {@code RETURNING}. */
  boolean updateReturns() {
    return false;
  }

  /**
   * The conditional update of one charge: {@code reserved += amount} when {@code reserved <= cap -
   * used}, where {@code cap = limit - need} is computed by the caller so no sum can overflow. Binds
   * amount, limit, the key, cap. The row count (or the returned row) is the answer.
   */
  String reserveCounter() {
    return "UPDATE "
        + t.counters
        + " SET reserved = reserved + ?, limit_amount = ? WHERE "
        + COUNTER_KEY
        + " AND reserved <= ? - used"
        + returning("used, reserved");
  }

  /**
   * Whether an update's row count counts only rows it changed (MySQL's "affected rows" when the
   * client asks for it) rather than rows it matched. Then a charge of zero is checked with {@link
   * #checkCounterForUpdate} instead, since adding zero changes nothing.
   */
  boolean rowCountMayBeAffectedRows() {
    return false;
  }

  /** Locks a counter and returns a row when {@code reserved <= cap - used}. Binds the key, cap. */
  String checkCounterForUpdate() {
    return "SELECT used, reserved FROM "
        + t.counters
        + " WHERE "
        + COUNTER_KEY
        + " AND reserved <= ? - used FOR UPDATE";
  }

  /**
   * Takes a reserved amount off (never below zero) and adds an actual amount to used. Binds
   * reserved, actual, the key.
   */
  String settleCounter() {
    return "UPDATE "
        + t.counters
        + " SET reserved = GREATEST(reserved - ?, 0), used = used + ? WHERE "
        + COUNTER_KEY
        + returning("used, reserved");
  }

  /** Reads {@code keys} counters; binds the key {@code keys} times. */
  String readCounters(int keys) {
    return "SELECT limit_id, subject_kind, subject_id, window_start, used, reserved FROM "
        + t.counters
        + " WHERE "
        + String.join(" OR ", Collections.nCopies(keys, "(" + COUNTER_KEY + ")"));
  }

  // ---- reservations -------------------------------------------------------------------------

  /** Inserts a reservation unless one with its id exists; binds {@link #RESERVATION_COLUMNS}. */
  String insertReservation() {
    return insertUnlessPresent(t.reservations, RESERVATION_COLUMNS, 6);
  }

  /**
   * Deletes a reservation and returns its {@code subject_kind, subject_id, charges}; binds the id
   * and, when {@code onlyExpired}, the instant the lease must have ended before. Null when the
   * dialect cannot return deleted rows: then {@link #lockReservation} and {@link
   * #deleteReservation} are used.
   */
  @Nullable String deleteReservationReturning(boolean onlyExpired) {
    return null;
  }

  String lockReservation(boolean onlyExpired) {
    return "SELECT subject_kind, subject_id, charges FROM "
        + t.reservations
        + " WHERE reservation_id = ?"
        + (onlyExpired ? " AND lease_until < ?" : "")
        + " FOR UPDATE";
  }

  String deleteReservation() {
    return "DELETE FROM " + t.reservations + " WHERE reservation_id = ?";
  }

  /** Expired reservations, oldest lease first; binds now, then the most rows. */
  String expiredReservations() {
    return "SELECT reservation_id, charges FROM "
        + t.reservations
        + " WHERE lease_until < ? ORDER BY lease_until LIMIT ?";
  }

  /** Moves a live lease; binds the new end, the id, now. */
  String extendLease() {
    return "UPDATE "
        + t.reservations
        + " SET lease_until = ? WHERE reservation_id = ? AND lease_until >= ?";
  }

  // ---- ledger -------------------------------------------------------------------------------

  /** Appends an event unless its id (or the reservation it closes) is already in the ledger. */
  String insertEvent() {
    return insertUnlessPresent(t.events, EVENT_COLUMNS, EVENT_PARAMS);
  }

  /**
   * Adds one event's amounts to its hourly rollup row; binds {@link #HOURLY_COLUMNS} (the sums as
   * increments).
   */
  abstract String upsertHourly();

  String selectEvents(boolean bySubject, boolean byWorkflow) {
    return "SELECT "
        + EVENT_COLUMNS
        + " FROM "
        + t.events
        + " WHERE event_time >= ? AND event_time < ?"
        + (bySubject ? " AND subject_kind = ? AND subject_id = ?" : "")
        + (byWorkflow ? " AND workflow_id = ?" : "")
        + " ORDER BY event_time, seq LIMIT ?";
  }

  // ---- subjects -----------------------------------------------------------------------------

  String insertSubjectUnlessPresent() {
    return insertUnlessPresent(t.subjects, SUBJECT_COLUMNS, 7);
  }

  /** Creates or replaces a subject; binds {@link #SUBJECT_COLUMNS}. */
  abstract String upsertSubject();

  String selectSubject() {
    return "SELECT "
        + SUBJECT_COLUMNS
        + " FROM "
        + t.subjects
        + " WHERE subject_kind = ? AND subject_id = ?";
  }

  // ---- the rest -----------------------------------------------------------------------------

  /**
   * An insert that skips the row when a unique key is taken, with row count 0. When this returns a
   * plain insert ({@link #insertRaisesOnDuplicate()}), the caller catches the violation, which in
   * that dialect does not abort the transaction.
   */
  abstract String insertUnlessPresent(String table, String columns, int params);

  /** Whether {@link #insertUnlessPresent} raises a unique violation on a duplicate. */
  boolean insertRaisesOnDuplicate() {
    return false;
  }

  /** The database's current time in UTC, as one {@code TIMESTAMP} column. */
  abstract String currentUtcTime();

  /**
   * A statement that takes a lock held until the installing transaction ends, so two processes do
   * not install at once; null when the dialect needs none.
   */
  @Nullable String installLock() {
    return null;
  }

  /** Whether DDL takes part in transactions (otherwise each statement commits by itself). */
  boolean transactionalDdl() {
    return false;
  }

  /** A string as bound: the identity, except where the database cannot hold every character. */
  String text(String value) {
    return value;
  }

  /** A string column as read back: undoes {@link #text}. */
  @Nullable String read(java.sql.ResultSet rs, int column) throws java.sql.SQLException {
    return rs.getString(column);
  }

  String returning(String columns) {
    return updateReturns() ? " RETURNING " + columns : "";
  }

  static String params(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }
}
