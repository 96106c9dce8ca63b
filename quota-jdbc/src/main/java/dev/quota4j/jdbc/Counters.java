package dev.quota4j.jdbc;

import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The counter statements every step shares, inside the caller's transaction: read counters, create
 * one, and settle amounts in lock order.
 */
final class Counters {
  /** Counters read per statement. */
  private static final int READ_CHUNK = 50;

  private final Sql sql;
  private final Rows rows;
  private final String leaseOwner;

  Counters(Sql sql, Rows rows, String leaseOwner) {
    this.sql = sql;
    this.rows = rows;
    this.leaseOwner = leaseOwner;
  }

  /**
   * What one transaction settles, per counter: the reserved amount to take off and the actual
   * amount to add, with the row to create a missing counter from.
   */
  static final class Deltas {
    private final TreeMap<CounterKey, long[]> amounts = new TreeMap<>(CounterKey.LOCK_ORDER);
    private final Map<CounterKey, HeldCharge> rows = new HashMap<>();

    /** Takes a held charge off {@code reserved}. */
    void unreserve(HeldCharge h) {
      amounts.computeIfAbsent(h.key(), k -> new long[2])[0] += h.amount();
      rows.putIfAbsent(h.key(), h);
    }

    /** Adds a charge to {@code used}; {@code field} names the amount when the sum overflows. */
    void use(String field, Charge c) {
      long[] d = amounts.computeIfAbsent(c.key(), k -> new long[2]);
      d[1] = Args.add(field, d[1], c.amount());
      rows.put(c.key(), new HeldCharge(c.key(), c.amount(), c.limit(), c.windowEnd()));
    }
  }

  /**
   * Creates the counter unless it exists. Whatever the row count says, the caller runs its update
   * again: a row inserted meanwhile by another transaction (which this insert waited for) may have
   * room.
   */
  void ensureCounter(Db.Tx tx, CounterKey k, Instant windowEnd, long limit) throws SQLException {
    tx.insertUnlessPresent(
        sql.ensureCounters(1),
        k.limitId(),
        k.subject().kind().name(),
        k.subject().id(),
        Times.stored("windowStart", k.windowStart()),
        Times.clamped(windowEnd),
        limit);
  }

  /**
   * Applies {@code deltas} (per counter: reserved to take off, actual to add), in lock order, and
   * returns each counter's {@code used} afterwards. A counter that does not exist is created when
   * something is to be added to it.
   */
  Map<CounterKey, Long> settle(Db.Tx tx, Deltas deltas) throws SQLException {
    Map<CounterKey, Long> usedAfter = new LinkedHashMap<>();
    List<CounterKey> unread = new ArrayList<>();
    for (Map.Entry<CounterKey, long[]> e : deltas.amounts.entrySet()) {
      CounterKey k = e.getKey();
      long reserved = e.getValue()[0];
      long actual = e.getValue()[1];
      if (reserved == 0 && actual == 0) {
        unread.add(k);
        continue;
      }
      Object[] params = prepend(reserved, actual, Rows.withKey(null, k));
      if (sql.updateReturns()) {
        CounterValue v = tx.first(sql.settleCounter(), Rows::value, params);
        if (v == null && actual > 0) {
          HeldCharge h = Objects.requireNonNull(deltas.rows.get(k));
          ensureCounter(tx, k, h.windowEnd(), h.limit());
          v = tx.first(sql.settleCounter(), Rows::value, params);
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
        long[] d = Objects.requireNonNull(deltas.amounts.get(k));
        if (!read.containsKey(k) && d[1] > 0) {
          missing.add(k);
        }
      }
      for (CounterKey k : missing) { // in lock order: deltas is sorted and unread follows it
        HeldCharge h = Objects.requireNonNull(deltas.rows.get(k));
        ensureCounter(tx, k, h.windowEnd(), h.limit());
        long[] d = Objects.requireNonNull(deltas.amounts.get(k));
        tx.update(sql.settleCounter(), prepend(d[0], d[1], Rows.withKey(null, k)));
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
    for (CounterKey k : deltas.amounts.keySet()) {
      ordered.put(k, Objects.requireNonNull(usedAfter.get(k)));
    }
    return ordered;
  }

  private static Object[] prepend(long reserved, long actual, Object[] key) {
    Object[] out = new Object[key.length + 2];
    out[0] = reserved;
    out[1] = actual;
    System.arraycopy(key, 0, out, 2, key.length);
    return out;
  }

  Map<CounterKey, CounterValue> readCounters(Db.Tx tx, List<CounterKey> keys) throws SQLException {
    return readCounters(tx, keys, null, new boolean[1]);
  }

  /**
   * Reads the counters; with {@code now}, also sets {@code ended[0]} when a counter read holds
   * something reserved while some reservation's lease has ended.
   */
  Map<CounterKey, CounterValue> readCounters(
      Db.Tx tx, List<CounterKey> keys, @Nullable LocalDateTime now, boolean[] ended)
      throws SQLException {
    Map<List<Object>, List<CounterKey>> byStoredKey = new HashMap<>();
    for (CounterKey k : keys) {
      byStoredKey.computeIfAbsent(Rows.storedKey(k), x -> new ArrayList<>()).add(k);
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
      List<Map.Entry<List<Object>, CounterValue>> read =
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
                        rows.text(rs, 1),
                        rows.text(rs, 2),
                        rows.text(rs, 3),
                        rs.getObject(4, LocalDateTime.class)),
                    v);
              },
              bound.toArray());
      for (Map.Entry<List<Object>, CounterValue> row : read) {
        for (CounterKey k : byStoredKey.getOrDefault(row.getKey(), List.of())) {
          out.put(k, row.getValue());
        }
      }
    }
    return out;
  }
}
