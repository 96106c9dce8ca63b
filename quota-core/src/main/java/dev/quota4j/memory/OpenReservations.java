package dev.quota4j.memory;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The open reservations of {@link InMemoryQuotaStore}: a concurrent map by id, and a {@link
 * LeaseHeap} by lease end under a lock of its own.
 *
 * <ol>
 *   <li>A reservation is put in the map, and then in the heap, while its counters are locked.
 *   <li>Whoever settles it (commit, release, reclaim) takes it out of the map with {@link #settle}
 *       while it holds the reservation's counters' locks and the ledger lock, so exactly one caller
 *       settles it; then it takes it out of the heap with {@link #dropLease}.
 *   <li>The lease lock is a leaf: nothing else is locked while it is held.
 * </ol>
 */
final class OpenReservations {
  private final ConcurrentHashMap<String, OpenReservation> byId = new ConcurrentHashMap<>();
  private final ReentrantLock leaseLock = new ReentrantLock();
  private final LeaseHeap leases = new LeaseHeap();

  /** What {@link #extend} did. */
  enum Extension {
    /** The lease was moved. */
    EXTENDED,
    /** Not open any more (settled meanwhile), or not moved. */
    NOT_EXTENDED,
    /** Its lease had ended: taken out of the heap, so that the caller alone settles it. */
    ENDED
  }

  @Nullable OpenReservation get(String id) {
    return byId.get(id);
  }

  boolean isOpen(String id) {
    return byId.containsKey(id);
  }

  /** Puts {@code r} in the map; false when its id is open already. */
  boolean open(OpenReservation r) {
    return byId.putIfAbsent(r.id, r) == null;
  }

  /** Adds an opened reservation's lease to the heap. */
  void addLease(OpenReservation r) {
    leaseLock.lock();
    try {
      leases.add(r);
    } finally {
      leaseLock.unlock();
    }
  }

  /** Takes {@code r} out of the map; false when another caller settled it first. */
  boolean settle(OpenReservation r) {
    return byId.remove(r.id, r);
  }

  /** Takes a settled reservation out of the lease heap. */
  void dropLease(OpenReservation r) {
    leaseLock.lock();
    try {
      boolean unused = leases.remove(r);
    } finally {
      leaseLock.unlock();
    }
  }

  /**
   * Moves {@code r}'s lease end to {@code leaseUntil} if its lease has not ended at {@code now}. An
   * ended lease is not revived (a read may have counted without it): it is taken out of the heap.
   */
  Extension extend(OpenReservation r, Instant now, Instant leaseUntil) {
    leaseLock.lock();
    try {
      if (r.heapIndex < 0) {
        return Extension
            .NOT_EXTENDED; // out of the heap: committed, released or reclaimed meanwhile
      }
      if (r.leaseUntil.isAfter(now)) {
        return leases.update(r, leaseUntil) ? Extension.EXTENDED : Extension.NOT_EXTENDED;
      }
      return leases.remove(r) ? Extension.ENDED : Extension.NOT_EXTENDED;
    } finally {
      leaseLock.unlock();
    }
  }

  /** Whether some lease ended at or before {@code now}. */
  boolean anyEnded(Instant now) {
    leaseLock.lock();
    try {
      return leases.anyEnded(now);
    } finally {
      leaseLock.unlock();
    }
  }

  /** Takes the reservations whose lease ended at or before {@code now} out of the heap. */
  List<OpenReservation> pollEnded(Instant now) {
    leaseLock.lock();
    try {
      return leases.anyEnded(now) ? leases.pollEnded(now) : List.of();
    } finally {
      leaseLock.unlock();
    }
  }

  int size() {
    return byId.size();
  }

  int leaseCount() {
    leaseLock.lock();
    try {
      return leases.size();
    } finally {
      leaseLock.unlock();
    }
  }

  void clear() {
    leaseLock.lock();
    try {
      byId.clear();
      leases.clear();
    } finally {
      leaseLock.unlock();
    }
  }
}
