package dev.quota4j.memory;

import dev.quota4j.SubjectKind;
import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.ReserveResult;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The counters of {@link InMemoryQuotaStore}, one {@link Cell} each, and the one order in which
 * their locks are taken.
 *
 * <ol>
 *   <li>A cell is looked up, or created, before it is locked; {@link Cell#order} is its creation
 *       order, SYSTEM counters after all others.
 *   <li>An operation locks every cell it touches in that order ({@link #lockAll}, or {@link
 *       #lockSorted} when they are already sorted) before it reads or changes any, and unlocks them
 *       with {@link #unlockAll}.
 *   <li>A cell found {@link Cell#removed} once locked was purged meanwhile: everything locked so
 *       far is unlocked and the caller looks its cells up again.
 * </ol>
 *
 * <p>The static methods that read or change {@link Cell#used} and {@link Cell#reserved} are called
 * with the cells locked.
 */
final class CounterTable {
  private final ConcurrentHashMap<CounterKey, Cell> cells = new ConcurrentHashMap<>();
  private final AtomicLong created = new AtomicLong();

  // ---- looking cells up ----------------------------------------------------------------------

  /** The cell of {@code c}'s counter, created when missing. */
  Cell cellFor(Charge c) {
    return cellFor(c.key(), c.windowEnd());
  }

  /** The cell of {@code key}, created with {@code windowEnd} when missing. */
  Cell cellFor(CounterKey key, Instant windowEnd) {
    Cell cell = cells.get(key);
    if (cell == null) {
      long order = created.incrementAndGet();
      if (key.subject().kind() == SubjectKind.SYSTEM) {
        order += Cell.SYSTEM_LAST;
      }
      Cell fresh = new Cell(order, windowEnd);
      Cell raced = cells.putIfAbsent(key, fresh);
      cell = raced != null ? raced : fresh;
    }
    return cell;
  }

  /** The cell of {@code key}, or null when it has no counter (none is created). */
  @Nullable Cell find(CounterKey key) {
    return cells.get(key);
  }

  /** The cells of {@code charges}, created when missing. */
  Cell[] cellsFor(List<Charge> charges) {
    Cell[] out = new Cell[charges.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = cellFor(charges.get(i));
    }
    return out;
  }

  /**
   * The cells of {@code charges}, reusing {@code hint}'s where a charge has the same key as the
   * reserved charge at the same index and its cell is still in the store.
   */
  Cell[] cellsFor(List<Charge> charges, OpenReservation hint) {
    Cell[] out = new Cell[charges.size()];
    for (int i = 0; i < out.length; i++) {
      Charge c = charges.get(i);
      if (i < hint.cells.length
          && !hint.cells[i].removed
          && hint.charges.get(i).key().equals(c.key())) {
        out[i] = hint.cells[i];
      } else {
        out[i] = cellFor(c);
      }
    }
    return out;
  }

  /**
   * The cells of a reservation's charges that still exist (null for a purged one; none created).
   */
  @Nullable Cell[] existingCells(OpenReservation r) {
    @Nullable Cell[] out = new Cell[r.charges.size()];
    for (int i = 0; i < out.length; i++) {
      Cell hint = r.cells[i];
      out[i] = hint.removed ? cells.get(r.charges.get(i).key()) : hint;
    }
    return out;
  }

  // ---- the lock order ------------------------------------------------------------------------

  /**
   * Locks the distinct cells of {@code a} and {@code b} in lock order and returns them, or returns
   * null, holding nothing, when one of them was removed meanwhile (the caller looks them up again).
   */
  static Cell @Nullable [] lockAll(@Nullable Cell[] a, @Nullable Cell @Nullable [] b) {
    if (b == null && inLockOrder(a)) {
      // the usual reservation: its charges' cells are already distinct and in lock order, so the
      // array serves as is (no second array per admission)
      Cell[] sorted = noNulls(a);
      return lockSorted(sorted, sorted.length) ? sorted : null;
    }
    int n = 0;
    Cell[] sorted = new Cell[a.length + (b == null ? 0 : b.length)];
    n = insertDistinct(sorted, n, a);
    if (b != null) {
      n = insertDistinct(sorted, n, b);
    }
    if (!lockSorted(sorted, n)) {
      return null;
    }
    return n == sorted.length ? sorted : Arrays.copyOf(sorted, n);
  }

  /**
   * Locks cells already distinct and in lock order; false, holding nothing, when one was removed.
   */
  static boolean lockSorted(Cell[] sorted) {
    return lockSorted(sorted, sorted.length);
  }

  private static boolean lockSorted(Cell[] sorted, int n) {
    for (int i = 0; i < n; i++) {
      sorted[i].lock();
      if (sorted[i].removed) {
        for (int j = i; j >= 0; j--) {
          sorted[j].unlock();
        }
        return false;
      }
    }
    return true;
  }

  /** Whether {@code cells} holds no null and strictly rising {@link Cell#order}s. */
  private static boolean inLockOrder(@Nullable Cell[] cells) {
    long last = Long.MIN_VALUE;
    for (Cell c : cells) {
      if (c == null || c.order <= last) {
        return false;
      }
      last = c.order;
    }
    return true;
  }

  /** {@code cells}, known to hold no null, typed so. */
  @SuppressWarnings("NullAway")
  private static Cell[] noNulls(@Nullable Cell[] cells) {
    return cells;
  }

  /** Insertion sort by {@link Cell#order}, skipping cells already there and nulls. */
  private static int insertDistinct(Cell[] sorted, int n, @Nullable Cell[] cells) {
    outer:
    for (Cell c : cells) {
      if (c == null) {
        continue;
      }
      int i = n;
      while (i > 0 && sorted[i - 1].order >= c.order) {
        if (sorted[i - 1] == c) {
          continue outer;
        }
        i--;
      }
      System.arraycopy(sorted, i, sorted, i + 1, n - i);
      sorted[i] = c;
      n++;
    }
    return n;
  }

  static void unlockAll(Cell[] locked) {
    for (int i = locked.length - 1; i >= 0; i--) {
      locked[i].unlock();
    }
  }

  /**
   * The cells of {@code keys} that exist (null where a key has no counter; none is created) and, in
   * {@link #locked}, the distinct ones in lock order, all locked. The caller reads or changes the
   * cells and then unlocks {@link #locked}.
   */
  static final class Existing {
    final @Nullable Cell[] cells;
    final Cell[] locked;

    Existing(@Nullable Cell[] cells, Cell[] locked) {
      this.cells = cells;
      this.locked = locked;
    }
  }

  /**
   * Looks up the counters of {@code keys} and locks them in lock order; looks them up again while
   * one was removed between its lookup and its lock.
   */
  Existing lockExisting(List<CounterKey> keys) {
    while (true) {
      @Nullable Cell[] found = new Cell[keys.size()];
      for (int i = 0; i < found.length; i++) {
        found[i] = cells.get(keys.get(i));
      }
      Cell[] locked = lockAll(found, null);
      if (locked != null) {
        return new Existing(found, locked);
      }
    }
  }

  // ---- reading and changing locked cells -----------------------------------------------------

  /**
   * The first charge, in the order given, that does not fit; charges to the same counter within one
   * reservation add up. Called with every cell locked.
   */
  static ReserveResult.@Nullable Rejected firstMiss(List<Charge> charges, Cell[] cells) {
    for (int i = 0; i < cells.length; i++) {
      Charge c = charges.get(i);
      Cell cell = cells[i];
      long pending = 0;
      for (int j = 0; j < i; j++) {
        if (cells[j] == cell) {
          pending = Saturated.add(pending, charges.get(j).amount());
        }
      }
      long reserved = Saturated.add(cell.reserved, pending);
      if (!c.admission().admits(cell.used, reserved, c.amount(), c.limit())) {
        return new ReserveResult.Rejected(c, new CounterValue(cell.used, reserved));
      }
    }
    return null;
  }

  /**
   * Adds each charge to its cell's {@code reserved}; returns the values after of the counters
   * charged {@link Admission#ALWAYS} (which may have gone over their limit), an empty map when
   * none.
   */
  static Map<CounterKey, CounterValue> addReserved(List<Charge> charges, Cell[] cells) {
    Map<CounterKey, CounterValue> unconditional = Map.of();
    for (int i = 0; i < cells.length; i++) {
      Charge c = charges.get(i);
      Cell cell = cells[i];
      cell.reserved = Saturated.add(cell.reserved, c.amount());
      if (c.admission() == Admission.ALWAYS) {
        if (unconditional.isEmpty()) {
          unconditional = new HashMap<>();
        }
        unconditional.put(c.key(), new CounterValue(cell.used, cell.reserved));
      }
    }
    return unconditional;
  }

  /** The value of each charge's cell. Called with every cell locked. */
  static Map<CounterKey, CounterValue> values(List<Charge> charges, Cell[] cells) {
    Map<CounterKey, CounterValue> values = new HashMap<>(cells.length * 2);
    for (int i = 0; i < cells.length; i++) {
      values.put(charges.get(i).key(), new CounterValue(cells[i].used, cells[i].reserved));
    }
    return values;
  }

  /** Takes each reserved charge off its cell's {@code reserved}; skips null (purged) cells. */
  static void takeReserved(List<Charge> reserved, @Nullable Cell[] cells) {
    for (int i = 0; i < cells.length; i++) {
      Cell cell = cells[i];
      if (cell != null) {
        cell.reserved = Math.max(0, cell.reserved - reserved.get(i).amount());
      }
    }
  }

  /** Adds each charge to its cell's {@code used}; returns each counter's value after. */
  static Map<CounterKey, Long> addUsed(List<Charge> charges, Cell[] cells) {
    int n = charges.size();
    if (n == 0) {
      return Map.of();
    }
    for (int i = 0; i < n; i++) {
      Cell cell = cells[i];
      cell.used = Saturated.add(cell.used, charges.get(i).amount());
    }
    // an immutable map built directly, so that CommitResult's copy is free
    if (n == 1) {
      return Map.of(charges.get(0).key(), cells[0].used);
    }
    if (n == 2 && cells[0] != cells[1]) {
      return Map.of(charges.get(0).key(), cells[0].used, charges.get(1).key(), cells[1].used);
    }
    if (n == 3 && cells[0] != cells[1] && cells[0] != cells[2] && cells[1] != cells[2]) {
      return Map.of(
          charges.get(0).key(),
          cells[0].used,
          charges.get(1).key(),
          cells[1].used,
          charges.get(2).key(),
          cells[2].used);
    }
    Map<CounterKey, Long> after = new HashMap<>();
    for (int i = 0; i < n; i++) {
      after.put(charges.get(i).key(), cells[i].used);
    }
    return after;
  }

  /** Sets {@code used} to 0 on each cell; skips null (missing) cells. */
  static void zeroUsed(@Nullable Cell[] cells) {
    for (Cell cell : cells) {
      if (cell != null) {
        cell.used = 0;
      }
    }
  }

  /** The values of those of {@code keys} that have a counter, read under their locks. */
  Map<CounterKey, CounterValue> read(List<CounterKey> keys) {
    Existing existing = lockExisting(keys);
    try {
      Map<CounterKey, CounterValue> out = new HashMap<>();
      for (int i = 0; i < existing.cells.length; i++) {
        Cell cell = existing.cells[i];
        if (cell != null) {
          out.put(keys.get(i), new CounterValue(cell.used, cell.reserved));
        }
      }
      return out;
    } finally {
      unlockAll(existing.locked);
    }
  }

  // ---- removing cells ------------------------------------------------------------------------

  /**
   * Removes up to {@code max} counters whose window ended before {@code endedBefore} and that hold
   * no reservation; returns how many.
   */
  int purge(Instant endedBefore, int max) {
    int n = 0;
    for (Map.Entry<CounterKey, Cell> e : cells.entrySet()) {
      if (n >= max) {
        break;
      }
      Cell cell = e.getValue();
      if (!cell.windowEnd.isBefore(endedBefore)) {
        continue;
      }
      cell.lock();
      try {
        if (!cell.removed && cell.reserved == 0) {
          remove(e.getKey(), cell);
          n++;
        }
      } finally {
        cell.unlock();
      }
    }
    return n;
  }

  /** Removes every counter, each under its lock. */
  void clear() {
    for (Map.Entry<CounterKey, Cell> e : cells.entrySet()) {
      Cell cell = e.getValue();
      cell.lock();
      try {
        remove(e.getKey(), cell);
      } finally {
        cell.unlock();
      }
    }
  }

  /** Marks a locked cell removed and takes it out of the map. */
  private void remove(CounterKey key, Cell cell) {
    cell.removed = true;
    cells.remove(key, cell);
  }

  int size() {
    return cells.size();
  }
}
