package dev.quota4j.jdbc;

import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.ReserveResult;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reserve and commit as one call each of the PL/pgSQL functions of schema V4 (PostgreSQL), in
 * autocommit mode: one statement, one transaction. A commit the function hands back (SQLSTATE
 * {@value Sql#COMMIT_BY_STATEMENTS}) runs through {@link StatementAdmissions}.
 */
final class FunctionAdmissions implements Admissions {
  private final Db db;
  private final String reserveCall;
  private final String commitCall;
  private final StatementAdmissions byStatements;
  private final String leaseOwner;

  FunctionAdmissions(
      Db db,
      String reserveCall,
      String commitCall,
      StatementAdmissions byStatements,
      String leaseOwner) {
    this.db = db;
    this.reserveCall = reserveCall;
    this.commitCall = commitCall;
    this.byStatements = byStatements;
    this.leaseOwner = leaseOwner;
  }

  /** Whether a charge is kept in stripes, which the functions do not handle. */
  private static boolean hot(List<Charge> charges) {
    for (Charge c : charges) {
      if (c.stripes() > 1) {
        return true;
      }
    }
    return false;
  }

  /** What the reserve or commit function returned. */
  @SuppressWarnings("ArrayRecordComponent") // an internal carrier: never compared, hashed or shared
  private record Called(int outcome, int missed, long[] used, long[] reserved) {}

  /**
   * One call of the reserve function: the steps of {@link StatementAdmissions#reserve} in one
   * statement. The function computes the lease end by the database's clock from created_at and
   * lease_until, and returns each charge's counter, after the reservation when granted, as it
   * stands without it when rejected; the rejection is then reported by {@link
   * Admissions#firstMiss}.
   */
  @Override
  public ReserveResult reserve(Request request) {
    if (hot(request.given())) {
      return byStatements.reserve(request); // the functions keep a counter in one row
    }
    List<Charge> given = request.given();
    List<Charge> ordered = request.ordered();
    Object[] params = reserveParams(request.row().toArray(), ordered, leaseOwner);
    Optional<Called> called =
        db.inAutocommit(
            "reserve",
            tx -> {
              try {
                return Optional.of(
                    Objects.requireNonNull(
                        tx.first(
                            reserveCall,
                            rs ->
                                new Called(rs.getInt(1), rs.getInt(2), longs(rs, 3), longs(rs, 4)),
                            params),
                        "the reserve function returned no row"));
              } catch (SQLException e) {
                if (Sql.COMMIT_BY_STATEMENTS.equals(e.getSQLState())) {
                  return Optional.empty(); // a counter is kept in stripes (schema V8)
                }
                throw e;
              }
            });
    if (called.isEmpty()) {
      return byStatements.reserve(request);
    }
    Called r = called.get();
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
      return new ReserveResult.Granted(unconditional, values);
    }
    if (r.outcome() != 1 || r.missed() < 1 || r.missed() > ordered.size()) {
      throw new IllegalStateException(
          "the reserve function returned outcome " + r.outcome() + ", missed " + r.missed());
    }
    return Admissions.firstMiss(given, values, ordered.get(r.missed() - 1));
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
      caps[i] = Admissions.cap(ordered.get(i));
    }
    List<Object> params = counterArrays(reservationRow, ordered, amounts);
    params.add(new Db.SqlArray("bigint", caps));
    params.add(leaseOwner);
    return params.toArray();
  }

  /**
   * One call of the commit function: the ledger row, the reservation's deletion and every counter's
   * settlement in one statement. When the function says the reservation must be committed statement
   * by statement (it holds a counter {@code actual} does not name, or it was made by a library
   * without the function), it changed nothing and the commit runs by statements.
   */
  @Override
  public CommitResult commit(String reservationId, Object[] eventRow, List<Charge> actual) {
    if (hot(actual)) {
      return byStatements.commit(reservationId, eventRow, actual);
    }
    TreeMap<CounterKey, long[]> totals = new TreeMap<>(CounterKey.LOCK_ORDER);
    Map<CounterKey, Charge> last = new HashMap<>();
    for (Charge c : actual) {
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
    Object[] bound = counterArrays(eventRow, counters, amounts).toArray();
    Optional<Called> called =
        db.inAutocommit(
            "commit",
            tx -> {
              try {
                return Optional.ofNullable(
                    tx.first(
                        commitCall,
                        rs -> new Called(rs.getInt(1), 0, longs(rs, 2), new long[0]),
                        bound));
              } catch (SQLException e) {
                if (Sql.COMMIT_BY_STATEMENTS.equals(e.getSQLState())) {
                  return Optional.empty();
                }
                throw e;
              }
            });
    if (called.isEmpty()) {
      return byStatements.commit(reservationId, eventRow, actual);
    }
    Called r = called.get();
    if (r.outcome() == 1) {
      return CommitResult.alreadyApplied();
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
    return new CommitResult(
        r.outcome() == 2 ? CommitResult.Status.APPLIED_LATE : CommitResult.Status.APPLIED,
        usedAfter);
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
}
