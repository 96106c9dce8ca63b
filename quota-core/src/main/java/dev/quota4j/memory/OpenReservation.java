package dev.quota4j.memory;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.List;

/**
 * A reservation of {@link InMemoryQuotaStore} not yet committed, released or reclaimed: its charges
 * and the cells they were reserved on. {@link #leaseUntil}, {@link #heapIndex} and {@link #seq} are
 * read and written under the lease lock of {@link OpenReservations}.
 */
final class OpenReservation {
  final String id;
  final List<Charge> charges;

  /** The cell of each charge when it was reserved; a hint, looked up again if removed. */
  final Cell[] cells;

  /** The distinct {@link #cells} in lock order. */
  final Cell[] locking;

  Instant leaseUntil;
  int heapIndex = -1;
  long seq;

  OpenReservation(
      String id, List<Charge> charges, Cell[] cells, Cell[] locking, Instant leaseUntil) {
    this.id = id;
    this.charges = charges;
    this.cells = cells;
    this.locking = locking;
    this.leaseUntil = leaseUntil;
  }

  /** Whether {@code actual} charges the same counters, in the same order, as this reservation. */
  @SuppressWarnings("ReferenceEquality") // identity first: the usual case is the same key object
  boolean sameCounters(List<Charge> actual) {
    if (actual.size() != charges.size()) {
      return false;
    }
    for (int i = 0; i < cells.length; i++) {
      CounterKey k = actual.get(i).key();
      CounterKey mine = charges.get(i).key();
      if (k != mine && !k.equals(mine)) {
        return false;
      }
    }
    return true;
  }

  /** The event that settles this reservation when its lease ended before {@code now}. */
  UsageEvent expiredEvent(Instant now) {
    return UsageEvent.builder(id + "#expired", now, EventStatus.EXPIRED, subject())
        .reservationId(id)
        .build();
  }

  /** The subject charged: the first that is neither SYSTEM nor a workflow. */
  private SubjectRef subject() {
    for (Charge c : charges) {
      SubjectKind k = c.key().subject().kind();
      if (k != SubjectKind.SYSTEM && k != SubjectKind.WORKFLOW) {
        return c.key().subject();
      }
    }
    return charges.isEmpty() ? SubjectRef.SYSTEM : charges.get(0).key().subject();
  }
}
