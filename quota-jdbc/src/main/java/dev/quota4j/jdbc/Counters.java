package dev.quota4j.jdbc;

import dev.quota4j.internal.Saturated;
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
import java.util.Set;
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
  private final Stripes stripes;

  Counters(Sql sql, Rows rows, String leaseOwner) {
    this.sql = sql;
    this.rows = rows;
    this.leaseOwner = leaseOwner;
    this.stripes = new Stripes(sql, this);
  }

  Stripes stripes() {
    return stripes;
  }

  /**
   * What one transaction settles, per counter: the reserved amounts to take off (on the header,
   * stripe -1, or on a stripe) and the actual amount to add, with the row to create a missing
   * counter from and how many stripes the charges ask for.
   */
  static final class Deltas {
    private final TreeMap<CounterKey, KeyDelta> amounts = new TreeMap<>(CounterKey.LOCK_ORDER);

    /** Takes a held charge off {@code reserved} where the reserve put it. */
    void unreserve(HeldCharge h) {
      KeyDelta d = amounts.computeIfAbsent(h.key(), k -> new KeyDelta(h));
      d.holds.merge(h.stripe(), h.amount(), Long::sum);
    }

    /** Adds a charge to {@code used}; {@code field} names the amount when the sum overflows. */
    void use(String field, Charge c) {
      HeldCharge meta = new HeldCharge(c.key(), c.amount(), c.limit(), c.windowEnd(), -1);
      KeyDelta d = amounts.computeIfAbsent(c.key(), k -> new KeyDelta(meta));
      d.actual = Args.add(field, d.actual, c.amount());
      d.meta = meta;
      d.stripes = Math.max(d.stripes, c.stripes());
    }
  }

  /** One counter's part of {@link Deltas}. */
  private static final class KeyDelta {
    /** Reserved amounts to take off, by stripe (-1: the header), in stripe order. */
    final TreeMap<Integer, Long> holds = new TreeMap<>();

    long actual;
    HeldCharge meta;
    int stripes = 1;

    KeyDelta(HeldCharge meta) {
      this.meta = meta;
    }

    long headerReserved() {
      return holds.getOrDefault(-1, 0L);
    }

    /** Settled on the header alone, as a counter of one row. */
    boolean plain() {
      return stripes == 1 && (holds.isEmpty() || (holds.size() == 1 && holds.containsKey(-1)));
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
   * something is to be added to it. A striped counter is settled on the stripe its hold sits on, or
   * consolidated (see {@link Stripes}).
   */
  Map<CounterKey, Long> settle(Db.Tx tx, Deltas deltas) throws SQLException {
    Map<CounterKey, Long> usedAfter = new LinkedHashMap<>();
    List<CounterKey> unread = new ArrayList<>();
    for (Map.Entry<CounterKey, KeyDelta> e : deltas.amounts.entrySet()) {
      CounterKey k = e.getKey();
      KeyDelta d = e.getValue();
      long actual = d.actual;
      if (d.plain()) {
        long reserved = d.headerReserved();
        if (reserved == 0 && actual == 0) {
          unread.add(k);
          continue;
        }
        Object[] params = settleParams(reserved, actual, k);
        if (sql.updateReturns()) {
          CounterValue v = tx.first(sql.settleCounter(), Rows::value, params);
          if (v == null && actual > 0) {
            ensureCounter(tx, k, d.meta.windowEnd(), d.meta.limit());
            v = tx.first(sql.settleCounter(), Rows::value, params);
            if (v == null) { // kept in stripes, and the actual amount is more than the reserved
              usedAfter.put(k, stripes.settleConsolidating(tx, k, d.holds, actual, d.meta));
              continue;
            }
          }
          usedAfter.put(k, v == null ? 0L : v.used());
        } else {
          if (tx.update(sql.settleCounter(), params) == 0 && actual > 0) {
            ensureCounter(tx, k, d.meta.windowEnd(), d.meta.limit());
            if (tx.update(sql.settleCounter(), params) == 0) {
              usedAfter.put(k, stripes.settleConsolidating(tx, k, d.holds, actual, d.meta));
              continue;
            }
          }
          unread.add(k);
        }
      } else if (d.holds.size() == 1
          && d.holds.firstKey() >= 0
          && actual <= d.holds.firstEntry().getValue()) {
        // at most what was reserved: the stripe's room grows as much as the counter's; more
        // consolidates at once (an update whose condition failed may keep its row locked, and
        // consolidation locks the stripes in order)
        int stripe = d.holds.firstKey();
        long reserved = d.holds.firstEntry().getValue();
        int n =
            tx.update(
                sql.settleStripe(),
                Stripes.concat(
                    new Object[] {reserved, actual},
                    Stripes.key(k),
                    stripe,
                    actual,
                    reserved,
                    actual,
                    reserved));
        if (n == 0) {
          usedAfter.put(k, stripes.settleConsolidating(tx, k, d.holds, actual, d.meta));
        } else {
          unread.add(k);
        }
      } else if (d.holds.isEmpty() && actual == 0) {
        unread.add(k);
      } else {
        usedAfter.put(k, stripes.settleConsolidating(tx, k, d.holds, actual, d.meta));
      }
    }
    if (!unread.isEmpty()) {
      Map<CounterKey, CounterValue> read = readCounters(tx, unread);
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

  private static Object[] settleParams(long reserved, long actual, CounterKey k) {
    return Stripes.concat(new Object[] {reserved, actual}, Stripes.key(k), actual, reserved);
  }

  Map<CounterKey, CounterValue> readCounters(Db.Tx tx, List<CounterKey> keys) throws SQLException {
    return readCounters(tx, keys, null, new boolean[1], null);
  }

  Map<CounterKey, CounterValue> readCounters(
      Db.Tx tx, List<CounterKey> keys, @Nullable LocalDateTime now, boolean[] ended)
      throws SQLException {
    return readCounters(tx, keys, now, ended, null);
  }

  /**
   * Reads the counters, each the sum of its row and its stripes; with {@code now}, also sets {@code
   * ended[0]} when a counter read holds something reserved while some reservation's lease has
   * ended; with {@code striped}, adds the counters that have stripes to it.
   */
  Map<CounterKey, CounterValue> readCounters(
      Db.Tx tx,
      List<CounterKey> keys,
      @Nullable LocalDateTime now,
      boolean[] ended,
      @Nullable Set<CounterKey> striped)
      throws SQLException {
    Map<List<Object>, List<CounterKey>> byStoredKey = new HashMap<>();
    for (CounterKey k : new java.util.LinkedHashSet<>(keys)) { // each once: rows are summed
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
      chunk.forEach(bound::addAll); // the stripes
      List<Map.Entry<List<Object>, long[]>> read =
          tx.query(
              now == null
                  ? sql.readCounters(chunk.size())
                  : sql.readCountersNoticingEndedLeases(chunk.size()),
              rs -> {
                long[] v = {rs.getLong(5), rs.getLong(6), rs.getInt(7)};
                if (now != null && v[1] > 0 && rs.getInt(8) == 1) {
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
      for (Map.Entry<List<Object>, long[]> row : read) {
        long[] v = row.getValue();
        for (CounterKey k : byStoredKey.getOrDefault(row.getKey(), List.of())) {
          CounterValue was = out.get(k);
          out.put(
              k,
              was == null
                  ? new CounterValue(v[0], v[1])
                  : new CounterValue(
                      Saturated.add(was.used(), v[0]), Saturated.add(was.reserved(), v[1])));
          if (striped != null && v[2] == 1) {
            striped.add(k);
          }
        }
      }
    }
    return out;
  }
}
