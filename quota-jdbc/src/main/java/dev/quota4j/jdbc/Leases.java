package dev.quota4j.jdbc;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reservation leases: extend one, reclaim those that ended (all of them, or those holding given
 * counters), and delete a reservation returning what it held. Whose lease has ended follows the
 * rule in {@link JdbcQuotaStore}'s class Javadoc (<b>Time</b>).
 */
final class Leases {
  /** Reservations reclaimed per transaction. */
  static final int RECLAIM_BATCH = 100;

  /** The longest lease by the database's clock: 100 years (no timestamp overflows). */
  private static final long MAX_LEASE_MICROS = Duration.ofDays(36_525).toSeconds() * 1_000_000;

  private final Db db;
  private final Sql sql;
  private final Rows rows;
  private final Counters counters;
  private final String leaseOwner;

  Leases(Db db, Sql sql, Rows rows, Counters counters, String leaseOwner) {
    this.db = db;
    this.sql = sql;
    this.rows = rows;
    this.counters = counters;
    this.leaseOwner = leaseOwner;
  }

  /** The lease's length in microseconds, for its end by the database's clock. */
  static long leaseMicros(Instant now, Instant leaseUntil) {
    Duration d = Duration.between(now, leaseUntil);
    return d.getSeconds() >= MAX_LEASE_MICROS / 1_000_000
        ? MAX_LEASE_MICROS
        : d.getSeconds() * 1_000_000 + d.getNano() / 1_000;
  }

  boolean extend(String reservationId, Instant now, Instant leaseUntil) {
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

  int reclaimExpired(Instant now) {
    int total = 0;
    while (true) {
      List<String> ids =
          db.inTransaction(
              "reclaim expired reservations",
              tx ->
                  tx.query(
                      sql.expiredReservations(),
                      rs -> rows.text(rs, 1),
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

  /** See {@link JdbcQuotaStore#counters(java.util.Collection, Instant)}; {@code keys} not empty. */
  Map<CounterKey, CounterValue> countersReclaimingEnded(List<CounterKey> keys, Instant now) {
    boolean[] ended = new boolean[1];
    Map<CounterKey, CounterValue> read =
        db.inTransaction(
            "read counters",
            tx -> {
              ended[0] = false;
              return counters.readCounters(tx, keys, Times.clamped(now), ended);
            });
    if (!ended[0]) {
      return read;
    }
    reclaimExpired(now);
    return db.inTransaction("read counters", tx -> counters.readCounters(tx, keys));
  }

  /** Reclaims the expired reservations that hold any of {@code keys}. */
  int reclaimTouching(List<CounterKey> keys, Instant now) {
    List<String> ids =
        db.inTransaction(
            "reclaim expired reservations",
            tx ->
                tx.query(
                    sql.expiredReservations(),
                    rs -> {
                      String id = rows.text(rs, 1);
                      for (HeldCharge h : Rows.unpackCharges(rows.text(rs, 2))) {
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
          Counters.Deltas deltas = new Counters.Deltas();
          List<UsageEvent> events = new ArrayList<>();
          for (String id : sorted) {
            Reclaimed r = deleteReturning(tx, id, now);
            if (r == null) {
              continue; // extended, committed or reclaimed meanwhile
            }
            r.held().forEach(deltas::unreserve);
            events.add(
                UsageEvent.builder(expiredEventId(id), now, EventStatus.EXPIRED, r.subject())
                    .reservationId(id)
                    .build());
          }
          counters.settle(tx, deltas);
          for (UsageEvent e : events) {
            tx.insertUnlessPresent(sql.insertEvent(), Rows.eventRow(e, null));
          }
          return events.size();
        });
  }

  static String expiredEventId(String reservationId) {
    String id = "expired:" + reservationId;
    return id.length() <= Args.MAX_ID_LENGTH ? id : "expired:" + Rows.sha256(reservationId);
  }

  private record Reclaimed(SubjectRef subject, List<HeldCharge> held) {}

  /** Deletes the reservation, whatever its lease; null when it is gone. */
  @Nullable List<HeldCharge> deleteReservation(Db.Tx tx, String id) throws SQLException {
    Reclaimed r = deleteReturning(tx, id, null);
    return r == null ? null : r.held();
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
                new SubjectRef(SubjectKind.valueOf(rows.text(rs, 1)), rows.text(rs, 2)),
                Rows.unpackCharges(rows.text(rs, 3)));
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
}
