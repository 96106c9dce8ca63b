package dev.quota4j.memory;

import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One counter of {@link InMemoryQuotaStore} and its lock. {@link #used} and {@link #reserved} are
 * read and written only while the lock is held. A cell taken out of the store's map (by {@link
 * InMemoryQuotaStore#purgeCounters} or {@link InMemoryQuotaStore#clear}) is marked {@link #removed}
 * under its lock; whoever locks it afterwards looks the counter up again.
 */
@SuppressWarnings("serial") // never serialized
final class Cell extends ReentrantLock {
  /** Added to {@link #order} of SYSTEM counters, so that they are locked after all others. */
  static final long SYSTEM_LAST = 1L << 62;

  /**
   * The position of this cell in the total order in which cells are locked: creation order, SYSTEM
   * counters after all others (they are charged by every call, so their locks should be held for
   * the shortest time, as {@link dev.quota4j.spi.CounterKey#LOCK_ORDER} says for databases).
   */
  final long order;

  /** When the counter's window ends, as the charge that created it said. */
  final Instant windowEnd;

  long used;
  long reserved;
  boolean removed;

  Cell(long order, Instant windowEnd) {
    this.order = order;
    this.windowEnd = windowEnd;
  }
}
