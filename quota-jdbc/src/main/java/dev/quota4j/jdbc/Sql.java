package dev.quota4j.jdbc;

import dev.quota4j.spi.Bucket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
          + " estimated_tokens, error_code, error_message, tags, cache_write_tokens";
  static final int EVENT_PARAMS = 27;

  static final String SUBJECT_COLUMNS =
      "subject_kind, subject_id, plan, overrides, active, created_at, updated_at";

  static final String RESERVATION_COLUMNS =
      "reservation_id, subject_kind, subject_id, charges, created_at, lease_until";

  /**
   * What {@link #insertReservation} writes besides {@link #RESERVATION_COLUMNS}: the store instance
   * that made it, bound, and its lease end by the database's clock, computed from the bound length
   * of the lease in microseconds (schema V5).
   */
  static final String LEASE_COLUMNS = "lease_owner, db_lease_until";

  static final String COUNTER_ROW_COLUMNS =
      "limit_id, subject_kind, subject_id, window_start, window_end, limit_amount";

  final Tables t;

  Sql(Tables t) {
    this.t = t;
  }

  abstract JdbcDialect dialect();

  /**
   * The versioned schema scripts, on the class path, in the order they run: V1 to V3, the dialect's
   * own ({@link #dialectSchemaResources}), then V5 (lease ends by the database's clock), V6 (report
   * pages, denial codes in the daily summaries), V7 (prompt-cache writes in the ledger) and V8 (hot
   * counters in stripes).
   */
  final List<String> schemaResources() {
    List<String> out = new ArrayList<>();
    out.add(dialect().schemaLocation() + "/V1__quota4j_schema.sql");
    out.add(dialect().schemaLocation() + "/V2__quota4j_daily_summaries.sql");
    out.add(dialect().schemaLocation() + "/V3__quota4j_compaction.sql");
    out.addAll(dialectSchemaResources());
    out.add(dialect().schemaLocation() + "/V5__quota4j_lease_clock.sql");
    out.add(dialect().schemaLocation() + "/V6__quota4j_report_pages.sql");
    out.add(dialect().schemaLocation() + "/V7__quota4j_cache_writes.sql");
    out.add(dialect().schemaLocation() + "/V8__quota4j_stripes.sql");
    return out;
  }

  /** Scripts only this dialect has, run after V3 (PostgreSQL's V4); none by default. */
  List<String> dialectSchemaResources() {
    return List.of();
  }

  /**
   * The database functions the schema scripts install and the store calls (PostgreSQL's admission
   * functions); none by default.
   */
  List<String> functions() {
    return List.of();
  }

  /**
   * Returns the names, among those bound as one array, of the functions the session can call; null
   * when the dialect installs none.
   */
  @Nullable String visibleFunctions() {
    return null;
  }

  // ---- admission in one statement -----------------------------------------------------------

  /**
   * Calls the reserve function: binds the reservation row ({@link #RESERVATION_COLUMNS}), then per
   * charge in lock order the arrays limit id, subject kind, subject id, window start, window end,
   * limit, amount, cap. Returns one row: outcome (0 granted, 1 rejected, 2 duplicate id), the
   * 1-based position of the charge that missed, and per charge {@code used} and {@code reserved}.
   * Null when the dialect reserves statement by statement.
   */
  @Nullable String reserveFunctionCall() {
    return null;
  }

  /**
   * Calls the commit function: binds the ledger row ({@link #EVENT_COLUMNS}), then per distinct
   * counter in lock order the arrays limit id, subject kind, subject id, window start, window end,
   * limit, actual amount. Returns one row: outcome (0 applied, 1 already applied, 2 applied late)
   * and per counter {@code used} afterwards. Null when the dialect commits statement by statement.
   */
  @Nullable String commitFunctionCall() {
    return null;
  }

  /**
   * The SQLSTATE the commit function raises when the caller must commit statement by statement, and
   * (schema V8) the reserve function when a counter is kept in stripes; the call changed nothing.
   */
  static final String COMMIT_BY_STATEMENTS = "Q4J01";

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
        + " AND reserved <= ? - used AND stripes = 1"
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
        + " AND reserved <= ? - used AND stripes = 1 FOR UPDATE";
  }

  /**
   * Takes a reserved amount off (never below zero) and adds an actual amount to used, unless the
   * counter is kept in stripes and the actual amount is more than the reserved one (that takes
   * {@link Stripes}). Binds reserved, actual, the key, actual, reserved.
   */
  String settleCounter() {
    return "UPDATE "
        + t.counters
        + " SET reserved = GREATEST(reserved - ?, 0), used = used + ? WHERE "
        + COUNTER_KEY
        + " AND (stripes = 1 OR ? <= ?)"
        + returning("used, reserved");
  }

  /**
   * Reads {@code keys} counters: limit id, subject kind, subject id, window start, used, reserved
   * and 1 for a stripe row, else 0 (one row per counter and per stripe of it). Binds the key {@code
   * keys} times, then again {@code keys} times.
   */
  String readCounters(int keys) {
    String where = String.join(" OR ", Collections.nCopies(keys, "(" + COUNTER_KEY + ")"));
    return "SELECT limit_id, subject_kind, subject_id, window_start, used, reserved, 0 AS striped"
        + " FROM "
        + t.counters
        + " WHERE "
        + where
        + " UNION ALL SELECT limit_id, subject_kind, subject_id, window_start, used, reserved, 1"
        + " FROM "
        + t.counterStripes
        + " WHERE "
        + where;
  }

  // ---- stripes (schema V8) ------------------------------------------------------------------

  /** Whether {@link #reserveAnyStripe} picks and charges a stripe in one statement. */
  boolean reservesStripeInOneStatement() {
    return false;
  }

  /**
   * Picks a stripe with room, skipping stripes other transactions hold: one whose limit is the
   * charge's and whose {@code share - used - reserved} is at least the bound need, lowest stripe
   * number from a bound start. Binds the key, limit, need, start. Locks the row it returns.
   */
  String pickStripe() {
    return "SELECT stripe FROM "
        + t.counterStripes
        + " WHERE "
        + COUNTER_KEY
        + " AND limit_amount = ? AND reserved <= share - ? - used AND stripe >= ?"
        + " ORDER BY stripe LIMIT 1 FOR UPDATE SKIP LOCKED";
  }

  /**
   * Picks and charges a stripe as {@link #pickStripe} in one statement, returning its number, or
   * null when the dialect needs two ({@link #reservesStripeInOneStatement}).
   */
  @Nullable String reserveAnyStripe() {
    return null;
  }

  /** Adds to {@code reserved} of one stripe; binds amount, the key, stripe. */
  String addToStripe() {
    return "UPDATE "
        + t.counterStripes
        + " SET reserved = reserved + ? WHERE "
        + COUNTER_KEY
        + " AND stripe = ?";
  }

  /**
   * Settles one stripe as {@link #settleCounter} a counter, and only when the actual amount is at
   * most the reserved one or the stripe's share still covers it. Binds reserved, actual, the key,
   * stripe, actual, reserved, actual, reserved.
   */
  String settleStripe() {
    return "UPDATE "
        + t.counterStripes
        + " SET reserved = GREATEST(reserved - ?, 0), used = used + ? WHERE "
        + COUNTER_KEY
        + " AND stripe = ? AND (? <= ? OR used + ? + GREATEST(reserved - ?, 0) <= share)";
  }

  /** Locks a counter row; returns used, reserved, stripes. Binds the key. */
  String lockHeader() {
    return "SELECT used, reserved, stripes FROM "
        + t.counters
        + " WHERE "
        + COUNTER_KEY
        + " FOR UPDATE";
  }

  /** Locks every stripe of a counter in stripe order; returns stripe, used, reserved. */
  String lockStripes() {
    return "SELECT stripe, used, reserved FROM "
        + t.counterStripes
        + " WHERE "
        + COUNTER_KEY
        + " ORDER BY stripe FOR UPDATE";
  }

  /** {@link #lockStripes} from a stripe number on; binds the key, the number. */
  String lockStripesFrom() {
    return "SELECT stripe, used, reserved FROM "
        + t.counterStripes
        + " WHERE "
        + COUNTER_KEY
        + " AND stripe >= ? ORDER BY stripe FOR UPDATE";
  }

  /**
   * Creates the stripes that do not exist yet, {@code n} of them in stripe order, empty and to be
   * cut (limit -1, share 0); binds per stripe the key, stripe, window end. Existing stripes are
   * left as they are.
   */
  abstract String ensureStripes(int n);

  static final String STRIPE_ROW_COLUMNS =
      "limit_id, subject_kind, subject_id, window_start, stripe, window_end, limit_amount, share,"
          + " used, reserved";

  /** Sets a counter row; binds used, reserved, limit, stripes, the key. */
  String setHeader() {
    return "UPDATE "
        + t.counters
        + " SET used = ?, reserved = ?, limit_amount = ?, stripes = ? WHERE "
        + COUNTER_KEY;
  }

  /**
   * Sets every stripe of a counter; binds the limit, then {@code n} times stripe and share, {@code
   * n} times stripe and used, {@code n} times stripe and reserved, then the key.
   */
  String setStripes(int n) {
    return "UPDATE "
        + t.counterStripes
        + " SET limit_amount = ?, share = "
        + caseOfStripe(n, "share")
        + ", used = "
        + caseOfStripe(n, "used")
        + ", reserved = "
        + caseOfStripe(n, "reserved")
        + " WHERE "
        + COUNTER_KEY;
  }

  private String caseOfStripe(int n, String column) {
    return "CASE stripe"
        + (" WHEN " + typedParameter("INTEGER") + " THEN " + typedParameter("BIGINT")).repeat(n)
        + " ELSE "
        + column
        + " END";
  }

  /** A bind parameter of an SQL type where the database cannot infer it ({@code CAST}). */
  String typedParameter(String type) {
    return "CAST(? AS " + type + ")";
  }

  /**
   * Makes every stripe of a counter cut its shares again before the next admission (after its usage
   * was changed by maintenance); binds the key.
   */
  String invalidateStripes() {
    return "UPDATE " + t.counterStripes + " SET limit_amount = -1 WHERE " + COUNTER_KEY;
  }

  /** Sets {@code used} of every stripe of a counter and invalidates them; binds used, the key. */
  String setStripesUsed() {
    return "UPDATE " + t.counterStripes + " SET used = ?, limit_amount = -1 WHERE " + COUNTER_KEY;
  }

  /** Deletes the stripes of a counter that hold nothing reserved; binds the key. */
  String deleteIdleStripes() {
    return "DELETE FROM " + t.counterStripes + " WHERE " + COUNTER_KEY + " AND reserved = 0";
  }

  /** Replaces a reservation's packed charges; binds the charges, the id. */
  String setReservationCharges() {
    return "UPDATE " + t.reservations + " SET charges = ? WHERE reservation_id = ?";
  }

  // ---- reservations -------------------------------------------------------------------------

  /**
   * Inserts a reservation unless one with its id exists; binds {@link #RESERVATION_COLUMNS}, the
   * store instance, the lease's length in microseconds.
   */
  String insertReservation() {
    return insertUnlessPresent(
        t.reservations,
        RESERVATION_COLUMNS + ", " + LEASE_COLUMNS,
        params(7) + ", " + plusMicros(utcNow()));
  }

  /**
   * The lease has ended: by the caller's clock when the calling store instance made the
   * reservation, otherwise (and for rows of a quota4j before schema V5, which have no owner and no
   * database lease end) by the database's clock. Binds the store instance, the caller's now.
   */
  String leaseEnded() {
    return "((lease_owner = ? AND lease_until < ?) OR COALESCE(db_lease_until, lease_until) < "
        + utcNow()
        + ")";
  }

  /** The negation of {@link #leaseEnded}; binds the store instance, the caller's now. */
  String leaseLive() {
    return "((lease_owner IS NULL OR lease_owner <> ? OR lease_until >= ?)"
        + " AND COALESCE(db_lease_until, lease_until) >= "
        + utcNow()
        + ")";
  }

  /**
   * {@link #readCounters} with an eighth column, 1 when some reservation's lease has ended ({@link
   * #leaseEnded}, each branch an index lookup), else 0. Binds the store instance, the caller's now,
   * then the keys as {@link #readCounters} does.
   */
  String readCountersNoticingEndedLeases(int keys) {
    String now = utcNow();
    return "SELECT q.limit_id, q.subject_kind, q.subject_id, q.window_start, q.used, q.reserved,"
        + " q.striped, CASE WHEN EXISTS (SELECT 1 FROM "
        + t.reservations
        + " WHERE lease_owner = ? AND lease_until < ?) OR EXISTS (SELECT 1 FROM "
        + t.reservations
        + " WHERE db_lease_until < "
        + now
        + ") OR EXISTS (SELECT 1 FROM "
        + t.reservations
        + " WHERE db_lease_until IS NULL AND lease_until < "
        + now
        + ") THEN 1 ELSE 0 END FROM ("
        + readCounters(keys)
        + ") q";
  }

  /**
   * Deletes a reservation and returns its {@code subject_kind, subject_id, charges}; binds the id
   * and, when {@code onlyExpired} (only if its lease ended: {@link #leaseEnded}), the store
   * instance and now. Null when the dialect cannot return deleted rows: then {@link
   * #lockReservation} and {@link #deleteReservation} are used.
   */
  @Nullable String deleteReservationReturning(boolean onlyExpired) {
    return null;
  }

  String lockReservation(boolean onlyExpired) {
    return "SELECT subject_kind, subject_id, charges FROM "
        + t.reservations
        + " WHERE reservation_id = ?"
        + (onlyExpired ? " AND " + leaseEnded() : "")
        + " FOR UPDATE";
  }

  String deleteReservation() {
    return "DELETE FROM " + t.reservations + " WHERE reservation_id = ?";
  }

  /**
   * Reservations whose lease ended ({@link #leaseEnded}), oldest lease first; binds the store
   * instance, now, then the most rows.
   */
  String expiredReservations() {
    return "SELECT reservation_id, charges FROM "
        + t.reservations
        + " WHERE "
        + leaseEnded()
        + " ORDER BY lease_until LIMIT ?";
  }

  /**
   * Moves a live lease ({@link #leaseLive}); binds the new end, the lease's new length in
   * microseconds (for its end by the database's clock), the id, the store instance, now.
   */
  String extendLease() {
    return "UPDATE "
        + t.reservations
        + " SET lease_until = ?, db_lease_until = "
        + plusMicros(utcNow())
        + " WHERE reservation_id = ? AND "
        + leaseLive();
  }

  // ---- ledger -------------------------------------------------------------------------------

  /** Appends an event unless its id (or the reservation it closes) is already in the ledger. */
  String insertEvent() {
    return insertUnlessPresent(t.events, EVENT_COLUMNS, EVENT_PARAMS);
  }

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

  // ---- reports, administration and retention ------------------------------------------------

  static final String OUTCOME_STATUSES = "('SUCCESS', 'ERROR', 'QUOTA_EXCEEDED')";
  static final String USAGE_STATUSES = "('SUCCESS', 'ERROR')";

  static final String DAILY_COLUMNS =
      "day_start, subject_kind, subject_id, dims_hash, status, operation, provider, model, agent,"
          + " tool, provider_key, events, input_tokens, output_tokens, cached_tokens, characters,"
          + " cost_micros, error_code";
  static final int DAILY_PARAMS = 18;
  static final String[] DAILY_SUMS = {
    "events", "input_tokens", "output_tokens", "cached_tokens", "characters", "cost_micros"
  };

  /** {@code column} (a UTC timestamp) truncated to the start of its hour or day. */
  abstract String truncate(Bucket bucket, String column);

  /** Every rollup, in the order compaction writes them and aggregates prefer them. */
  final List<Rollup> rollups() {
    return Rollup.all(t);
  }

  /**
   * Adds {@code rows} rows to a rollup in one statement: binds, per row, the bucket, the subject
   * kind, ({@code dims_hash},) the keys, then the {@link Rollup#SUMS} as increments (negative to
   * take events out). The rows must have distinct keys; they are written in the order given.
   */
  final String upsertRollup(Rollup r, int rows) {
    List<String> keys = new ArrayList<>();
    keys.add(r.time());
    keys.add("subject_kind");
    if (r.hashed()) {
      keys.add("dims_hash");
      return upsertAdding(r.table(), keys, r.keys(), Rollup.SUMS, rows);
    }
    keys.addAll(r.keys());
    return upsertAdding(r.table(), keys, List.of(), Rollup.SUMS, rows);
  }

  /**
   * An upsert of {@code rows} rows that inserts each or adds its {@code sums} to the row with the
   * same {@code keys} (the primary key: a timestamp, then strings); {@code others} are strings
   * written on insert only. Binds, per row, the keys, the others, then the sums.
   */
  abstract String upsertAdding(
      String table, List<String> keys, List<String> others, List<String> sums, int rows);

  static List<String> concat(List<String> a, List<String> b, List<String> c) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    out.addAll(c);
    return out;
  }

  /** The condition that an event is not in the rollups yet. */
  String unrolled() {
    return "rolled_up = FALSE";
  }

  /** The columns compaction reads of each event it claims, starting with seq and rolled_up. */
  static final String ROLLUP_SOURCE_COLUMNS =
      "seq, rolled_up, event_time, status, subject_kind, subject_id, operation, provider, model,"
          + " agent, tool, input_tokens, output_tokens, cached_tokens, characters, cost_micros";

  /**
   * Claims up to n events that are not in the rollups, oldest first, skipping rows another
   * transaction holds; binds n. Selects {@link #ROLLUP_SOURCE_COLUMNS}.
   */
  String claimUnrolledEvents() {
    return "SELECT "
        + ROLLUP_SOURCE_COLUMNS
        + " FROM "
        + t.events
        + " WHERE "
        + unrolled()
        + " ORDER BY event_time LIMIT ? FOR UPDATE SKIP LOCKED";
  }

  /**
   * Locks every ledger event of one subject, waiting for whoever holds them; binds kind, id.
   * Selects {@link #ROLLUP_SOURCE_COLUMNS}.
   */
  String lockSubjectEvents() {
    return "SELECT "
        + ROLLUP_SOURCE_COLUMNS
        + " FROM "
        + t.events
        + " WHERE subject_kind = ? AND subject_id = ? FOR UPDATE";
  }

  /** Sets the rollup flag of {@code n} events; binds the flag, then n seqs. */
  String setRolledUp(int n) {
    return "UPDATE " + t.events + " SET rolled_up = ? WHERE seq IN (" + params(n) + ")";
  }

  /** Sets {@code used} of a counter; binds the amount, the key. */
  String setUsed() {
    return "UPDATE " + t.counters + " SET used = ? WHERE " + COUNTER_KEY;
  }

  /** Adds to {@code used} of a counter; binds the amount, the key. */
  String addUsed() {
    return "UPDATE " + t.counters + " SET used = used + ? WHERE " + COUNTER_KEY;
  }

  /** Locks a counter and reads {@code used}; binds the key. */
  String lockCounter() {
    return "SELECT used FROM " + t.counters + " WHERE " + COUNTER_KEY + " FOR UPDATE";
  }

  /**
   * Moves {@code n} ledger events to another subject and marks them as not rolled up; binds new
   * kind, new id, then n seqs.
   */
  String moveEvents(int n) {
    return "UPDATE "
        + t.events
        + " SET subject_kind = ?, subject_id = ?, rolled_up = FALSE WHERE seq IN ("
        + params(n)
        + ")";
  }

  /**
   * Claims up to n ledger events older than a cutoff, skipping rows another transaction holds;
   * binds the cutoff, n. Selects {@link #ROLLUP_SOURCE_COLUMNS}.
   */
  String claimOldEvents() {
    return "SELECT "
        + ROLLUP_SOURCE_COLUMNS
        + " FROM "
        + t.events
        + " WHERE event_time < ? ORDER BY event_time LIMIT ? FOR UPDATE SKIP LOCKED";
  }

  /**
   * Summary rows of {@code n} claimed events: day, subject, status, the six dimensions, the error
   * code, count and sums; binds n seqs.
   */
  String summarizeEvents(int n) {
    String keys =
        truncate(Bucket.DAY, "event_time")
            + ", subject_kind, subject_id, status, operation, provider, model, agent, tool,"
            + " provider_key, error_code";
    return "SELECT "
        + keys
        + ", COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens),"
        + " SUM(characters), SUM(cost_micros) FROM "
        + t.events
        + " WHERE seq IN ("
        + params(n)
        + ") GROUP BY "
        + keys;
  }

  /** Deletes {@code n} events by seq; binds the seqs. */
  String deleteEvents(int n) {
    return "DELETE FROM " + t.events + " WHERE seq IN (" + params(n) + ")";
  }

  /**
   * Adds one summary row to the daily summaries; binds {@link #DAILY_COLUMNS} (the sums as
   * increments).
   */
  abstract String upsertDaily();

  /**
   * Claims up to n counters whose window ended before a cutoff and that hold nothing reserved,
   * skipping rows another transaction holds; binds the cutoff, n. Returns their keys.
   */
  String claimEndedCounters() {
    return "SELECT limit_id, subject_kind, subject_id, window_start FROM "
        + t.counters
        + " WHERE window_end < ? AND reserved = 0 ORDER BY window_end LIMIT ?"
        + " FOR UPDATE SKIP LOCKED";
  }

  /** Deletes a counter that holds nothing reserved; binds the key. */
  String deleteIdleCounter() {
    return "DELETE FROM " + t.counters + " WHERE " + COUNTER_KEY + " AND reserved = 0";
  }

  // ---- the rest -----------------------------------------------------------------------------

  /**
   * An insert that skips the row when a unique key is taken, with row count 0. When this returns a
   * plain insert ({@link #insertRaisesOnDuplicate()}), the caller catches the violation, which in
   * that dialect does not abort the transaction.
   */
  final String insertUnlessPresent(String table, String columns, int params) {
    return insertUnlessPresent(table, columns, params(params));
  }

  /** {@link #insertUnlessPresent(String, String, int)} with the values given as SQL. */
  abstract String insertUnlessPresent(String table, String columns, String values);

  /** Whether {@link #insertUnlessPresent} raises a unique violation on a duplicate. */
  boolean insertRaisesOnDuplicate() {
    return false;
  }

  /**
   * An id column as reports order and compare it when they page over subjects: by code point of the
   * stored text, whatever the database's collation ({@link #compareIds}). H2 and MySQL/MariaDB
   * (whose id columns are binary) compare so already.
   */
  String idOrder(String column) {
    return column;
  }

  /** Compares two ids as the database does under {@link #idOrder}. */
  int compareIds(String a, String b) {
    return compareCodePoints(text(a), text(b));
  }

  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /**
   * A statement run first in a report's transaction to give its grouping room, or null. Only
   * PostgreSQL has one: see {@link PostgresSql#reportSettings()}.
   */
  @Nullable String reportSettings() {
    return null;
  }

  abstract String currentUtcTime();

  /** The database's current time in UTC as an SQL expression of type {@code TIMESTAMP}. */
  abstract String utcNow();

  /** {@code timestamp} plus a bound number of microseconds, as an SQL expression. */
  abstract String plusMicros(String timestamp);

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
