package dev.quota4j.memory;

import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The administrative changes of {@link InMemoryQuotaStore} that touch counters and the ledger
 * together: resetting counters and moving a subject's usage. Each locks its counters in lock order,
 * then the ledger, and applies its audit event once (a retry with the same id changes nothing).
 */
final class Maintenance {
  private final CounterTable counters;
  private final MemoryLedger ledger;

  Maintenance(CounterTable counters, MemoryLedger ledger) {
    this.counters = counters;
    this.ledger = ledger;
  }

  /**
   * Sets {@code used} of the existing counters of {@code keys} to 0; false if {@code audit} is
   * known.
   */
  boolean resetCounters(List<CounterKey> keys, UsageEvent audit) {
    CounterTable.Existing existing = counters.lockExisting(keys);
    try {
      ledger.lock();
      try {
        if (ledger.isKnown(audit.eventId())) {
          return false;
        }
        CounterTable.zeroUsed(existing.cells);
        ledger.append(audit);
        return true;
      } finally {
        ledger.unlock();
      }
    } finally {
      CounterTable.unlockAll(existing.locked);
    }
  }

  /**
   * Moves {@code from}'s events to {@code to}, adds their amounts to the {@code charged} counters,
   * and empties the {@code emptied} ones; false if {@code audit} is known.
   */
  boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    while (true) {
      // the emptied counters are locked first, so a commit of {@code from} under way on one of
      // them finishes (event appended) before the events are read, and one starting later waits
      @Nullable Cell[] sources = new Cell[emptied.size()];
      Cell[] targets = new Cell[charged.size()];
      for (int i = 0; i < sources.length; i++) {
        sources[i] = counters.find(emptied.get(i));
      }
      for (int i = 0; i < targets.length; i++) {
        targets[i] = counters.cellFor(charged.get(i).to(), charged.get(i).toWindowEnd());
      }
      Cell[] locked = CounterTable.lockAll(sources, targets);
      if (locked == null) {
        continue;
      }
      try {
        ledger.lock();
        try {
          if (ledger.isKnown(audit.eventId())) {
            return false;
          }
          long[] amounts = ledger.moveEvents(from, to, charged);
          for (int j = 0; j < amounts.length; j++) {
            targets[j].used = Saturated.add(targets[j].used, amounts[j]);
          }
          CounterTable.zeroUsed(sources);
          ledger.append(audit);
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
