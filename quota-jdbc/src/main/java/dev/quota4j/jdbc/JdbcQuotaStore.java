package dev.quota4j.jdbc;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QuotaStore} in H2 2.x, PostgreSQL 13+, MySQL 8 or MariaDB 10.6+, exact across any number
 * of processes sharing the database.
 *
 * <pre>{@code
 * QuotaStore store = JdbcQuotaStore.builder()
 *     .url("jdbc:h2:./data/quota")          // or .dataSource(ds) / .jdbi(jdbi): never closed by us
 *     .schemaMode(SchemaMode.INSTALL)
 *     .build();
 * }</pre>
 *
 * <p>The protocol, each step one database transaction (as several statements; on PostgreSQL reserve
 * and commit are one statement each, see below):
 *
 * <ol>
 *   <li><b>reserve</b>: insert the reservation row (id, packed charges, lease end) unless the id is
 *       taken, which answers {@link ReserveResult.Duplicate}; then, for each charge in {@link
 *       CounterKey#LOCK_ORDER}, one conditional update {@code SET reserved = reserved + n WHERE key
 *       = ... AND reserved <= cap - used} whose row count (on PostgreSQL, the row it returns) is
 *       the answer, where {@code cap} is the limit less what the charge's {@link Admission} needs.
 *       A counter row that does not exist yet is created right there, in order, and the update run
 *       again. Any miss reads the counters, rolls everything back and reports the first charge, in
 *       the order given, that does not fit. Before answering {@link ReserveResult.Rejected}, when
 *       the charge that missed would fit with nothing reserved on its counter, the expired
 *       reservations holding those counters are reclaimed and the reserve tried once more
 *       (otherwise no reclaim could change the answer).
 *   <li><b>commit</b>: insert the ledger row, which is unique by event id and by the reservation it
 *       closes (a second commit or a commit after release inserts nothing: {@link
 *       CommitResult.Status#ALREADY_APPLIED}); delete the reservation, returning its charges; for
 *       each counter in lock order take the reserved amount off {@code reserved} and add the actual
 *       amount to {@code used}. No reservation left (its lease was reclaimed): the actual amounts
 *       are added to {@code used} all the same, {@link CommitResult.Status#APPLIED_LATE}. The event
 *       is written with {@code rolled_up} false: no rollup is touched on this path.
 *   <li><b>release</b>: the same with a {@link EventStatus#RELEASED} row and no usage; nothing
 *       happens, and false is returned, when the reservation is gone.
 *   <li><b>record</b>: insert the ledger row unless its event id is there (then {@link
 *       CommitResult.Status#ALREADY_APPLIED}), add each amount to {@code used}.
 *   <li><b>reclaimExpired</b>: delete each reservation whose lease ended, take its amounts off
 *       {@code reserved} and append an {@link EventStatus#EXPIRED} row, 100 reservations per
 *       transaction. A lease has ended when this store instance made the reservation and its {@code
 *       lease_until} is before the caller's {@code now}, or when its lease end by the database's
 *       clock ({@code db_lease_until}) has passed (see <b>Time</b>). {@link #counters(Collection,
 *       Instant)} reads, in the same statement, whether any lease has ended, and when one has and a
 *       counter it read holds something, reclaims first and reads again; {@link #extend} of an
 *       ended lease reclaims it.
 *   <li><b>compactEvents</b> (run by {@code Retention}): claim events with {@code rolled_up} false
 *       ({@code FOR UPDATE SKIP LOCKED}), add them to every rollup with upserts in key order, set
 *       {@code rolled_up}. {@link #aggregate} reads a rollup plus the events not rolled up in one
 *       statement, so every event counts exactly once whenever compaction runs.
 * </ol>
 *
 * <p><b>PostgreSQL</b> runs reserve and commit as one call each of a PL/pgSQL function that schema
 * V4 installs ({@code <prefix>reserve} and {@code <prefix>commit}), in autocommit mode: one
 * statement, one transaction, one round trip, so the counter rows are locked from their update to
 * the end of that statement's commit and for no client round trip. The functions take the charges
 * as arrays in {@link CounterKey#LOCK_ORDER} and do the steps above in that order, with these
 * differences, none visible to a caller:
 *
 * <ul>
 *   <li>reserve: a charge that misses undoes what the call did (amounts taken off the rows it holds
 *       locked, counters it created deleted, the reservation row deleted) instead of a rollback,
 *       and returns every counter as it is without the call, from which the rejection is reported
 *       as above. The reservation row also keeps its charges as arrays for the commit function.
 *   <li>commit: the hourly rollup is not updated by the commit. When the reservation holds a
 *       counter the commit does not name, or was made by a library before schema V4, the function
 *       changes nothing and says so (SQLSTATE {@code Q4J01}), and the commit runs statement by
 *       statement as above.
 * </ul>
 *
 * <p>Release, record, reclaim and the rest run statement by statement on every database, locking
 * counters in the same order. {@link SchemaMode#VALIDATE} fails naming the script or function that
 * is missing; a store built with {@link SchemaMode#NONE} over a schema without the functions fails
 * its first reserve with {@link QuotaStoreUnavailableException} saying a function is missing.
 *
 * <p>A serialization failure, deadlock or lock timeout runs the transaction again, up to {@link
 * Builder#maxAttempts} times. Any other database failure throws {@link
 * QuotaStoreUnavailableException} saying what went wrong (cannot connect, table missing, statement
 * cancelled by the database, ...); as every step is one transaction, nothing was changed, and the
 * message ends so. When the connection breaks (or the socket timeout runs out) while the database
 * may be committing, during {@code COMMIT} or during a statement run in autocommit mode, the
 * outcome is unknown to the caller and the message says so instead ("it may have been applied;
 * retry the commit — it is idempotent"): a reserve that did happen is reclaimed when its lease
 * ends, and a commit or record that is retried with the same event id is not counted twice. The
 * pool built from a URL gives every statement a server-side {@linkplain Builder#statementTimeout
 * timeout} shorter than the socket timeout, so that a statement the database is slow to finish is
 * cancelled by the database, changing nothing, before the client gives up on it.
 *
 * <p><b>Time.</b> Window boundaries come from the {@code CounterKey}s the manager computes with its
 * own {@link Clock}: processes sharing a database should keep their clocks in step (NTP), or give
 * the manager {@link #databaseClock()}, which reads the database's clock. Lease expiry never
 * depends on two processes' clocks agreeing: each reservation keeps the store instance that made it
 * and its lease end by the database's clock (the database's time when it was made or extended, plus
 * the lease's length). An instance releases its own reservations by the caller's clock (so a fake
 * clock in a host's unit test ends them) and another instance's only once the database's clock says
 * its lease ended, so an instance whose clock runs ahead cannot free another's live hold. Instants
 * are stored as UTC {@code TIMESTAMP(6)} (MySQL: {@code DATETIME(6)}), to the microsecond.
 *
 * <p><b>Tables</b> (prefix {@code quota_} by default): {@code schema_version}, {@code subjects},
 * {@code counters}, {@code reservations}, {@code usage_events} (the ledger, with a {@code
 * rolled_up} flag), the rollups of success, error and denial events that compaction writes ({@code
 * usage_hourly} by hour, subject kind, provider, model and operation; {@code usage_subject_daily}
 * by UTC day, subject and operation; {@code usage_agent_daily} by UTC day, subject kind, agent and
 * tool) and {@code usage_daily} (summaries of purged events by day and every dimension). The
 * scripts are at {@link JdbcDialect#schemaLocation()}, named for Flyway; V3 marks the events
 * written before it as rolled up (the hourly rollup already had them) and fills the two daily
 * rollups from them and from the summaries, once; V4 (PostgreSQL only) adds the admission functions
 * and the reservations' charge arrays; V5 adds {@code lease_owner} and {@code db_lease_until} to
 * the reservations (and the owner argument of PostgreSQL's reserve function).
 *
 * <p>MySQL and MariaDB: the driver must report matched rows for updates (the default; do not set
 * {@code useAffectedRows=true}).
 */
public final class JdbcQuotaStore implements QuotaStore {
  /** Reservations reclaimed per transaction. */
  static final int RECLAIM_BATCH = 100;

  /** Counters read per statement. */
  private static final int READ_CHUNK = 50;

  /**
   * This store instance, recorded on each reservation it makes: it releases its own reservations by
   * the caller's clock, any other only by the database's (schema V5).
   */
  private final String leaseOwner = UUID.randomUUID().toString();

  private final Db db;
  private final Sql sql;
  private final Db.ConnectionSource source;
  private final @Nullable AutoCloseable owned;

  private JdbcQuotaStore(
      Db.ConnectionSource source, Sql sql, int maxAttempts, @Nullable AutoCloseable owned) {
    this.source = source;
    this.sql = sql;
    this.db = new Db(source, sql, maxAttempts);
    this.owned = owned;
  }

  /** A builder; set exactly one of data source, Jdbi or URL. */
  public static Builder builder() {
    return new Builder();
  }

  /** The dialect in use, detected or set. */
  public JdbcDialect dialect() {
    return sql.dialect();
  }

  /** The table prefix. */
  public String tablePrefix() {
    return sql.t.prefix;
  }

  /**
   * A clock that reads the database's time once a minute and in between adds the offset to the
   * system clock: give it to the manager so that every process agrees on window boundaries.
   */
  public DatabaseClock databaseClock() {
    return databaseClock(Clock.systemUTC(), Duration.ofMinutes(1));
  }

  /** Like {@link #databaseClock()} on another local clock and refresh interval. */
  public DatabaseClock databaseClock(Clock local, Duration refresh) {
    return new DatabaseClock(this::databaseNow, local, refresh);
  }

  Instant databaseNow() {
    List<LocalDateTime> t =
        db.inTransaction(
            "read the database clock",
            tx -> tx.query(sql.currentUtcTime(), rs -> rs.getObject(1, LocalDateTime.class)));
    return Times.read(t.get(0));
  }

  // ---- reserve ------------------------------------------------------------------------------

  @Override
  public ReserveResult reserve(
      String reservationId, List<Charge> charges, Instant now, Instant leaseUntil) {
    Args.id("reservationId", reservationId);
    Args.argument(
        !leaseUntil.isBefore(now),
        "leaseUntil",
        "must not be before now (" + now + ")",
        leaseUntil);
    List<Charge> given = List.copyOf(charges);
    for (Charge c : given) {
      Times.stored("windowStart of " + c.key().limitId(), c.key().windowStart());
    }
    List<Charge> ordered = new ArrayList<>(given);
    ordered.sort((a, b) -> CounterKey.LOCK_ORDER.compare(a.key(), b.key()));
    String packed = packCharges(given);
    SubjectRef subject = primarySubject(given);
    Object[] row = {
      reservationId,
      subject.kind().name(),
      subject.id(),
      packed,
      Times.clamped(now),
      Times.clamped(leaseUntil)
    };
    String call = sql.reserveFunctionCall();
    // the function computes the lease end by the database's clock from created_at and lease_until
    Object[] params =
        call == null
            ? new Object[] {
              row[0],
              row[1],
              row[2],
              row[3],
              row[4],
              row[5],
              leaseOwner,
              leaseMicros(now, leaseUntil)
            }
            : reserveParams(row, ordered, leaseOwner);
    ReserveResult result = reserveOnce(call, params, given, ordered);
    // a lease that ended may hold what the missed counter needs; when the charge would not fit
    // even with nothing reserved on it, no reclaim can help (a reclaim lowers reserved, never
    // used), and the rejection stands without a second transaction
    if (result instanceof ReserveResult.Rejected rejected && fitsWithNothingReserved(rejected)) {
      List<CounterKey> keys = given.stream().map(Charge::key).toList();
      if (reclaimTouching(keys, now) > 0) {
        result = reserveOnce(call, params, given, ordered);
      }
    }
    return result;
  }

  private static boolean fitsWithNothingReserved(ReserveResult.Rejected r) {
    Charge c = r.charge();
    return r.current().reserved() > 0
        && c.admission().admits(r.current().used(), 0, c.amount(), c.limit());
  }

  private ReserveResult reserveOnce(
      @Nullable String call, Object[] params, List<Charge> given, List<Charge> ordered) {
    if (call == null) {
      return db.inTransaction("reserve", tx -> tryReserve(tx, params, given, ordered));
    }
    return db.inAutocommit("reserve", tx -> reserveInOneCall(tx, call, params, given, ordered));
  }

  /** The longest lease by the database's clock: 100 years (no timestamp overflows). */
  private static final long MAX_LEASE_MICROS = Duration.ofDays(36_525).toSeconds() * 1_000_000;

  /** The lease's length in microseconds, for its end by the database's clock. */
  private static long leaseMicros(Instant now, Instant leaseUntil) {
    Duration d = Duration.between(now, leaseUntil);
    return d.getSeconds() >= MAX_LEASE_MICROS / 1_000_000
        ? MAX_LEASE_MICROS
        : d.getSeconds() * 1_000_000 + d.getNano() / 1_000;
  }

  /**
   * The reservation row, then the charges in lock order as arrays, then the store instance, for the
   * reserve function.
   */
  private static Object[] reserveParams(
      Object[] reservationRow, List<Charge> ordered, String leaseOwner) {
    int n = ordered.size();
    Object[] amounts = new Object[n];
    Object[] caps = new Object[n];
    for (int i = 0; i < n; i++) {
      amounts[i] = ordered.get(i).amount();
      caps[i] = cap(ordered.get(i));
    }
    List<Object> params = counterArrays(reservationRow, ordered, amounts);
    params.add(new Db.SqlArray("bigint", caps));
    params.add(leaseOwner);
    return params.toArray();
  }

  /**
   * {@code head}, then the counters of {@code charges} as the functions take them, one array per
   * column: limit ids, subject kinds, subject ids, window starts, window ends, limits, {@code
   * amounts}.
   */
  private static List<Object> counterArrays(Object[] head, List<Charge> charges, Object[] amounts) {
    int n = charges.size();
    Object[] limitIds = new Object[n];
    Object[] kinds = new Object[n];
    Object[] subjectIds = new Object[n];
    Object[] starts = new Object[n];
    Object[] ends = new Object[n];
    Object[] limits = new Object[n];
    for (int i = 0; i < n; i++) {
      Charge c = charges.get(i);
      CounterKey k = c.key();
      limitIds[i] = k.limitId();
      kinds[i] = k.subject().kind().name();
      subjectIds[i] = k.subject().id();
      starts[i] = Times.literal(Times.stored("windowStart", k.windowStart()));
      ends[i] = Times.literal(Times.clamped(c.windowEnd()));
      limits[i] = c.limit();
    }
    List<Object> params = new ArrayList<>(List.of(head));
    params.add(new Db.SqlArray("varchar", limitIds));
    params.add(new Db.SqlArray("varchar", kinds));
    params.add(new Db.SqlArray("varchar", subjectIds));
    params.add(new Db.SqlArray("timestamp", starts));
    params.add(new Db.SqlArray("timestamp", ends));
    params.add(new Db.SqlArray("bigint", limits));
    params.add(new Db.SqlArray("bigint", amounts));
    return params;
  }

  /** What the reserve or commit function returned. */
  private record Called(int outcome, int missed, long[] used, long[] reserved) {}

  private static long[] longs(ResultSet rs, int column) throws SQLException {
    java.sql.Array a = rs.getArray(column);
    if (a == null) {
      return new long[0];
    }
    try {
      Object[] values = (Object[]) a.getArray();
      long[] out = new long[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] =
            ((Number) Objects.requireNonNull(values[i], "NULL in a counter array")).longValue();
      }
      return out;
    } finally {
      a.free();
    }
  }

  /**
   * One call of the reserve function (PostgreSQL): the steps of {@link #tryReserve} in one
   * statement, in autocommit mode. The function returns each charge's counter, after the
   * reservation when granted, as it stands without it when rejected; the rejection is then reported
   * here exactly as {@link #rejection} does.
   */
  private ReserveResult reserveInOneCall(
      Db.Tx tx, String call, Object[] params, List<Charge> given, List<Charge> ordered)
      throws SQLException {
    Called r =
        Objects.requireNonNull(
            tx.first(
                call,
                rs -> new Called(rs.getInt(1), rs.getInt(2), longs(rs, 3), longs(rs, 4)),
                params),
            "the reserve function returned no row");
    if (r.outcome() == 2) {
      return new ReserveResult.Duplicate();
    }
    if (r.used().length != ordered.size() || r.reserved().length != ordered.size()) {
      throw new IllegalStateException(
          "the reserve function returned "
              + r.used().length
              + " counters for "
              + ordered.size()
              + " charges");
    }
    Map<CounterKey, CounterValue> values = new HashMap<>();
    for (int i = 0; i < ordered.size(); i++) {
      values.put(ordered.get(i).key(), new CounterValue(r.used()[i], r.reserved()[i]));
    }
    if (r.outcome() == 0) {
      Map<CounterKey, CounterValue> unconditional = new HashMap<>();
      for (Charge c : given) {
        if (c.admission() == Admission.ALWAYS) {
          unconditional.put(c.key(), Objects.requireNonNull(values.get(c.key())));
        }
      }
      return new ReserveResult.Granted(unconditional);
    }
    if (r.outcome() != 1 || r.missed() < 1 || r.missed() > ordered.size()) {
      throw new IllegalStateException(
          "the reserve function returned outcome " + r.outcome() + ", missed " + r.missed());
    }
    for (Charge c : given) {
      CounterValue v = values.getOrDefault(c.key(), CounterValue.ZERO);
      if (!c.admission().admits(v.used(), v.reserved(), c.amount(), c.limit())) {
        return new ReserveResult.Rejected(c, v);
      }
    }
    // another transaction freed room after the miss: report the charge that missed
    Charge missed = ordered.get(r.missed() - 1);
    return new ReserveResult.Rejected(missed, values.getOrDefault(missed.key(), CounterValue.ZERO));
  }

  /** What {@code used + reserved} may be before the charge for it to fit. */
  private static long cap(Charge c) {
    long need =
        switch (c.admission()) {
          case FIT -> c.amount();
          case ANY_REMAINING -> 1;
          case ALWAYS -> 0;
        };
    return c.admission() == Admission.ALWAYS ? Long.MAX_VALUE : c.limit() - need;
  }

  private ReserveResult tryReserve(
      Db.Tx tx, Object[] reservationRow, List<Charge> given, List<Charge> ordered)
      throws SQLException {
    if (tx.insertUnlessPresent(sql.insertReservation(), reservationRow) == 0) {
      return new ReserveResult.Duplicate();
    }
    Map<CounterKey, Long> applied = new HashMap<>();
    Map<CounterKey, CounterValue> after = new HashMap<>();
    for (Charge c : ordered) {
      CounterValue post = reserveOne(tx, c);
      if (post == null) {
        ensureCounter(tx, c.key(), c.windowEnd(), c.limit());
        post = reserveOne(tx, c);
      }
      if (post == null) {
        ReserveResult.Rejected r = rejection(tx, given, c, applied);
        tx.rollback();
        return r;
      }
      applied.merge(c.key(), c.amount(), Long::sum);
      after.put(c.key(), post);
    }
    Map<CounterKey, CounterValue> unconditional = new HashMap<>();
    List<CounterKey> unread = new ArrayList<>();
    for (Charge c : given) {
      if (c.admission() == Admission.ALWAYS) {
        CounterValue v = after.get(c.key());
        if (v != null && v != UNKNOWN) {
          unconditional.put(c.key(), v);
        } else {
          unread.add(c.key());
        }
      }
    }
    if (!unread.isEmpty()) {
      unconditional.putAll(readCounters(tx, unread));
    }
    return new ReserveResult.Granted(unconditional);
  }

  /** A granted charge whose counter value the statement did not return. */
  private static final CounterValue UNKNOWN = new CounterValue(-1, -1);

  /** Reserves one charge; null when it missed (it did not fit, or its counter does not exist). */
  private @Nullable CounterValue reserveOne(Db.Tx tx, Charge c) throws SQLException {
    long cap = cap(c);
    if (cap < 0) {
      return null; // can never fit; the rejection reads the counter
    }
    CounterKey k = c.key();
    LocalDateTime ws = Times.stored("windowStart", k.windowStart());
    String kind = k.subject().kind().name();
    if (c.amount() == 0 && sql.rowCountMayBeAffectedRows()) {
      return tx.first(
          sql.checkCounterForUpdate(),
          JdbcQuotaStore::value,
          k.limitId(),
          kind,
          k.subject().id(),
          ws,
          cap);
    }
    if (sql.updateReturns()) {
      return tx.first(
          sql.reserveCounter(),
          JdbcQuotaStore::value,
          c.amount(),
          c.limit(),
          k.limitId(),
          kind,
          k.subject().id(),
          ws,
          cap);
    }
    int n =
        tx.update(
            sql.reserveCounter(),
            c.amount(),
            c.limit(),
            k.limitId(),
            kind,
            k.subject().id(),
            ws,
            cap);
    return n == 0 ? null : UNKNOWN;
  }

  /**
   * Creates the counter unless it exists. Whatever the row count says, the caller runs its update
   * again: a row inserted meanwhile by another transaction (which this insert waited for) may have
   * room.
   */
  private void ensureCounter(Db.Tx tx, CounterKey k, Instant windowEnd, long limit)
      throws SQLException {
    tx.insertUnlessPresent(
        sql.ensureCounters(1),
        k.limitId(),
        k.subject().kind().name(),
        k.subject().id(),
        Times.stored("windowStart", k.windowStart()),
        Times.clamped(windowEnd),
        limit);
  }

  private ReserveResult.Rejected rejection(
      Db.Tx tx, List<Charge> given, Charge missed, Map<CounterKey, Long> applied)
      throws SQLException {
    Map<CounterKey, CounterValue> now =
        readCounters(tx, given.stream().map(Charge::key).distinct().toList());
    Map<CounterKey, CounterValue> before = new HashMap<>();
    now.forEach(
        (k, v) -> {
          long mine = applied.getOrDefault(k, 0L);
          before.put(k, new CounterValue(v.used(), Math.max(0, v.reserved() - mine)));
        });
    for (Charge c : given) {
      CounterValue v = before.getOrDefault(c.key(), CounterValue.ZERO);
      if (!c.admission().admits(v.used(), v.reserved(), c.amount(), c.limit())) {
        return new ReserveResult.Rejected(c, v);
      }
    }
    // another transaction freed room after the miss: report the charge that missed
    return new ReserveResult.Rejected(missed, before.getOrDefault(missed.key(), CounterValue.ZERO));
  }

  // ---- commit, release, record --------------------------------------------------------------

  @Override
  public CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event) {
    Args.id("reservationId", reservationId);
    List<Charge> charges = List.copyOf(actual);
    Object[] eventRow = eventRow(event, reservationId);
    String call = sql.commitFunctionCall();
    if (call != null) {
      Optional<CommitResult> done = commitInOneCall(call, eventRow, charges);
      if (done.isPresent()) {
        return done.get();
      }
    }
    return db.inTransaction(
        "commit",
        tx -> {
          if (tx.insertUnlessPresent(sql.insertEvent(), eventRow) == 0) {
            tx.rollback();
            return CommitResult.alreadyApplied();
          }
          List<Held> held = deleteReservation(tx, reservationId, null);
          TreeMap<CounterKey, long[]> deltas = new TreeMap<>(CounterKey.LOCK_ORDER);
          Map<CounterKey, Held> rows = new HashMap<>();
          if (held != null) {
            for (Held h : held) {
              deltas.computeIfAbsent(h.key(), k -> new long[2])[0] += h.amount();
              rows.putIfAbsent(h.key(), h);
            }
          }
          for (Charge c : charges) {
            long[] d = deltas.computeIfAbsent(c.key(), k -> new long[2]);
            d[1] = Args.add("actual amount", d[1], c.amount());
            rows.put(c.key(), new Held(c.key(), c.amount(), c.limit(), c.windowEnd()));
          }
          Map<CounterKey, Long> usedAfter = settle(tx, deltas, rows);
          return new CommitResult(
              held == null ? CommitResult.Status.APPLIED_LATE : CommitResult.Status.APPLIED,
              usedAfter);
        });
  }

  /**
   * One call of the commit function (PostgreSQL): the ledger row, the reservation's deletion and
   * every counter's settlement in one statement, in autocommit mode. Empty, with nothing changed,
   * when the function says the reservation must be committed statement by statement: it holds a
   * counter {@code actual} does not name, or it was made by a library without the function.
   */
  private Optional<CommitResult> commitInOneCall(
      String call, Object[] eventRow, List<Charge> charges) {
    TreeMap<CounterKey, long[]> totals = new TreeMap<>(CounterKey.LOCK_ORDER);
    Map<CounterKey, Charge> last = new HashMap<>();
    for (Charge c : charges) {
      long[] t = totals.computeIfAbsent(c.key(), k -> new long[1]);
      t[0] = Args.add("actual amount", t[0], c.amount());
      last.put(c.key(), c);
    }
    int n = totals.size();
    List<Charge> counters = new ArrayList<>(n);
    Object[] amounts = new Object[n];
    for (Map.Entry<CounterKey, long[]> e : totals.entrySet()) {
      amounts[counters.size()] = e.getValue()[0];
      counters.add(Objects.requireNonNull(last.get(e.getKey())));
    }
    List<Object> params = counterArrays(eventRow, counters, amounts);
    Object[] bound = params.toArray();
    Optional<Called> called =
        db.inAutocommit(
            "commit",
            tx -> {
              try {
                return Optional.ofNullable(
                    tx.first(
                        call, rs -> new Called(rs.getInt(1), 0, longs(rs, 2), new long[0]), bound));
              } catch (SQLException e) {
                if (Sql.COMMIT_BY_STATEMENTS.equals(e.getSQLState())) {
                  return Optional.empty();
                }
                throw e;
              }
            });
    if (called.isEmpty()) {
      return Optional.empty();
    }
    Called r = called.get();
    if (r.outcome() == 1) {
      return Optional.of(CommitResult.alreadyApplied());
    }
    if ((r.outcome() != 0 && r.outcome() != 2) || r.used().length != n) {
      throw new IllegalStateException(
          "the commit function returned outcome "
              + r.outcome()
              + " with "
              + r.used().length
              + " counters for "
              + n);
    }
    Map<CounterKey, Long> usedAfter = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      usedAfter.put(counters.get(i).key(), r.used()[i]);
    }
    return Optional.of(
        new CommitResult(
            r.outcome() == 2 ? CommitResult.Status.APPLIED_LATE : CommitResult.Status.APPLIED,
            usedAfter));
  }

  @Override
  @CanIgnoreReturnValue
  public boolean release(String reservationId, UsageEvent event) {
    Args.id("reservationId", reservationId);
    Object[] eventRow = eventRow(event, reservationId);
    return db.inTransaction(
        "release",
        tx -> {
          if (tx.insertUnlessPresent(sql.insertEvent(), eventRow) == 0) {
            tx.rollback();
            return false;
          }
          List<Held> held = deleteReservation(tx, reservationId, null);
          if (held == null) {
            tx.rollback();
            return false;
          }
          TreeMap<CounterKey, long[]> deltas = new TreeMap<>(CounterKey.LOCK_ORDER);
          Map<CounterKey, Held> rows = new HashMap<>();
          for (Held h : held) {
            deltas.computeIfAbsent(h.key(), k -> new long[2])[0] += h.amount();
            rows.putIfAbsent(h.key(), h);
          }
          settle(tx, deltas, rows);
          return true;
        });
  }

  @Override
  public CommitResult record(List<Charge> charges, UsageEvent event) {
    List<Charge> given = List.copyOf(charges);
    Object[] eventRow = eventRow(event, null);
    TreeMap<CounterKey, long[]> deltas = new TreeMap<>(CounterKey.LOCK_ORDER);
    Map<CounterKey, Held> rows = new HashMap<>();
    for (Charge c : given) {
      Times.stored("windowStart of " + c.key().limitId(), c.key().windowStart());
      long[] d = deltas.computeIfAbsent(c.key(), k -> new long[2]);
      d[1] = Args.add("amount", d[1], c.amount());
      rows.put(c.key(), new Held(c.key(), c.amount(), c.limit(), c.windowEnd()));
    }
    return db.inTransaction(
        "record",
        tx -> {
          if (tx.insertUnlessPresent(sql.insertEvent(), eventRow) == 0) {
            tx.rollback();
            return CommitResult.alreadyApplied();
          }
          Map<CounterKey, Long> usedAfter = settle(tx, deltas, rows);
          return new CommitResult(CommitResult.Status.APPLIED, usedAfter);
        });
  }

  @Override
  @CanIgnoreReturnValue
  public boolean appendEvent(UsageEvent event) {
    Object[] eventRow = eventRow(event, null);
    return db.inTransaction(
        "append event",
        tx -> {
          if (tx.insertUnlessPresent(sql.insertEvent(), eventRow) == 0) {
            tx.rollback();
            return false;
          }
          return true;
        });
  }

  /**
   * Applies {@code deltas} (per counter: reserved to take off, actual to add), in lock order, and
   * returns each counter's {@code used} afterwards. A counter that does not exist is created when
   * something is to be added to it.
   */
  private Map<CounterKey, Long> settle(
      Db.Tx tx, TreeMap<CounterKey, long[]> deltas, Map<CounterKey, Held> rows)
      throws SQLException {
    Map<CounterKey, Long> usedAfter = new LinkedHashMap<>();
    List<CounterKey> unread = new ArrayList<>();
    for (Map.Entry<CounterKey, long[]> e : deltas.entrySet()) {
      CounterKey k = e.getKey();
      long reserved = e.getValue()[0];
      long actual = e.getValue()[1];
      if (reserved == 0 && actual == 0) {
        unread.add(k);
        continue;
      }
      Object[] params = {
        reserved,
        actual,
        k.limitId(),
        k.subject().kind().name(),
        k.subject().id(),
        Times.stored("windowStart", k.windowStart())
      };
      if (sql.updateReturns()) {
        CounterValue v = tx.first(sql.settleCounter(), JdbcQuotaStore::value, params);
        if (v == null && actual > 0) {
          Held h = Objects.requireNonNull(rows.get(k));
          ensureCounter(tx, k, h.windowEnd(), h.limit());
          v = tx.first(sql.settleCounter(), JdbcQuotaStore::value, params);
        }
        usedAfter.put(k, v == null ? 0L : v.used());
      } else {
        tx.update(sql.settleCounter(), params);
        unread.add(k);
      }
    }
    if (!unread.isEmpty()) {
      Map<CounterKey, CounterValue> read = readCounters(tx, unread);
      List<CounterKey> missing = new ArrayList<>();
      for (CounterKey k : unread) {
        long[] d = Objects.requireNonNull(deltas.get(k));
        if (!read.containsKey(k) && d[1] > 0) {
          missing.add(k);
        }
      }
      for (CounterKey k : missing) { // in lock order: deltas is sorted and unread follows it
        Held h = Objects.requireNonNull(rows.get(k));
        ensureCounter(tx, k, h.windowEnd(), h.limit());
        long[] d = Objects.requireNonNull(deltas.get(k));
        tx.update(
            sql.settleCounter(),
            d[0],
            d[1],
            k.limitId(),
            k.subject().kind().name(),
            k.subject().id(),
            Times.stored("windowStart", k.windowStart()));
      }
      if (!missing.isEmpty()) {
        read = readCounters(tx, unread);
      }
      for (CounterKey k : unread) {
        CounterValue v = read.get(k);
        usedAfter.put(k, v == null ? 0L : v.used());
      }
    }
    Map<CounterKey, Long> ordered = new LinkedHashMap<>();
    for (CounterKey k : deltas.keySet()) {
      ordered.put(k, Objects.requireNonNull(usedAfter.get(k)));
    }
    return ordered;
  }

  // ---- leases -------------------------------------------------------------------------------

  @Override
  public boolean extend(String reservationId, Instant now, Instant leaseUntil) {
    Args.id("reservationId", reservationId);
    Args.argument(
        !leaseUntil.isBefore(now),
        "leaseUntil",
        "must not be before now (" + now + ")",
        leaseUntil);
    boolean extended =
        db.inTransaction(
            "extend",
            tx ->
                tx.update(
                        sql.extendLease(),
                        Times.clamped(leaseUntil),
                        leaseMicros(now, leaseUntil),
                        reservationId,
                        leaseOwner,
                        Times.clamped(now))
                    == 1);
    if (!extended) {
      // gone, or its lease ended: an ended lease is not revived (a read may have counted without
      // it) but released now, so that "no longer held" is true either way
      int unused = reclaim(List.of(reservationId), now);
    }
    return extended;
  }

  @Override
  @CanIgnoreReturnValue
  public int reclaimExpired(Instant now) {
    int total = 0;
    while (true) {
      List<String> ids =
          db.inTransaction(
              "reclaim expired reservations",
              tx ->
                  tx.query(
                      sql.expiredReservations(),
                      rs -> text(rs, 1),
                      leaseOwner,
                      Times.clamped(now),
                      RECLAIM_BATCH));
      if (ids.isEmpty()) {
        return total;
      }
      int n = reclaim(ids, now);
      total += n;
      if (ids.size() < RECLAIM_BATCH || n == 0) {
        return total;
      }
    }
  }

  /** Reclaims the expired reservations that hold any of {@code keys}. */
  private int reclaimTouching(List<CounterKey> keys, Instant now) {
    List<String> ids =
        db.inTransaction(
            "reclaim expired reservations",
            tx ->
                tx.query(
                    sql.expiredReservations(),
                    rs -> {
                      String id = text(rs, 1);
                      for (Held h : unpackCharges(text(rs, 2))) {
                        if (keys.contains(h.key())) {
                          return id;
                        }
                      }
                      return "";
                    },
                    leaseOwner,
                    Times.clamped(now),
                    10 * RECLAIM_BATCH));
    List<String> touching = ids.stream().filter(s -> !s.isEmpty()).toList();
    return touching.isEmpty() ? 0 : reclaim(touching, now);
  }

  private int reclaim(List<String> ids, Instant now) {
    List<String> sorted = ids.stream().sorted().toList();
    return db.inTransaction(
        "reclaim expired reservations",
        tx -> {
          TreeMap<CounterKey, long[]> deltas = new TreeMap<>(CounterKey.LOCK_ORDER);
          Map<CounterKey, Held> rows = new HashMap<>();
          List<UsageEvent> events = new ArrayList<>();
          for (String id : sorted) {
            Reclaimed r = deleteReservationWithSubject(tx, id, now);
            if (r == null) {
              continue; // extended, committed or reclaimed meanwhile
            }
            for (Held h : r.held()) {
              deltas.computeIfAbsent(h.key(), k -> new long[2])[0] += h.amount();
              rows.putIfAbsent(h.key(), h);
            }
            events.add(
                UsageEvent.builder(expiredEventId(id), now, EventStatus.EXPIRED, r.subject())
                    .reservationId(id)
                    .build());
          }
          settle(tx, deltas, rows);
          for (UsageEvent e : events) {
            tx.insertUnlessPresent(sql.insertEvent(), eventRow(e, null));
          }
          return events.size();
        });
  }

  static String expiredEventId(String reservationId) {
    String id = "expired:" + reservationId;
    return id.length() <= Args.MAX_ID_LENGTH ? id : "expired:" + sha256(reservationId);
  }

  private record Reclaimed(SubjectRef subject, List<Held> held) {}

  private @Nullable List<Held> deleteReservation(Db.Tx tx, String id, @Nullable Instant expiredBy)
      throws SQLException {
    Reclaimed r = deleteReturning(tx, id, expiredBy);
    return r == null ? null : r.held();
  }

  private @Nullable Reclaimed deleteReservationWithSubject(Db.Tx tx, String id, Instant now)
      throws SQLException {
    return deleteReturning(tx, id, now);
  }

  private @Nullable Reclaimed deleteReturning(Db.Tx tx, String id, @Nullable Instant expiredBy)
      throws SQLException {
    boolean onlyExpired = expiredBy != null;
    Object[] params =
        expiredBy != null
            ? new Object[] {id, leaseOwner, Times.clamped(expiredBy)}
            : new Object[] {id};
    Db.RowMapper<Reclaimed> mapper =
        rs ->
            new Reclaimed(
                new SubjectRef(SubjectKind.valueOf(text(rs, 1)), text(rs, 2)),
                unpackCharges(text(rs, 3)));
    String returning = sql.deleteReservationReturning(onlyExpired);
    if (returning != null) {
      return tx.first(returning, mapper, params);
    }
    Reclaimed r = tx.first(sql.lockReservation(onlyExpired), mapper, params);
    if (r != null) {
      tx.update(sql.deleteReservation(), id);
    }
    return r;
  }

  // ---- reads --------------------------------------------------------------------------------

  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
    List<CounterKey> list = List.copyOf(keys);
    if (list.isEmpty()) {
      return Map.of();
    }
    return db.inTransaction("read counters", tx -> readCounters(tx, list));
  }

  /**
   * Reads the counters and, in the same statement, whether any reservation's lease has ended (by
   * the rule of {@link #reclaimExpired}); when one has and a counter read holds something, reclaims
   * the ended leases and reads again. One statement when no lease has ended.
   */
  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys, Instant now) {
    List<CounterKey> list = List.copyOf(keys);
    if (list.isEmpty()) {
      return Map.of();
    }
    boolean[] ended = new boolean[1];
    Map<CounterKey, CounterValue> read =
        db.inTransaction(
            "read counters",
            tx -> {
              ended[0] = false;
              return readCounters(tx, list, Times.clamped(now), ended);
            });
    if (!ended[0]) {
      return read;
    }
    reclaimExpired(now);
    return counters(list);
  }

  private Map<CounterKey, CounterValue> readCounters(Db.Tx tx, List<CounterKey> keys)
      throws SQLException {
    return readCounters(tx, keys, null, new boolean[1]);
  }

  /**
   * Reads the counters; with {@code now}, also sets {@code ended[0]} when a counter read holds
   * something reserved while some reservation's lease has ended.
   */
  private Map<CounterKey, CounterValue> readCounters(
      Db.Tx tx, List<CounterKey> keys, @Nullable LocalDateTime now, boolean[] ended)
      throws SQLException {
    Map<List<Object>, List<CounterKey>> byStoredKey = new HashMap<>();
    for (CounterKey k : keys) {
      byStoredKey.computeIfAbsent(storedKey(k), x -> new ArrayList<>()).add(k);
    }
    List<List<Object>> distinct = new ArrayList<>(byStoredKey.keySet());
    Map<CounterKey, CounterValue> out = new HashMap<>();
    for (int from = 0; from < distinct.size(); from += READ_CHUNK) {
      List<List<Object>> chunk =
          distinct.subList(from, Math.min(distinct.size(), from + READ_CHUNK));
      List<Object> bound = new ArrayList<>();
      if (now != null) {
        bound.add(leaseOwner);
        bound.add(now);
      }
      chunk.forEach(bound::addAll);
      List<Map.Entry<List<Object>, CounterValue>> rows =
          tx.query(
              now == null
                  ? sql.readCounters(chunk.size())
                  : sql.readCountersNoticingEndedLeases(chunk.size()),
              rs -> {
                CounterValue v = new CounterValue(rs.getLong(5), rs.getLong(6));
                if (now != null && v.reserved() > 0 && rs.getInt(7) == 1) {
                  ended[0] = true;
                }
                return Map.entry(
                    List.<Object>of(
                        text(rs, 1),
                        text(rs, 2),
                        text(rs, 3),
                        rs.getObject(4, LocalDateTime.class)),
                    v);
              },
              bound.toArray());
      for (Map.Entry<List<Object>, CounterValue> row : rows) {
        for (CounterKey k : byStoredKey.getOrDefault(row.getKey(), List.of())) {
          out.put(k, row.getValue());
        }
      }
    }
    return out;
  }

  private static List<Object> storedKey(CounterKey k) {
    return List.of(
        k.limitId(),
        k.subject().kind().name(),
        k.subject().id(),
        Times.stored("windowStart", k.windowStart()));
  }

  private String text(ResultSet rs, int column) throws SQLException {
    return Objects.requireNonNull(sql.read(rs, column), "NULL in a NOT NULL column");
  }

  private @Nullable String optText(ResultSet rs, int column) throws SQLException {
    return sql.read(rs, column);
  }

  private static CounterValue value(ResultSet rs) throws SQLException {
    return new CounterValue(rs.getLong(1), rs.getLong(2));
  }

  @Override
  public Optional<SubjectRecord> findSubject(SubjectRef subject) {
    return db
        .inTransaction(
            "find subject",
            tx ->
                tx.query(
                    sql.selectSubject(), this::subjectRecord, subject.kind().name(), subject.id()))
        .stream()
        .findFirst();
  }

  @Override
  public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
    Object[] row = subjectRow(record);
    return db.inTransaction(
        "create subject",
        tx -> {
          tx.insertUnlessPresent(sql.insertSubjectUnlessPresent(), row);
          SubjectRecord stored =
              tx.first(
                  sql.selectSubject(),
                  this::subjectRecord,
                  record.subject().kind().name(),
                  record.subject().id());
          return Objects.requireNonNull(stored, "subject vanished after insert");
        });
  }

  @Override
  public void saveSubject(SubjectRecord record) {
    Object[] row = subjectRow(record);
    db.inTransaction("save subject", tx -> tx.update(sql.upsertSubject(), row));
  }

  private static Object[] subjectRow(SubjectRecord r) {
    List<String> overrides = new ArrayList<>();
    new TreeMap<>(r.overrides())
        .forEach(
            (k, v) -> {
              overrides.add(k);
              overrides.add(Long.toString(v));
            });
    return new Object[] {
      r.subject().kind().name(),
      r.subject().id(),
      r.plan(),
      Codec.encode(overrides),
      r.active(),
      Times.stored("createdAt", r.createdAt()),
      Times.stored("updatedAt", r.updatedAt())
    };
  }

  private SubjectRecord subjectRecord(ResultSet rs) throws SQLException {
    List<String> packed = Codec.decode(text(rs, 4));
    Map<String, Long> overrides = new HashMap<>();
    for (int i = 0; i + 1 < packed.size(); i += 2) {
      overrides.put(packed.get(i), Long.parseLong(packed.get(i + 1)));
    }
    return new SubjectRecord(
        new SubjectRef(SubjectKind.valueOf(text(rs, 1)), text(rs, 2)),
        text(rs, 3),
        overrides,
        rs.getBoolean(5),
        Times.read(rs.getObject(6, LocalDateTime.class)),
        Times.read(rs.getObject(7, LocalDateTime.class)));
  }

  @Override
  public List<UsageEvent> findEvents(EventQuery query) {
    List<Object> params = new ArrayList<>();
    params.add(Times.clamped(query.from()));
    params.add(Times.clamped(query.to()));
    SubjectRef subject = query.subject();
    if (subject != null) {
      params.add(subject.kind().name());
      params.add(subject.id());
    }
    String workflow = query.workflowId();
    if (workflow != null) {
      params.add(workflow);
    }
    params.add(query.limit());
    if (query.from().equals(query.to())) {
      return List.of();
    }
    return db.inTransaction(
        "find events",
        tx ->
            tx.query(
                sql.selectEvents(subject != null, workflow != null),
                this::event,
                params.toArray()));
  }

  // ---- ledger rows --------------------------------------------------------------------------

  private static Object[] eventRow(UsageEvent e, @Nullable String closes) {
    List<String> tags = new ArrayList<>();
    new TreeMap<>(e.tags())
        .forEach(
            (k, v) -> {
              tags.add(k);
              tags.add(v);
            });
    return new Object[] {
      e.eventId(),
      Db.str(e.reservationId()),
      Db.str(closes),
      Times.stored("event time", e.time()),
      e.status().name(),
      e.subject().kind().name(),
      e.subject().id(),
      Db.str(e.apiKey()),
      Db.str(e.providerKey()),
      Db.str(e.tenant()),
      Db.str(e.workflowId()),
      Db.str(e.sessionId()),
      Db.str(e.operation()),
      Db.str(e.provider()),
      Db.str(e.model()),
      Db.str(e.agent()),
      Db.str(e.tool()),
      e.inputTokens(),
      e.outputTokens(),
      e.cachedInputTokens(),
      e.characters(),
      e.costMicros(),
      e.estimatedTokens(),
      Db.str(e.errorCode()),
      Db.str(e.errorMessage()),
      Codec.encode(tags)
    };
  }

  private UsageEvent event(ResultSet rs) throws SQLException {
    Map<String, String> tags = new HashMap<>();
    List<String> packed = Codec.decode(text(rs, 26));
    for (int i = 0; i + 1 < packed.size(); i += 2) {
      tags.put(packed.get(i), packed.get(i + 1));
    }
    return new UsageEvent(
        text(rs, 1),
        optText(rs, 2),
        Times.read(rs.getObject(4, LocalDateTime.class)),
        EventStatus.valueOf(text(rs, 5)),
        new SubjectRef(SubjectKind.valueOf(text(rs, 6)), text(rs, 7)),
        optText(rs, 8),
        optText(rs, 9),
        optText(rs, 10),
        optText(rs, 11),
        optText(rs, 12),
        optText(rs, 13),
        optText(rs, 14),
        optText(rs, 15),
        optText(rs, 16),
        optText(rs, 17),
        rs.getLong(18),
        rs.getLong(19),
        rs.getLong(20),
        rs.getLong(21),
        rs.getLong(22),
        rs.getLong(23),
        optText(rs, 24),
        optText(rs, 25),
        tags);
  }

  // ---- packed charges -----------------------------------------------------------------------

  /** A charge held by a reservation, as stored in its row. */
  record Held(CounterKey key, long amount, long limit, Instant windowEnd) {}

  static String packCharges(List<Charge> charges) {
    List<String> fields = new ArrayList<>(charges.size() * 7);
    for (Charge c : charges) {
      fields.add(c.key().limitId());
      fields.add(c.key().subject().kind().name());
      fields.add(c.key().subject().id());
      fields.add(c.key().windowStart().toString());
      fields.add(Long.toString(c.amount()));
      fields.add(Long.toString(c.limit()));
      fields.add(c.windowEnd().toString());
    }
    return Codec.encode(fields);
  }

  static List<Held> unpackCharges(String packed) {
    List<String> f = Codec.decode(packed);
    List<Held> out = new ArrayList<>(f.size() / 7);
    for (int i = 0; i + 6 < f.size(); i += 7) {
      out.add(
          new Held(
              new CounterKey(
                  f.get(i),
                  new SubjectRef(SubjectKind.valueOf(f.get(i + 1)), f.get(i + 2)),
                  Instant.parse(f.get(i + 3))),
              Long.parseLong(f.get(i + 4)),
              Long.parseLong(f.get(i + 5)),
              Instant.parse(f.get(i + 6))));
    }
    return out;
  }

  /**
   * The subject a reservation's expired event is filed under: the most specific subject among its
   * charges (a user or anonymous session before keys, tenants and the system).
   */
  static SubjectRef primarySubject(List<Charge> charges) {
    SubjectRef best = SubjectRef.SYSTEM;
    int bestRank = Integer.MAX_VALUE;
    for (Charge c : charges) {
      int rank =
          switch (c.key().subject().kind()) {
            case USER, ANONYMOUS -> 0;
            case API_KEY -> 1;
            case TENANT -> 2;
            case PROVIDER_KEY -> 3;
            case WORKFLOW -> 4;
            case SYSTEM -> 5;
          };
      if (rank < bestRank) {
        best = c.key().subject();
        bestRank = rank;
      }
    }
    return best;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  // ---- reports, administration and retention ------------------------------------------------

  /** Events or seqs bound per IN list. */
  private static final int IN_CHUNK = 1000;

  /**
   * {@inheritDoc}
   *
   * <p>One statement ({@code GROUP BY} over a {@code UNION ALL}), so one snapshot of the database:
   * each event is counted once whether compaction or purging runs meanwhile. The query is answered
   * by the first rollup that keeps every dimension it groups or filters by and whose grain fits its
   * buckets: the hourly one (operation, provider, model), then the daily one by agent and tool,
   * then the daily one by subject and operation. Its whole hours or days inside the range are read
   * from the rollup plus the events compaction has not added yet; the parts of the range before the
   * first and after the last whole bucket are read from the ledger and the daily summaries of
   * purged events, as is the whole range when no rollup fits (grouped or filtered by status,
   * provider key or workflow, say) or it spans no whole bucket. No rollup and no summary keeps the
   * workflow: grouped by {@link Dimension#WORKFLOW}, purged usage counts under a null workflow.
   */
  @Override
  public List<AggregateRow> aggregate(AggregateQuery q) {
    if (!q.from().isBefore(q.to())) {
      return List.of();
    }
    Sql.Rollup rollup = rollupFor(q);
    Instant wholeFrom = q.from();
    Instant wholeTo = q.to();
    if (rollup != null) {
      ChronoUnit unit = rollup.grain() == Bucket.HOUR ? ChronoUnit.HOURS : ChronoUnit.DAYS;
      Instant from = Times.read(Times.clamped(q.from()));
      Instant to = Times.read(Times.clamped(q.to()));
      Instant floor = from.truncatedTo(unit);
      wholeFrom = floor.equals(from) ? from : floor.plus(1, unit);
      wholeTo = to.truncatedTo(unit);
      if (!wholeFrom.isBefore(wholeTo)) {
        rollup = null;
      }
    }
    AggregateSql.Statement st = new AggregateSql(sql).statement(q, rollup, wholeFrom, wholeTo);
    return db.inTransaction(
        "aggregate usage",
        tx -> {
          String settings = sql.reportSettings();
          if (settings != null) {
            tx.update(settings);
          }
          return tx.query(st.sql(), rs -> aggregateRow(rs, q), st.params().toArray());
        });
  }

  private Sql.@Nullable Rollup rollupFor(AggregateQuery q) {
    EnumSet<Dimension> needs = EnumSet.noneOf(Dimension.class);
    needs.addAll(q.groupBy());
    needs.addAll(q.filters().keySet());
    if (q.subject() != null) {
      needs.add(Dimension.SUBJECT);
    }
    for (Sql.Rollup r : sql.rollups()) {
      if (r.dimensions().containsAll(needs)
          && (q.bucket() != Bucket.HOUR || r.grain() == Bucket.HOUR)) {
        return r;
      }
    }
    return null;
  }

  private AggregateRow aggregateRow(ResultSet rs, AggregateQuery q) throws SQLException {
    int i = 1;
    Instant bucket = null;
    if (q.bucket() != Bucket.NONE) {
      bucket = Times.read(rs.getObject(i++, LocalDateTime.class));
    }
    SubjectRef subject = null;
    if (q.groupBy().contains(Dimension.SUBJECT)) {
      String kind = text(rs, i++);
      subject = new SubjectRef(SubjectKind.valueOf(kind), text(rs, i++));
    }
    Map<Dimension, String> dims = new EnumMap<>(Dimension.class);
    for (Dimension d : AggregateSql.GROUP_DIMENSIONS) {
      if (q.groupBy().contains(d)) {
        String v = optText(rs, i++);
        if (v != null) {
          dims.put(d, v);
        }
      }
    }
    String status = dims.get(Dimension.STATUS);
    return new AggregateRow(
        bucket,
        subject,
        dims.get(Dimension.OPERATION),
        dims.get(Dimension.PROVIDER),
        dims.get(Dimension.MODEL),
        dims.get(Dimension.AGENT),
        dims.get(Dimension.TOOL),
        dims.get(Dimension.PROVIDER_KEY),
        status == null ? null : EventStatus.valueOf(status),
        dims.get(Dimension.WORKFLOW),
        rs.getLong(i),
        rs.getLong(i + 1),
        rs.getLong(i + 2),
        rs.getLong(i + 3),
        rs.getLong(i + 4),
        rs.getLong(i + 5),
        rs.getLong(i + 6),
        rs.getLong(i + 7));
  }

  @Override
  @CanIgnoreReturnValue
  public boolean resetCounters(Collection<CounterKey> keys, UsageEvent audit) {
    List<CounterKey> ordered = new ArrayList<>(new java.util.TreeSet<>(keys));
    Object[] eventRow = eventRow(audit, null);
    return db.inTransaction(
        "reset counters",
        tx -> {
          if (tx.insertUnlessPresent(sql.insertEvent(), eventRow) == 0) {
            tx.rollback();
            return false;
          }
          for (CounterKey k : ordered) {
            tx.update(sql.setUsed(), withKey(0L, k));
          }
          return true;
        });
  }

  @Override
  @CanIgnoreReturnValue
  public boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    List<CounterKey> sources = List.copyOf(emptied);
    List<UsageMove> targets = List.copyOf(charged);
    Object[] eventRow = eventRow(audit, null);
    return db.inTransaction(
        "move a subject",
        tx -> {
          if (tx.insertUnlessPresent(sql.insertEvent(), eventRow) == 0) {
            tx.rollback();
            return false;
          }
          // lock every counter involved in lock order, creating the targets first: a commit or
          // record of `from` under way on an emptied counter finishes (its event inserted) before
          // the events are read below, and one that starts later waits for this transaction
          TreeMap<CounterKey, Optional<UsageMove>> locked = new TreeMap<>(CounterKey.LOCK_ORDER);
          for (CounterKey k : sources) {
            locked.put(k, Optional.empty());
          }
          for (UsageMove m : targets) {
            locked.put(m.to(), Optional.of(m));
          }
          for (Map.Entry<CounterKey, Optional<UsageMove>> e : locked.entrySet()) {
            CounterKey k = e.getKey();
            if (e.getValue().isPresent()) {
              UsageMove m = e.getValue().get();
              ensureCounter(tx, k, m.toWindowEnd(), m.toLimit());
            }
            Long unused = tx.first(sql.lockCounter(), rs -> rs.getLong(1), withKey(null, k));
          }
          // lock the events (waiting for a compaction or purge that holds some), take those
          // already rolled up out of the rollups, and move them all as not rolled up
          List<Source> events =
              tx.query(sql.lockSubjectEvents(), this::source, from.kind().name(), from.id());
          // each target is charged what the events it moves would have charged it
          for (UsageMove m : targets) {
            long amount = 0;
            for (Source e : events) {
              long a =
                  m.amountOf(
                      e.status(),
                      Times.read(e.time()),
                      dim(e, 1),
                      dim(e, 2),
                      dim(e, 0),
                      e.amounts()[0],
                      e.amounts()[1],
                      e.amounts()[3],
                      e.amounts()[4]);
              amount = amount + a < 0 ? Long.MAX_VALUE : amount + a;
            }
            if (amount > 0) {
              tx.update(sql.addUsed(), withKey(amount, m.to()));
            }
          }
          for (CounterKey k : sources) {
            tx.update(sql.setUsed(), withKey(0L, k));
          }
          addToRollups(tx, events.stream().filter(Source::rolledUp).toList(), -1);
          for (int i = 0; i < events.size(); i += IN_CHUNK) {
            List<Source> chunk = events.subList(i, Math.min(events.size(), i + IN_CHUNK));
            List<Object> p = new ArrayList<>(chunk.size() + 2);
            p.add(to.kind().name());
            p.add(to.id());
            for (Source e : chunk) {
              p.add(e.seq());
            }
            tx.update(sql.moveEvents(chunk.size()), p.toArray());
          }
          return true;
        });
  }

  /** Operation (0), provider (1) or model (2) of a moved event; null for none. */
  private static @Nullable String dim(Source e, int i) {
    String v = e.dims().get(i);
    return v.isEmpty() ? null : v;
  }

  /** The key's parameters, after {@code first} unless it is null. */
  private static Object[] withKey(@Nullable Object first, CounterKey k) {
    List<Object> p = new ArrayList<>(5);
    if (first != null) {
      p.add(first);
    }
    p.add(k.limitId());
    p.add(k.subject().kind().name());
    p.add(k.subject().id());
    p.add(Times.stored("windowStart", k.windowStart()));
    return p.toArray();
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction: claim the oldest events before the cutoff with {@code SELECT ... FOR UPDATE
   * SKIP LOCKED} (rows another instance is purging or compacting are skipped, never waited for),
   * add those that compaction has not added yet to the rollups (so the rollups keep every purged
   * event), sum them all by day, subject and dimensions with {@code GROUP BY}, add the sums to the
   * daily summaries with upserts in key order, delete the events.
   */
  @Override
  @CanIgnoreReturnValue
  public int purgeEvents(Instant before, int maxEvents) {
    Args.argument(maxEvents >= 1, "maxEvents", "must be greater than zero", maxEvents);
    LocalDateTime cutoff = Times.clamped(before);
    return db.inMaintenanceTransaction(
        "purge ledger events",
        tx -> {
          List<Source> claimed = tx.query(sql.claimOldEvents(), this::source, cutoff, maxEvents);
          if (claimed.isEmpty()) {
            return 0;
          }
          addToRollups(tx, claimed.stream().filter(e -> !e.rolledUp()).toList(), 1);
          List<Long> seqs = claimed.stream().map(Source::seq).toList();
          TreeMap<List<String>, Object[]> rows = new TreeMap<>(JdbcQuotaStore::compareKeys);
          for (int from = 0; from < seqs.size(); from += IN_CHUNK) {
            List<Long> chunk = seqs.subList(from, Math.min(seqs.size(), from + IN_CHUNK));
            for (Object[] r :
                tx.query(sql.summarizeEvents(chunk.size()), this::summaryRow, chunk.toArray())) {
              List<String> key =
                  List.of(r[0].toString(), (String) r[1], (String) r[2], (String) r[3]);
              rows.merge(key, r, JdbcQuotaStore::addSums);
            }
          }
          tx.upsertAll(sql.upsertDaily(), new ArrayList<>(rows.values()));
          for (int from = 0; from < seqs.size(); from += IN_CHUNK) {
            List<Long> chunk = seqs.subList(from, Math.min(seqs.size(), from + IN_CHUNK));
            tx.update(sql.deleteEvents(chunk.size()), chunk.toArray());
          }
          return seqs.size();
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction: claim the oldest events that are not rolled up with {@code SELECT ... FOR
   * UPDATE SKIP LOCKED} (rows another instance is compacting or purging are skipped, never waited
   * for), sum them per row of each rollup in the JVM, add the sums with multi-row upserts of up to
   * {@value Sql#ROLLUP_ROWS_PER_STATEMENT} rows in key order (so two compactions never deadlock),
   * and set their {@code rolled_up}. Reports read the rollups plus the events not rolled up in one
   * statement, so each event counts once before, during and after.
   */
  @Override
  @CanIgnoreReturnValue
  public int compactEvents(int maxEvents) {
    Args.argument(maxEvents >= 1, "maxEvents", "must be greater than zero", maxEvents);
    return db.inMaintenanceTransaction(
        "compact ledger events",
        tx -> {
          List<Source> claimed = tx.query(sql.claimUnrolledEvents(), this::source, maxEvents);
          if (claimed.isEmpty()) {
            return 0;
          }
          addToRollups(tx, claimed, 1);
          for (int from = 0; from < claimed.size(); from += IN_CHUNK) {
            List<Source> chunk = claimed.subList(from, Math.min(claimed.size(), from + IN_CHUNK));
            List<Object> p = new ArrayList<>(chunk.size() + 1);
            p.add(true);
            for (Source e : chunk) {
              p.add(e.seq());
            }
            tx.update(sql.setRolledUp(chunk.size()), p.toArray());
          }
          return claimed.size();
        });
  }

  /**
   * An event as compaction reads it ({@link Sql#ROLLUP_SOURCE_COLUMNS}).
   *
   * @param dims operation, provider, model, agent, tool; the empty string for none
   * @param amounts input, output and cached tokens, characters, cost
   */
  private record Source(
      long seq,
      boolean rolledUp,
      LocalDateTime time,
      EventStatus status,
      String kind,
      String subjectId,
      List<String> dims,
      long[] amounts) {

    String key(String column) {
      return switch (column) {
        case "subject_id" -> subjectId;
        case "operation" -> dims.get(0);
        case "provider" -> dims.get(1);
        case "model" -> dims.get(2);
        case "agent" -> dims.get(3);
        case "tool" -> dims.get(4);
        default -> throw new IllegalArgumentException("not a rollup key: " + column);
      };
    }
  }

  private Source source(ResultSet rs) throws SQLException {
    List<String> dims = new ArrayList<>(5);
    for (int i = 7; i <= 11; i++) {
      String v = optText(rs, i);
      dims.add(v == null ? "" : v);
    }
    long[] amounts = new long[5];
    for (int i = 0; i < 5; i++) {
      amounts[i] = rs.getLong(12 + i);
    }
    return new Source(
        rs.getLong(1),
        rs.getBoolean(2),
        rs.getObject(3, LocalDateTime.class),
        EventStatus.valueOf(text(rs, 4)),
        text(rs, 5),
        text(rs, 6),
        dims,
        amounts);
  }

  /**
   * Adds ({@code sign} 1) or takes out (-1) the outcome events of {@code events} to every rollup:
   * per rollup, multi-row upserts with the rows in key order.
   */
  private void addToRollups(Db.Tx tx, List<Source> events, int sign) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    for (Sql.Rollup r : sql.rollups()) {
      ChronoUnit unit = r.grain() == Bucket.HOUR ? ChronoUnit.HOURS : ChronoUnit.DAYS;
      TreeMap<List<String>, Object[]> rows = new TreeMap<>(JdbcQuotaStore::compareKeys);
      for (Source e : events) {
        EventStatus status = e.status();
        if (!AggregateQuery.isOutcome(status)) {
          continue;
        }
        LocalDateTime bucket = e.time().truncatedTo(unit);
        List<String> key = new ArrayList<>();
        key.add(bucket.toString());
        key.add(e.kind());
        for (String column : r.keys()) {
          key.add(e.key(column));
        }
        Object[] row = rows.get(key);
        if (row == null) {
          List<Object> fresh = new ArrayList<>();
          fresh.add(bucket);
          fresh.add(e.kind());
          if (r.hashed()) {
            fresh.add(sha256(Codec.encode(key.subList(2, key.size()))));
          }
          fresh.addAll(key.subList(2, key.size())); // the keys, or the hashed columns
          for (int i = 0; i < Sql.ROLLUP_SUMS.size(); i++) {
            fresh.add(0L);
          }
          row = fresh.toArray();
          rows.put(key, row);
        }
        boolean usage = status == EventStatus.SUCCESS || status == EventStatus.ERROR;
        long[] add = new long[Sql.ROLLUP_SUMS.size()];
        add[0] = usage ? 1 : 0;
        add[1] = status == EventStatus.ERROR ? 1 : 0;
        add[2] = status == EventStatus.QUOTA_EXCEEDED ? 1 : 0;
        for (int i = 0; i < 5; i++) {
          add[3 + i] = usage ? e.amounts()[i] : 0;
        }
        int base = row.length - add.length;
        for (int i = 0; i < add.length; i++) {
          row[base + i] = Args.add("rollup sum", (Long) row[base + i], sign * add[i]);
        }
      }
      List<Object[]> all = new ArrayList<>(rows.values());
      for (int from = 0; from < all.size(); from += Sql.ROLLUP_ROWS_PER_STATEMENT) {
        List<Object[]> chunk =
            all.subList(from, Math.min(all.size(), from + Sql.ROLLUP_ROWS_PER_STATEMENT));
        List<Object> params = new ArrayList<>(chunk.size() * chunk.get(0).length);
        for (Object[] row : chunk) {
          params.addAll(Arrays.asList(row));
        }
        tx.upsert(sql.upsertRollup(r, chunk.size()), params.toArray());
      }
    }
  }

  private static int compareKeys(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** A summary row as bound to {@link Sql#upsertDaily()}. */
  private Object[] summaryRow(ResultSet rs) throws SQLException {
    LocalDateTime day = rs.getObject(1, LocalDateTime.class);
    String kind = text(rs, 2);
    String id = text(rs, 3);
    String status = text(rs, 4);
    List<String> dims = new ArrayList<>();
    dims.add(status);
    Object[] row = new Object[Sql.DAILY_PARAMS];
    row[0] = day;
    row[1] = kind;
    row[2] = id;
    row[4] = status;
    for (int i = 0; i < 6; i++) {
      String v = optText(rs, 5 + i);
      dims.add(v == null ? "" : v);
      row[5 + i] = Db.str(v);
    }
    row[3] = sha256(Codec.encode(dims));
    for (int i = 0; i < 6; i++) {
      row[11 + i] = rs.getLong(11 + i);
    }
    return row;
  }

  private static Object[] addSums(Object[] a, Object[] b) {
    Object[] out = a.clone();
    for (int i = 11; i < Sql.DAILY_PARAMS; i++) {
      out[i] = Args.add("summary sum", (Long) a[i], (Long) b[i]);
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction: claim counters with {@code SELECT ... FOR UPDATE SKIP LOCKED}, then delete
   * each unless it holds a reserved amount.
   */
  @Override
  @CanIgnoreReturnValue
  public int purgeCounters(Instant endedBefore, int maxCounters) {
    Args.argument(maxCounters >= 1, "maxCounters", "must be greater than zero", maxCounters);
    LocalDateTime cutoff = Times.clamped(endedBefore);
    return db.inMaintenanceTransaction(
        "purge ended counters",
        tx -> {
          List<Object[]> keys =
              tx.query(
                  sql.claimEndedCounters(),
                  rs ->
                      new Object[] {
                        text(rs, 1), text(rs, 2), text(rs, 3), rs.getObject(4, LocalDateTime.class)
                      },
                  cutoff,
                  maxCounters);
          int n = 0;
          for (int c : tx.batch(sql.deleteIdleCounter(), keys)) {
            n += c == java.sql.Statement.SUCCESS_NO_INFO ? 1 : c;
          }
          return n;
        });
  }

  /** Closes the pool this store built from a URL; never a caller's data source or Jdbi. */
  @Override
  public void close() {
    AutoCloseable o = owned;
    if (o != null) {
      try {
        o.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the quota4j connection pool failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "JdbcQuotaStore[" + sql.dialect().displayName() + ", prefix " + sql.t.prefix + "]";
  }

  // ---- builder ------------------------------------------------------------------------------

  /** Builds a {@link JdbcQuotaStore}. */
  @CanIgnoreReturnValue
  public static final class Builder {
    private @Nullable DataSource dataSource;
    private @Nullable Jdbi jdbi;
    private @Nullable String url;
    private @Nullable String username;
    private @Nullable String password;
    private int maxPoolSize = 10;
    private Duration connectionTimeout = Duration.ofSeconds(5);
    private Duration socketTimeout = Duration.ofSeconds(30);
    private @Nullable Duration statementTimeout;
    private @Nullable JdbcDialect dialect;
    private String tablePrefix = Tables.DEFAULT_PREFIX;
    private SchemaMode schemaMode = SchemaMode.VALIDATE;
    private int maxAttempts = 5;

    private Builder() {}

    /** Connections from the caller's data source, which the store never closes. */
    public Builder dataSource(DataSource value) {
      dataSource = Objects.requireNonNull(value, "dataSource");
      return this;
    }

    /** Connections from the caller's Jdbi, which the store never closes. */
    public Builder jdbi(Jdbi value) {
      jdbi = Objects.requireNonNull(value, "jdbi");
      return this;
    }

    /**
     * A JDBC URL: the store builds, owns and closes a small HikariCP pool (read committed, {@link
     * #maxPoolSize} connections). The driver must be on the class path.
     */
    public Builder url(String value) {
      Args.argument(value.startsWith("jdbc:"), "url", "must start with jdbc:", redact(value));
      url = value;
      return this;
    }

    /** The user and password for {@link #url}; none by default (or given in the URL). */
    public Builder credentials(String user, @Nullable String pass) {
      username = Args.id("username", user);
      password = pass;
      return this;
    }

    /**
     * The {@link #url} and {@link #credentials} from the variables the seed services configure
     * their database with: {@code DATABASE_URL} when it is set and not blank, otherwise {@code
     * DB_HOST} (default {@code localhost}), {@code DB_PORT} (default {@code 3306}), {@code DB_NAME}
     * (required), {@code DB_USER} and {@code DB_PASSWORD}, which name a MySQL or MariaDB database
     * as the seed's {@code mysql+pymysql://} URL does.
     *
     * <pre>{@code
     * // DATABASE_URL=mysql+pymysql://app:s%40cret@db:3306/supervisor_db
     * //   -> url jdbc:mysql://db:3306/supervisor_db (jdbc:mariadb:// with only MariaDB's driver),
     * //      credentials("app", "s@cret")
     * JdbcQuotaStore store = JdbcQuotaStore.builder().fromEnvironment().build();
     * }</pre>
     *
     * <p>{@code DATABASE_URL} is a {@code jdbc:} URL, used as it is, or a SQLAlchemy URL {@code
     * dialect[+driver]://[user[:password]@]host[:port]/database[?query]} with dialect {@code
     * postgresql} or {@code postgres} (to {@code jdbc:postgresql://}), {@code mysql} or {@code
     * mariadb} (to {@code jdbc:mysql://} or {@code jdbc:mariadb://}: the driver of the dialect's
     * name unless only the other one is on the class path); the Python driver after the {@code +}
     * does not matter. The user and password are percent-decoded, as SQLAlchemy does, and given as
     * credentials, never in the URL; so are {@code DB_USER} and {@code DB_PASSWORD}, which the seed
     * puts into such a URL. Query parameters: {@code connect_timeout} (whole seconds, 0 to 2147483,
     * which the drivers can hold as milliseconds) is carried over, and on PostgreSQL {@code
     * sslmode}, {@code sslrootcert} and {@code application_name}; MySQL's {@code charset} is
     * dropped; any other is refused (use a {@code jdbc:} URL for the driver's own options).
     *
     * <p>Credentials the variables name replace any set before; when they name none, those set
     * before stay. Later calls to {@link #url} or {@link #credentials} override these.
     *
     * @throws IllegalArgumentException naming the variable and its value (any password replaced by
     *     {@code ***}, {@code DB_PASSWORD} never shown) when the URL is malformed or of another
     *     database ({@code sqlite}, ...), has a query parameter not carried over or a value of one
     *     out of range, or a port that is not a number, or {@code DATABASE_URL} is unset and {@code
     *     DB_NAME} too, or {@code DB_PORT} is not a port number
     */
    public Builder environment(Map<String, String> env) {
      DatabaseEnvironment.Target target =
          DatabaseEnvironment.read(env, DatabaseEnvironment::driverPresent);
      url = target.url();
      if (target.user() != null || target.password() != null) {
        username = target.user();
        password = target.password();
      }
      return this;
    }

    /** {@link #environment(Map)} from this process's environment variables. */
    public Builder fromEnvironment() {
      return environment(System.getenv());
    }

    /** The size of the pool built for {@link #url}; 10 by default. */
    public Builder maxPoolSize(int value) {
      Args.argument(value >= 1 && value <= 1000, "maxPoolSize", "must be 1 to 1000", value);
      maxPoolSize = value;
      return this;
    }

    /**
     * How long a call waits for a connection of the pool built for {@link #url} before failing with
     * {@link QuotaStoreUnavailableException}; 5 seconds by default. While the database is
     * unreachable the pool waits this long on every call even when connections are refused at once,
     * so it is what a caller in {@code FAIL_CLOSED} waits for its exception during an outage; a
     * manager in {@code FAIL_OPEN} waits it only once per {@code
     * QuotaManager.Builder#storeRetryInterval}.
     */
    public Builder connectionTimeout(Duration value) {
      Args.argument(
          value.compareTo(Duration.ofMillis(250)) >= 0,
          "connectionTimeout",
          "must be 250 ms or more",
          value);
      connectionTimeout = value;
      return this;
    }

    /**
     * How long a connection of the pool built for {@link #url} waits for the database's answer to a
     * statement before it is given up and the call fails with {@link
     * QuotaStoreUnavailableException}; 30 seconds by default, {@link Duration#ZERO} for no limit.
     * Without it, a network that drops packets (rather than refusing connections) would hold a
     * caller until the operating system gives up on the TCP connection, which takes minutes to
     * hours. Every quota operation is a short transaction; raise it only for long reports.
     *
     * <p>Applied as the driver's {@code socketTimeout} for PostgreSQL, MariaDB and MySQL URLs, with
     * {@link #connectionTimeout} as the driver's connect (and, for PostgreSQL, login) timeout, each
     * unless the URL sets it. Not used with a caller's data source or Jdbi, whose own settings
     * apply. The {@link #statementTimeout} follows it unless set.
     */
    public Builder socketTimeout(Duration value) {
      Args.argument(!value.isNegative(), "socketTimeout", "must not be negative", value);
      socketTimeout = value;
      return this;
    }

    /**
     * How long the database lets one statement of the pool built for {@link #url} run before it
     * cancels it itself; by default 80 % of the {@link #socketTimeout} (24 seconds of 30), none
     * when that is zero; {@link Duration#ZERO} for none. It must be shorter than the socket
     * timeout: then a statement the database is slow to finish (waiting for a lock, an overloaded
     * server) is cancelled by the database before the client gives up on its answer, so that a call
     * that failed did not change anything later. The rest of the socket timeout is the margin for
     * the network and the commit that follows the statement; a call that still fails on its socket
     * timeout (a network that stalls longer) says that its outcome is unknown.
     *
     * <p>Set once on each physical connection of the pool, when it opens, as the server's session
     * setting: PostgreSQL {@code statement_timeout}; MariaDB {@code max_statement_time}; MySQL
     * {@code max_execution_time}, which MySQL applies to {@code SELECT} statements only, so that on
     * MySQL writes have no server-side timeout. Not set when the URL sets that setting itself, and
     * not on H2, which has no socket timeout to stay under. Not available with a caller's data
     * source or Jdbi, whose sessions the store does not change (they may serve the host's own long
     * queries): configure the server-side timeout there, shorter than the socket timeout (for
     * HikariCP {@code connectionInitSql}, or on PostgreSQL the {@code options} connection property
     * {@code -c statement_timeout=...}).
     *
     * @throws IllegalArgumentException when negative or under 1 ms; {@link #build} throws it when
     *     the value is not shorter than a non-zero {@link #socketTimeout}, or is set without a
     *     {@link #url}
     */
    public Builder statementTimeout(Duration value) {
      Args.argument(
          value.isZero() || value.compareTo(Duration.ofMillis(1)) >= 0,
          "statementTimeout",
          "must be zero (none) or 1 ms or more",
          value);
      statementTimeout = value;
      return this;
    }

    /** The dialect, instead of detecting it from the connection. */
    public Builder dialect(JdbcDialect value) {
      dialect = Objects.requireNonNull(value, "dialect");
      return this;
    }

    /**
     * The prefix of every table name, {@code quota_} by default: a lower-case letter, then up to 31
     * lower-case letters, digits or underscores.
     */
    public Builder tablePrefix(String value) {
      tablePrefix = Tables.validatePrefix(value);
      return this;
    }

    /** What to do about the tables at build time; {@link SchemaMode#VALIDATE} by default. */
    public Builder schemaMode(SchemaMode value) {
      schemaMode = Objects.requireNonNull(value, "schemaMode");
      return this;
    }

    /**
     * How many times a transaction runs when it keeps hitting serialization failures, deadlocks or
     * lock timeouts; 5 by default.
     */
    public Builder maxAttempts(int value) {
      Args.argument(value >= 1 && value <= 100, "maxAttempts", "must be 1 to 100", value);
      maxAttempts = value;
      return this;
    }

    /**
     * Builds the store: detects the dialect (unless set) and applies the {@link SchemaMode}.
     *
     * <p>With the {@link #dialect} set and {@link SchemaMode#NONE}, the build makes no connection
     * (the pool built for a {@link #url} starts empty), so a host whose manager is {@code
     * FAIL_OPEN} can start while the database is down; each store call then fails with {@link
     * QuotaStoreUnavailableException} until the database is back. Validate the schema once it is,
     * for example by building a second store with {@link SchemaMode#VALIDATE}.
     *
     * @throws IllegalArgumentException when not exactly one of data source, Jdbi and URL is set
     * @throws IllegalStateException when the schema is missing or of an unknown version, or the
     *     database is not supported
     * @throws QuotaStoreUnavailableException when the database cannot be reached
     */
    public JdbcQuotaStore build() {
      int sources = (dataSource != null ? 1 : 0) + (jdbi != null ? 1 : 0) + (url != null ? 1 : 0);
      if (sources != 1) {
        throw new IllegalArgumentException(
            "exactly one of dataSource, jdbi and url must be set, " + sources + " were");
      }
      Duration statement = statementTimeout;
      if (statement != null) {
        Args.argument(
            url != null,
            "statementTimeout",
            "applies only to the pool built from a url: configure the server-side timeout of the"
                + " given data source or Jdbi on its connections",
            statement);
        Args.argument(
            statement.isZero() || socketTimeout.isZero() || statement.compareTo(socketTimeout) < 0,
            "statementTimeout",
            "must be shorter than socketTimeout (" + socketTimeout + ")",
            statement);
      } else {
        statement = Duration.ofMillis(socketTimeout.toMillis() / 5 * 4);
      }
      Tables tables = new Tables(tablePrefix);
      AutoCloseable owned = null;
      Db.ConnectionSource source;
      String where;
      boolean connects = dialect == null || schemaMode != SchemaMode.NONE;
      if (url != null) {
        DataSource pool =
            OwnedPool.create(
                url,
                username,
                password,
                maxPoolSize,
                connectionTimeout,
                socketTimeout,
                statement,
                connects);
        owned = (AutoCloseable) pool;
        source = Db.of(pool);
        where = redact(url);
      } else if (jdbi != null) {
        source = Db.of(jdbi);
        where = "the given Jdbi";
      } else {
        source = Db.of(Objects.requireNonNull(dataSource));
        where = "the given DataSource";
      }
      try {
        JdbcDialect d = dialect;
        if (connects) {
          try (Db.Lease lease = source.open()) {
            Connection c = lease.connection();
            if (d == null) {
              d = JdbcDialect.detect(c.getMetaData());
            }
          } catch (SQLException e) {
            throw new QuotaStoreUnavailableException(
                "cannot connect to " + where + ": " + Failures.describe(e), e);
          }
        }
        Sql sql = Objects.requireNonNull(d, "dialect").sql(tables);
        if (schemaMode == SchemaMode.INSTALL) {
          SchemaInstaller.install(source, sql);
        }
        if (schemaMode != SchemaMode.NONE) {
          SchemaInstaller.validate(source, sql);
        }
        return new JdbcQuotaStore(source, sql, maxAttempts, owned);
      } catch (RuntimeException e) {
        if (owned != null) {
          try {
            owned.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
    }
  }

  /** A JDBC URL without its password, for messages. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password|pwd)=[^&;]*", "$1=***")
        .replaceAll("//[^/@?;]*:[^/@?;]*@", "//***@");
  }
}
