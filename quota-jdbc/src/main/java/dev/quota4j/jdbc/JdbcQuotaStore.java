package dev.quota4j.jdbc;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.DenialCount;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * <p><b>Hot counters in stripes</b> (schema V8). A charge that asks for more than one row ({@link
 * Charge#stripes()}, from {@code Limit.stripes}; limits on the system subject ask for 16 by
 * default) is kept as its counter row plus that many stripe rows in {@code counter_stripes}, each
 * with a share of the limit. A reserve adds the amount to any stripe whose share has room, skipping
 * stripes other transactions hold ({@code FOR UPDATE SKIP LOCKED}); when none has room it
 * consolidates in a transaction of its own: every stripe locked in stripe order, then the counter
 * row, the charge tested against the sums exactly as one row would be, the shares cut again. The
 * reservation row records the stripe each charge was added to, and commit, release and reclaim
 * settle that stripe (an actual amount above the reserved one consolidates). Reads, rejections and
 * the {@code used} a commit returns are sums. No design admits past a limit: see {@code Stripes}
 * for the invariant. On PostgreSQL, hot charges run statement by statement (still one transaction
 * per reserve and commit); the admission functions of V8 leave striped counters alone.
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
 * the reservations (and the owner argument of PostgreSQL's reserve function); V8 adds {@code
 * counter_stripes}, the counters' {@code stripes} column and admission functions that leave striped
 * counters to the statements.
 *
 * <p>MySQL and MariaDB: the driver must report matched rows for updates (the default; do not set
 * {@code useAffectedRows=true}).
 */
public final class JdbcQuotaStore implements QuotaStore {
  // This class checks arguments and hands each step to one package-private part:
  // Admissions (StatementAdmissions, FunctionAdmissions) reserve and commit; StatementAdmissions
  // also releases and records; Leases extends and reclaims; Counters holds the counter statements
  // all of them share; Directory the subjects and event lookups; Aggregates (over AggregateSql)
  // the reports; Maintenance resets, moves, compaction and purges; Rows maps rows to values.

  /**
   * This store instance, recorded on each reservation it makes: it releases its own reservations by
   * the caller's clock, any other only by the database's (schema V5).
   */
  private final String leaseOwner = UUID.randomUUID().toString();

  private final Db db;
  private final Sql sql;
  private final @Nullable AutoCloseable owned;
  private final Counters counters;
  private final Leases leases;
  private final StatementAdmissions byStatements;
  private final Admissions admissions;
  private final Directory directory;
  private final Aggregates aggregates;
  private final Maintenance maintenance;

  JdbcQuotaStore(
      Db.ConnectionSource source,
      Sql sql,
      int maxAttempts,
      boolean reportCounters,
      @Nullable AutoCloseable owned) {
    this.sql = sql;
    this.db = new Db(source, sql, maxAttempts);
    this.owned = owned;
    Rows rows = new Rows(sql);
    this.counters = new Counters(sql, rows, leaseOwner);
    this.leases = new Leases(db, sql, rows, counters, leaseOwner);
    this.byStatements =
        new StatementAdmissions(db, sql, rows, counters, leases, leaseOwner, reportCounters);
    this.admissions = Admissions.of(db, sql, byStatements, leaseOwner);
    this.directory = new Directory(db, sql, rows);
    this.aggregates = new Aggregates(db, sql, rows);
    this.maintenance = new Maintenance(db, sql, rows, counters);
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

  // ---- admission ----------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>One attempt (one transaction, see {@link Admissions}); when the charge that missed would fit
   * with nothing reserved on its counter, the ended leases holding the charged counters are
   * reclaimed and, if any was, one attempt more.
   */
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
    SubjectRef subject = Rows.primarySubject(given);
    List<Object> row =
        List.of(
            reservationId,
            subject.kind().name(),
            subject.id(),
            Rows.packCharges(given),
            Times.clamped(now),
            Times.clamped(leaseUntil));
    Admissions.Request request =
        new Admissions.Request(row, given, ordered, Leases.leaseMicros(now, leaseUntil));
    ReserveResult result = admissions.reserve(request);
    // a lease that ended may hold what the missed counter needs; when the charge would not fit
    // even with nothing reserved on it, no reclaim can help (a reclaim lowers reserved, never
    // used), and the rejection stands without a second transaction
    if (result instanceof ReserveResult.Rejected rejected && fitsWithNothingReserved(rejected)) {
      List<CounterKey> keys = given.stream().map(Charge::key).toList();
      if (leases.reclaimTouching(keys, now) > 0) {
        result = admissions.reserve(request);
      }
    }
    return result;
  }

  private static boolean fitsWithNothingReserved(ReserveResult.Rejected r) {
    Charge c = r.charge();
    return r.current().reserved() > 0
        && c.admission().admits(r.current().used(), 0, c.amount(), c.limit());
  }

  @Override
  public CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event) {
    Args.id("reservationId", reservationId);
    List<Charge> charges = List.copyOf(actual);
    return admissions.commit(reservationId, Rows.eventRow(event, reservationId), charges);
  }

  @Override
  @CanIgnoreReturnValue
  public boolean release(String reservationId, UsageEvent event) {
    Args.id("reservationId", reservationId);
    return byStatements.release(reservationId, Rows.eventRow(event, reservationId));
  }

  @Override
  public CommitResult record(List<Charge> charges, UsageEvent event) {
    List<Charge> given = List.copyOf(charges);
    return byStatements.record(given, Rows.eventRow(event, null));
  }

  @Override
  @CanIgnoreReturnValue
  public boolean appendEvent(UsageEvent event) {
    return byStatements.appendEvent(Rows.eventRow(event, null));
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
    return leases.extend(reservationId, now, leaseUntil);
  }

  @Override
  @CanIgnoreReturnValue
  public int reclaimExpired(Instant now) {
    return leases.reclaimExpired(now);
  }

  // ---- reads --------------------------------------------------------------------------------

  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
    List<CounterKey> list = List.copyOf(keys);
    if (list.isEmpty()) {
      return Map.of();
    }
    return db.inTransaction("read counters", tx -> counters.readCounters(tx, list));
  }

  /**
   * Reads the counters and, in the same statement, whether any reservation's lease has ended (by
   * the rule of {@link #reclaimExpired}); when one has and a counter read holds something, reclaims
   * the ended leases and reads again. One statement when no lease has ended.
   */
  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys, Instant now) {
    List<CounterKey> list = List.copyOf(keys);
    return list.isEmpty() ? Map.of() : leases.countersReclaimingEnded(list, now);
  }

  @Override
  public Optional<SubjectRecord> findSubject(SubjectRef subject) {
    return directory.findSubject(subject);
  }

  @Override
  public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
    return directory.createSubjectIfAbsent(record);
  }

  @Override
  public void saveSubject(SubjectRecord record) {
    directory.saveSubject(record);
  }

  @Override
  public List<UsageEvent> findEvents(EventQuery query) {
    return directory.findEvents(query);
  }

  // ---- reports, administration and retention ------------------------------------------------

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
    return aggregates.aggregate(q);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement over the ledger and the daily summaries; summaries written before schema V6
   * count under a null code.
   */
  @Override
  public List<DenialCount> denialsByCode(Instant from, Instant to) {
    Args.argument(!to.isBefore(from), "to", "must not be before from (" + from + ")", to);
    return aggregates.denialsByCode(from, to);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads the subject indexes of the ledger and of the daily summaries, one range scan each from
   * {@code after}, and merges them. Ids are in code point order of the stored text (on PostgreSQL,
   * where U+0000 is stored escaped, an id holding U+0000 or U+E000 sorts by its escaped form); on
   * H2, as {@link String#compareTo}.
   */
  @Override
  public List<String> subjectIds(
      SubjectKind kind, Instant from, Instant to, @Nullable String after, int limit) {
    Args.argument(limit > 0, "limit", "must be greater than zero", limit);
    return aggregates.subjectIds(kind, from, to, after, limit);
  }

  @Override
  @CanIgnoreReturnValue
  public boolean resetCounters(Collection<CounterKey> keys, UsageEvent audit) {
    return maintenance.resetCounters(keys, audit);
  }

  @Override
  @CanIgnoreReturnValue
  public boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    return maintenance.moveSubject(from, to, emptied, charged, audit);
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
    return maintenance.purgeEvents(before, maxEvents);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction: claim the oldest events that are not rolled up with {@code SELECT ... FOR
   * UPDATE SKIP LOCKED} (rows another instance is compacting or purging are skipped, never waited
   * for), sum them per row of each rollup in the JVM, add the sums with multi-row upserts of up to
   * {@value Rollup#ROWS_PER_STATEMENT} rows in key order (so two compactions never deadlock), and
   * set their {@code rolled_up}. Reports read the rollups plus the events not rolled up in one
   * statement, so each event counts once before, during and after.
   */
  @Override
  @CanIgnoreReturnValue
  public int compactEvents(int maxEvents) {
    return maintenance.compactEvents(maxEvents);
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
    return maintenance.purgeCounters(endedBefore, maxCounters);
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
    @Nullable DataSource dataSource;
    @Nullable Jdbi jdbi;
    @Nullable String url;
    @Nullable String username;
    @Nullable String password;
    int maxPoolSize = 10;
    Duration connectionTimeout = Duration.ofSeconds(5);
    Duration socketTimeout = Duration.ofSeconds(30);
    @Nullable Duration statementTimeout;
    @Nullable JdbcDialect dialect;
    String tablePrefix = Tables.DEFAULT_PREFIX;
    SchemaMode schemaMode = SchemaMode.VALIDATE;
    int maxAttempts = 5;
    boolean reportCounters;

    private Builder() {}

    /** Connections from the caller's data source, which the store never closes. */
    public Builder dataSource(DataSource value) {
      dataSource = Objects.requireNonNull(value, "dataSource");
      return this;
    }

    /**
     * Connections from the caller's Jdbi, which the store never closes. Jdbi ({@code
     * org.jdbi:jdbi3-core}) is an optional dependency of quota-jdbc: a host that calls this method
     * has it already; the other two ways need it not.
     */
    public Builder jdbi(Jdbi value) {
      jdbi = Objects.requireNonNull(value, "jdbi");
      return this;
    }

    /**
     * A JDBC URL: the store builds, owns and closes a small HikariCP pool (read committed, {@link
     * #maxPoolSize} connections). The driver must be on the class path, and so must HikariCP
     * ({@code com.zaxxer:HikariCP}), an optional dependency of quota-jdbc that only this way uses;
     * without it {@link #build()} throws {@link IllegalStateException} saying so.
     */
    public Builder url(String value) {
      Args.argument(
          value.startsWith("jdbc:"), "url", "must start with jdbc:", StoreOpener.redact(value));
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
     * Whether a reservation reports every counter it charged, with the reservation counted in
     * ({@code ReserveResult.Granted#counters}, which {@code Reservation.limits()} and rate-limit
     * headers read). PostgreSQL reports them either way; on H2 and MySQL/MariaDB, whose {@code
     * UPDATE} returns no values, this costs one more statement per reservation (a read in the same
     * transaction). Off by default.
     */
    public Builder reportCounters(boolean value) {
      reportCounters = value;
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
      return StoreOpener.open(this);
    }
  }
}
