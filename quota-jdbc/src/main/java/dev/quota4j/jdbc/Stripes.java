package dev.quota4j.jdbc;

import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Hot counters kept in stripes (schema V8), inside the caller's transaction.
 *
 * <p>A striped counter is its row in {@code counters} (the <i>header</i>: what holds made while it
 * was one row still have on it, the number of stripes, and the lock consolidation takes first) and
 * its rows in {@code counter_stripes}, each with a <i>share</i> of the limit. The counter's used
 * and reserved are the header's plus every stripe's; a stripe's <i>room</i> is {@code share - used
 * - reserved}. Every step keeps this invariant:
 *
 * <blockquote>
 *
 * the rooms above zero add up to at most {@code limit - used - reserved} of the whole counter, for
 * the limit the stripes were cut for (their {@code limit_amount}; -1 when maintenance changed the
 * counter and they must be cut again).
 *
 * </blockquote>
 *
 * <p>So a stripe whose room covers a charge admits it exactly as the whole counter would:
 *
 * <ol>
 *   <li><b>fast reserve</b>: take any stripe cut for the charge's limit whose room is at least the
 *       amount (at least 1), skipping stripes other transactions hold ({@code FOR UPDATE SKIP
 *       LOCKED}), and add the amount to its {@code reserved}; its room and the counter's room
 *       shrink by the same amount. No such stripe: consolidate.
 *   <li><b>consolidate</b>: lock the header, then every stripe in stripe order (the only place more
 *       than one stripe is locked, always in this order, after the header: no deadlock with another
 *       consolidation, and a fast reserve or settle holds one stripe and waits for none of the same
 *       counter); test the charge against the sums, exactly as one row would; create the stripes
 *       that are missing; add the charge to one stripe; cut the shares again: each stripe gets its
 *       {@code used + reserved} plus a part of what is left of the limit, given to as many stripes
 *       as can hold a charge of this size (all of them when it is small), none when nothing is
 *       left.
 *   <li><b>settle</b> (commit, fail, release, reclaim): on the stripe the reserve charged, take the
 *       reserved amount off and add the actual one. When the actual amount is at most the reserved
 *       one the stripe's room grows by as much as the counter's; otherwise the stripe's room must
 *       cover the difference, or the settlement consolidates. Usage with no hold (a commit after
 *       its lease was reclaimed, a record) consolidates.
 * </ol>
 *
 * <p>The layout only grows: a counter once striped stays striped for its window, and a charge that
 * asks for one row is then consolidated onto the stripes (still exact).
 */
final class Stripes {
  private final Sql sql;
  private final Counters counters;

  Stripes(Sql sql, Counters counters) {
    this.sql = sql;
    this.counters = counters;
  }

  /**
   * Adds {@code c} to a stripe with room for it, not waiting for any; returns its number, or -1
   * when none has room (or the counter has no stripes cut for this limit).
   */
  int reserveFast(Db.Tx tx, Charge c) throws SQLException {
    CounterKey k = c.key();
    long need = Math.max(1, c.amount());
    int stripes = c.stripes();
    int start = ThreadLocalRandom.current().nextInt(stripes);
    String one = sql.reserveAnyStripe();
    if (one != null) {
      Integer s =
          tx.first(
              one,
              rs -> rs.getInt(1),
              concat(key(k), c.limit(), need, start, stripes, c.amount(), key(k)));
      return s == null ? -1 : s;
    }
    Integer s =
        tx.first(sql.pickStripe(), rs -> rs.getInt(1), concat(key(k), c.limit(), need, start));
    if (s == null && start > 0) {
      s = tx.first(sql.pickStripe(), rs -> rs.getInt(1), concat(key(k), c.limit(), need, 0));
    }
    if (s == null) {
      return -1;
    }
    tx.update(sql.addToStripe(), concat(new Object[] {c.amount()}, key(k), s));
    return s;
  }

  /**
   * Consolidates to reserve {@code c}: the exact test against the whole counter. Returns the stripe
   * charged (-1: the counter is one row, charged there), or null when the charge does not fit.
   */
  @Nullable Integer reserveConsolidating(Db.Tx tx, Charge c) throws SQLException {
    CounterKey k = c.key();
    Locked l = lock(tx, k, c.stripes(), c.windowEnd(), c.limit(), true);
    if (!c.admission().admits(l.used(), l.reserved(), c.amount(), c.limit())) {
      return null;
    }
    if (l.stripes.isEmpty()) { // one row, and asked for one row
      l.header[1] = Args.add("reserved", l.header[1], c.amount());
      writeHeader(tx, k, l, c.limit(), 1);
      return -1;
    }
    int count = l.stripes.size();
    int target = (int) l.stripes.get(ThreadLocalRandom.current().nextInt(count))[0];
    long[] t = Objects.requireNonNull(stripe(l, target));
    t[2] = Args.add("reserved", t[2], c.amount());
    if (l.headerStripes != count) {
      writeHeader(tx, k, l, c.limit(), count);
    }
    cut(tx, k, l, c.limit(), Math.max(1, c.amount()));
    return target;
  }

  /**
   * Consolidates to settle a counter: takes {@code reserved} off where each hold sits (stripe
   * number, or -1 for the header), adds {@code actual} where the first hold sits (no hold: the
   * first stripe, or the header of a counter of one row), and cuts the shares again. Returns the
   * counter's {@code used} afterwards.
   */
  long settleConsolidating(
      Db.Tx tx, CounterKey k, Map<Integer, Long> holds, long actual, HeldCharge meta)
      throws SQLException {
    Locked l = lock(tx, k, 1, meta.windowEnd(), meta.limit(), actual > 0);
    boolean headerChanged = false;
    long[] first = null; // where the actual amount goes: the first hold's row that is still there
    for (Map.Entry<Integer, Long> h : holds.entrySet()) {
      if (h.getKey() < 0) {
        if (l.hasHeader) {
          l.header[1] = Math.max(0, l.header[1] - h.getValue());
          headerChanged = true;
          first = first == null ? l.header : first;
        }
      } else {
        long[] row = stripe(l, h.getKey());
        if (row != null) { // else purged meanwhile: nothing held there any more
          row[2] = Math.max(0, row[2] - h.getValue());
          first = first == null ? row : first;
        }
      }
    }
    if (actual > 0) {
      long[] row = first != null ? first : l.stripes.isEmpty() ? l.header : l.stripes.get(0);
      if (row == l.header) {
        l.header[0] = Args.add("used", l.header[0], actual);
        headerChanged = true;
      } else {
        row[1] = Args.add("used", row[1], actual);
      }
    }
    if (headerChanged && l.hasHeader) {
      writeHeader(tx, k, l, meta.limit(), l.headerStripes);
    }
    if (!l.stripes.isEmpty()) {
      cut(tx, k, l, meta.limit(), 1);
    }
    return l.used();
  }

  private static long @Nullable [] stripe(Locked l, int number) {
    for (long[] s : l.stripes) {
      if (s[0] == number) {
        return s;
      }
    }
    return null;
  }

  /**
   * A counter locked for consolidation: the header's used, reserved (and whether it exists, its
   * limit and stripe count) and each stripe as {stripe, used, reserved}, in stripe order.
   */
  private static final class Locked {
    final long[] header = new long[2];
    boolean hasHeader;
    int headerStripes = 1;
    final List<long[]> stripes = new ArrayList<>();

    long used() {
      long u = header[0];
      for (long[] s : stripes) {
        u = Saturated.add(u, s[1]);
      }
      return u;
    }

    long reserved() {
      long r = header[1];
      for (long[] s : stripes) {
        r = Saturated.add(r, s[2]);
      }
      return r;
    }
  }

  /**
   * Locks a counter for consolidation: first its stripes in stripe order, creating those up to
   * {@code count} that are missing (stripe 0 is the lock consolidations queue on), then its header,
   * created first when {@code header}; then any stripe another consolidation added meanwhile
   * (numbered above every stripe this one holds, which nobody holding stripe 0's successor waits
   * for).
   */
  private Locked lock(
      Db.Tx tx, CounterKey k, int count, Instant windowEnd, long limit, boolean header)
      throws SQLException {
    Locked l = new Locked();
    if (count > 1) {
      List<Object> params = new ArrayList<>();
      for (int s = 0; s < count; s++) {
        params.addAll(List.of(key(k)));
        params.add(s);
        params.add(Times.clamped(windowEnd));
      }
      int unused = tx.insertUnlessPresent(sql.ensureStripes(count), params.toArray());
    }
    l.stripes.addAll(
        tx.query(
            sql.lockStripes(),
            rs -> new long[] {rs.getInt(1), rs.getLong(2), rs.getLong(3)},
            key(k)));
    if (header) {
      counters.ensureCounter(tx, k, windowEnd, limit);
    }
    long[] h =
        tx.first(
            sql.lockHeader(),
            rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getInt(3)},
            key(k));
    if (h != null) {
      l.hasHeader = true;
      l.header[0] = h[0];
      l.header[1] = h[1];
      l.headerStripes = (int) h[2];
    }
    int next = l.stripes.isEmpty() ? 0 : (int) l.stripes.get(l.stripes.size() - 1)[0] + 1;
    if (l.headerStripes > next) {
      l.stripes.addAll(
          tx.query(
              sql.lockStripesFrom(),
              rs -> new long[] {rs.getInt(1), rs.getLong(2), rs.getLong(3)},
              concat(key(k), next)));
    }
    return l;
  }

  private void writeHeader(Db.Tx tx, CounterKey k, Locked l, long limit, int count)
      throws SQLException {
    tx.update(
        sql.setHeader(), concat(new Object[] {l.header[0], l.header[1], limit, count}, key(k)));
    l.headerStripes = count;
  }

  /**
   * Writes every stripe's used and reserved as held here and cuts the shares again for {@code
   * limit}: each stripe gets its own {@code used + reserved}, and what is left of the limit after
   * the whole counter's goes, in equal parts, to as many stripes as can each hold {@code chunk}.
   */
  private void cut(Db.Tx tx, CounterKey k, Locked l, long limit, long chunk) throws SQLException {
    int n = l.stripes.size();
    long left = limit - Math.min(limit, Saturated.add(l.used(), l.reserved()));
    long over = Saturated.add(l.used(), l.reserved()) - limit; // > 0: past the limit
    long[] room = new long[n];
    if (left > 0) {
      int parts = (int) Math.max(1, Math.min(n, left / Math.max(1, chunk)));
      int from = ThreadLocalRandom.current().nextInt(n);
      for (int i = 0; i < parts; i++) {
        room[(from + i) % n] = left / parts + (i < left % parts ? 1 : 0);
      }
    } else if (over > 0) {
      room[0] = -over; // the shares still add up to the limit
    }
    List<Object> p = new ArrayList<>(1 + 6 * n + 4);
    // past the limit, one stripe's room is below zero: a release on another stripe would give that
    // one room the counter does not have, so no stripe admits until the next consolidation
    p.add(over > 0 ? -1L : limit);
    for (int i = 0; i < n; i++) {
      long[] s = l.stripes.get(i);
      p.add((int) s[0]);
      p.add(Saturated.add(Saturated.add(s[1], s[2]), room[i]));
    }
    for (long[] s : l.stripes) {
      p.add((int) s[0]);
      p.add(s[1]);
    }
    for (long[] s : l.stripes) {
      p.add((int) s[0]);
      p.add(s[2]);
    }
    p.addAll(List.of(key(k)));
    tx.update(sql.setStripes(n), p.toArray());
  }

  static Object[] key(CounterKey k) {
    return Rows.withKey(null, k);
  }

  static Object[] concat(Object[] head, Object... tail) {
    List<Object> out = new ArrayList<>(head.length + tail.length + 4);
    out.addAll(List.of(head));
    for (Object o : tail) {
      if (o instanceof Object[] a) {
        out.addAll(List.of(a));
      } else {
        out.add(o);
      }
    }
    return out.toArray();
  }
}
