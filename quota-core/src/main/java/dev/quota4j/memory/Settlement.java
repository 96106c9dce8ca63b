package dev.quota4j.memory;

import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CommitResult.Status;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.UsageEvent;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How {@link InMemoryQuotaStore} applies usage and settles reservations. Each method:
 *
 * <ol>
 *   <li>looks up the cells it changes and locks them in lock order ({@link CounterTable}); the
 *       reservation's own cells, already sorted, when nothing was removed since it was reserved;
 *   <li>takes the ledger lock;
 *   <li>takes the reservation out of the open ones ({@link OpenReservations#settle}), so exactly
 *       one caller settles it, or checks that the event's id is new;
 *   <li>changes the cells, appends the event, and takes the lease out of the heap;
 *   <li>unlocks the ledger, then the cells.
 * </ol>
 *
 * <p>A method that finds a cell removed between its lookup and its lock looks the cells up again.
 */
final class Settlement {
  private final CounterTable counters;
  private final OpenReservations open;
  private final MemoryLedger ledger;

  Settlement(CounterTable counters, OpenReservations open, MemoryLedger ledger) {
    this.counters = counters;
    this.open = open;
    this.ledger = ledger;
  }

  /**
   * Commits the open reservation {@code r} with the {@code actual} charges: takes its charges off
   * {@code reserved} and adds the actual ones to {@code used}. Null when another call settled it
   * first or a cell was removed meanwhile (the caller looks the reservation up again).
   */
  @Nullable CommitResult commit(OpenReservation r, List<Charge> actual, UsageEvent event) {
    Cell[] cells;
    @Nullable Cell[] prior;
    Cell[] locked;
    if (r.sameCounters(actual) && CounterTable.lockSorted(r.locking)) {
      // the usual case: the counters reserved, none removed since; nothing to look up or sort
      cells = r.cells;
      prior = r.cells;
      locked = r.locking;
    } else {
      cells = counters.cellsFor(actual, r);
      prior = counters.existingCells(r);
      locked = CounterTable.lockAll(cells, prior);
      if (locked == null) {
        return null;
      }
    }
    try {
      ledger.lock();
      try {
        // taken out under the locks, so that a concurrent commit, release or reclaim of the same
        // id that finds it gone also finds its event
        if (!open.settle(r)) {
          return null;
        }
        CounterTable.takeReserved(r.charges, prior);
        Map<CounterKey, Long> after = CounterTable.addUsed(actual, cells);
        ledger.append(event);
        open.dropLease(r);
        return new CommitResult(Status.APPLIED, after);
      } finally {
        ledger.unlock();
      }
    } finally {
      CounterTable.unlockAll(locked);
    }
  }

  /**
   * Adds {@code charges} to {@code used} and appends {@code event}, unless its id is known; for
   * late commits and records. Null when {@code reservationId} names an open reservation.
   */
  @Nullable CommitResult apply(
      @Nullable String reservationId, List<Charge> charges, UsageEvent event, Status status) {
    while (true) {
      Cell[] cells = counters.cellsFor(charges);
      Cell[] locked = CounterTable.lockAll(cells, null);
      if (locked == null) {
        continue;
      }
      try {
        ledger.lock();
        try {
          if (reservationId != null && open.isOpen(reservationId)) {
            return null;
          }
          if (ledger.isKnown(event.eventId())) {
            return CommitResult.alreadyApplied();
          }
          Map<CounterKey, Long> after = CounterTable.addUsed(charges, cells);
          ledger.append(event);
          return new CommitResult(status, after);
        } finally {
          ledger.unlock();
        }
      } finally {
        CounterTable.unlockAll(locked);
      }
    }
  }

  /**
   * Settles a reservation without usage: takes it out of the open ones, its amounts off {@code
   * reserved}, and appends {@code event} if its id is new. False when another call settled it
   * first.
   */
  boolean unreserve(OpenReservation r, UsageEvent event) {
    boolean fast = true;
    while (true) {
      @Nullable Cell[] cells;
      Cell[] locked;
      if (fast && CounterTable.lockSorted(r.locking)) {
        cells = r.cells;
        locked = r.locking;
      } else {
        fast = false;
        cells = counters.existingCells(r);
        locked = CounterTable.lockAll(cells, null);
        if (locked == null) {
          continue;
        }
      }
      try {
        ledger.lock();
        try {
          if (!open.settle(r)) {
            return false;
          }
          CounterTable.takeReserved(r.charges, cells);
          boolean unused = ledger.appendIfNew(event);
          open.dropLease(r);
          return true;
        } finally {
          ledger.unlock();
        }
      } finally {
        CounterTable.unlockAll(locked);
      }
    }
  }
}
