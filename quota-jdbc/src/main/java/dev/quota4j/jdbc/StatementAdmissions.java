package dev.quota4j.jdbc;

import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.ReserveResult;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reserve, commit, release and record statement by statement, each in one transaction (steps 1 to 4
 * of {@link JdbcQuotaStore}'s protocol). Every database runs release and record this way; all but
 * PostgreSQL run reserve and commit this way too.
 */
final class StatementAdmissions implements Admissions {
  /** A granted charge whose counter value the statement did not return. */
  private static final CounterValue UNKNOWN = new CounterValue(-1, -1);

  private final Db db;
  private final Sql sql;
  private final Rows rows;
  private final Counters counters;
  private final Leases leases;
  private final String leaseOwner;
  private final boolean reportCounters;

  StatementAdmissions(
      Db db,
      Sql sql,
      Rows rows,
      Counters counters,
      Leases leases,
      String leaseOwner,
      boolean reportCounters) {
    this.db = db;
    this.sql = sql;
    this.rows = rows;
    this.counters = counters;
    this.leases = leases;
    this.leaseOwner = leaseOwner;
    this.reportCounters = reportCounters;
  }

  // ---- reserve ------------------------------------------------------------------------------

  @Override
  public ReserveResult reserve(Request request) {
    List<Object> row = new ArrayList<>(request.row());
    row.add(leaseOwner);
    row.add(request.leaseMicros());
    Object[] params = row.toArray();
    Set<CounterKey> consolidate = new HashSet<>();
    ReserveResult r =
        db.inTransaction(
            "reserve",
            tx -> tryReserve(tx, params, request.given(), request.ordered(), consolidate));
    for (int i = 0; r == RETRY && i < request.ordered().size(); i++) {
      // a stripe the fast path looked at may stay locked until its transaction ends (a row lock
      // taken before a recheck failed), so consolidation, which locks every stripe in order, runs
      // in a transaction of its own that touched no stripe before
      r =
          db.inTransaction(
              "reserve",
              tx -> tryReserve(tx, params, request.given(), request.ordered(), consolidate));
    }
    return r;
  }

  /** Rolled back: run again, consolidating the counters in the set at once. */
  private static final ReserveResult RETRY = new ReserveResult.Duplicate();

  /**
   * The reserve: the reservation row first (a taken id is a duplicate before any counter is
   * touched), except when a charge is hot: then the row is inserted last, with the stripe each
   * charge was added to, and a taken id rolls everything back.
   */
  @SuppressWarnings("ReferenceEquality") // UNKNOWN is a sentinel instance
  private ReserveResult tryReserve(
      Db.Tx tx,
      Object[] reservationRow,
      List<Charge> given,
      List<Charge> ordered,
      Set<CounterKey> consolidate)
      throws SQLException {
    boolean hot = false;
    Map<CounterKey, Integer> perKey = new HashMap<>();
    for (Charge c : ordered) {
      hot |= c.stripes() > 1;
      perKey.merge(c.key(), 1, Integer::sum);
    }
    if (!hot && tx.insertUnlessPresent(sql.insertReservation(), reservationRow) == 0) {
      return new ReserveResult.Duplicate();
    }
    Stripes stripes = counters.stripes();
    IdentityHashMap<Charge, Integer> landed = new IdentityHashMap<>();
    boolean onStripes = false;
    Map<CounterKey, Long> applied = new HashMap<>();
    Map<CounterKey, CounterValue> after = new HashMap<>();
    for (Charge c : ordered) {
      CounterValue post;
      int stripe = -1;
      if (c.stripes() > 1) {
        // a counter charged twice by one reservation consolidates (it locks every stripe in
        // order, which a stripe already held by this transaction would break)
        boolean direct = perKey.getOrDefault(c.key(), 1) > 1 || consolidate.contains(c.key());
        stripe = direct ? -1 : stripes.reserveFast(tx, c);
        if (stripe < 0 && !direct) {
          consolidate.add(c.key());
          tx.rollback();
          return RETRY;
        }
        if (stripe < 0) {
          Integer s = stripes.reserveConsolidating(tx, c);
          if (s == null) {
            ReserveResult.Rejected r = rejection(tx, given, c, applied, null);
            tx.rollback();
            return r;
          }
          stripe = s;
        }
        post = UNKNOWN;
      } else {
        post = reserveOne(tx, c);
        if (post == null) {
          counters.ensureCounter(tx, c.key(), c.windowEnd(), c.limit());
          post = reserveOne(tx, c);
        }
        if (post == null) {
          Set<CounterKey> striped = new HashSet<>();
          ReserveResult.Rejected r = rejection(tx, given, c, applied, striped);
          Integer s = striped.contains(c.key()) ? stripes.reserveConsolidating(tx, c) : null;
          if (s == null) {
            tx.rollback();
            return r;
          }
          stripe = s;
          post = UNKNOWN;
        }
      }
      onStripes |= stripe >= 0;
      landed.put(c, stripe);
      applied.merge(c.key(), c.amount(), Long::sum);
      after.put(c.key(), post);
    }
    if (hot || onStripes) {
      int[] where = new int[given.size()];
      for (int i = 0; i < where.length; i++) {
        where[i] = landed.getOrDefault(given.get(i), -1);
      }
      String packed = Rows.packCharges(given, where);
      if (hot) {
        Object[] row = reservationRow.clone();
        row[3] = packed;
        if (tx.insertUnlessPresent(sql.insertReservation(), row) == 0) {
          tx.rollback();
          return new ReserveResult.Duplicate();
        }
      } else {
        tx.update(sql.setReservationCharges(), packed, reservationRow[0]);
      }
    }
    // every counter after the reservation that the statements returned; where UPDATE ...
    // RETURNING is missing, the ALWAYS ones are read (to report would-be denials), and every other
    // one too when the store reports counters (one read in the same transaction)
    Map<CounterKey, CounterValue> known = new HashMap<>();
    List<CounterKey> unread = new ArrayList<>();
    for (Charge c : ordered) {
      CounterValue v = after.get(c.key());
      if (v != null && v != UNKNOWN) {
        known.put(c.key(), v);
      } else if ((reportCounters || c.admission() == Admission.ALWAYS)
          && !unread.contains(c.key())) {
        unread.add(c.key());
      }
    }
    if (!unread.isEmpty()) {
      known.putAll(counters.readCounters(tx, unread));
    }
    Map<CounterKey, CounterValue> unconditional = new HashMap<>();
    for (Charge c : given) {
      CounterValue v = known.get(c.key());
      if (c.admission() == Admission.ALWAYS && v != null) {
        unconditional.put(c.key(), v);
      }
    }
    return new ReserveResult.Granted(unconditional, known);
  }

  /** Reserves one charge; null when it missed (it did not fit, or its counter does not exist). */
  private @Nullable CounterValue reserveOne(Db.Tx tx, Charge c) throws SQLException {
    long cap = Admissions.cap(c);
    if (cap < 0) {
      return null; // can never fit; the rejection reads the counter
    }
    CounterKey k = c.key();
    LocalDateTime ws = Times.stored("windowStart", k.windowStart());
    String kind = k.subject().kind().name();
    if (c.amount() == 0 && sql.rowCountMayBeAffectedRows()) {
      return tx.first(
          sql.checkCounterForUpdate(), Rows::value, k.limitId(), kind, k.subject().id(), ws, cap);
    }
    if (sql.updateReturns()) {
      return tx.first(
          sql.reserveCounter(),
          Rows::value,
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

  /** Reads the counters and takes off what this transaction reserved, for the rejection rule. */
  private ReserveResult.Rejected rejection(
      Db.Tx tx,
      List<Charge> given,
      Charge missed,
      Map<CounterKey, Long> applied,
      @Nullable Set<CounterKey> striped)
      throws SQLException {
    Map<CounterKey, CounterValue> now =
        counters.readCounters(
            tx, given.stream().map(Charge::key).distinct().toList(), null, new boolean[1], striped);
    Map<CounterKey, CounterValue> before = new HashMap<>();
    now.forEach(
        (k, v) -> {
          long mine = applied.getOrDefault(k, 0L);
          before.put(k, new CounterValue(v.used(), Math.max(0, v.reserved() - mine)));
        });
    return Admissions.firstMiss(given, before, missed);
  }

  // ---- commit, release, record --------------------------------------------------------------

  @Override
  public CommitResult commit(String reservationId, Object[] eventRow, List<Charge> actual) {
    return db.inTransaction(
        "commit",
        tx -> {
          if (!rows.insertNewEvent(tx, eventRow)) {
            return CommitResult.alreadyApplied();
          }
          List<HeldCharge> held = leases.deleteReservation(tx, reservationId);
          Counters.Deltas deltas = new Counters.Deltas();
          if (held != null) {
            held.forEach(deltas::unreserve);
          }
          for (Charge c : actual) {
            deltas.use("actual amount", c);
          }
          Map<CounterKey, Long> usedAfter = counters.settle(tx, deltas);
          return new CommitResult(
              held == null ? CommitResult.Status.APPLIED_LATE : CommitResult.Status.APPLIED,
              usedAfter);
        });
  }

  boolean release(String reservationId, Object[] eventRow) {
    return db.inTransaction(
        "release",
        tx -> {
          if (!rows.insertNewEvent(tx, eventRow)) {
            return false;
          }
          List<HeldCharge> held = leases.deleteReservation(tx, reservationId);
          if (held == null) {
            tx.rollback();
            return false;
          }
          Counters.Deltas deltas = new Counters.Deltas();
          held.forEach(deltas::unreserve);
          counters.settle(tx, deltas);
          return true;
        });
  }

  CommitResult record(List<Charge> charges, Object[] eventRow) {
    Counters.Deltas deltas = new Counters.Deltas();
    for (Charge c : charges) {
      Times.stored("windowStart of " + c.key().limitId(), c.key().windowStart());
      deltas.use("amount", c);
    }
    return db.inTransaction(
        "record",
        tx -> {
          if (!rows.insertNewEvent(tx, eventRow)) {
            return CommitResult.alreadyApplied();
          }
          Map<CounterKey, Long> usedAfter = counters.settle(tx, deltas);
          return new CommitResult(CommitResult.Status.APPLIED, usedAfter);
        });
  }

  boolean appendEvent(Object[] eventRow) {
    return db.inTransaction("append event", tx -> rows.insertNewEvent(tx, eventRow));
  }
}
