package dev.quota4j.memory;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.DenialCount;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The ledger of {@link InMemoryQuotaStore}: the newest events ({@link EventRing}), the ids
 * remembered for idempotence ({@link EventIds}) and the daily summaries of the events that left the
 * ring ({@link DailySummaries}), all under one lock.
 *
 * <p>Methods named "…Locked" or documented "the caller holds the lock" are called between {@link
 * #lock()} and {@link #unlock()}, which an operation takes while it holds its counters' locks; the
 * others take the lock themselves.
 */
final class MemoryLedger {
  private final ReentrantLock lock = new ReentrantLock();

  // guarded by lock
  private final int eventsKept;
  private final EventRing events;
  private long eventsNext;
  private int eventsHeld;
  private final EventIds ids;
  private final @Nullable DailySummaries summaries;

  MemoryLedger(int eventsKept, int idsRemembered, boolean dailySummaries) {
    this.eventsKept = eventsKept;
    this.events = new EventRing(eventsKept);
    this.ids = new EventIds(idsRemembered);
    this.summaries = dailySummaries ? new DailySummaries() : null;
  }

  void lock() {
    lock.lock();
  }

  void unlock() {
    lock.unlock();
  }

  // ---- writing; the caller holds the lock --------------------------------------------------

  /** Whether an event with this id is remembered; the caller holds the lock. */
  boolean isKnown(String eventId) {
    return ids.contains(eventId);
  }

  /** Appends an event; the caller holds the lock. */
  void append(UsageEvent event) {
    ids.add(event.eventId());
    if (eventsKept == 0) {
      if (summaries != null) {
        summaries.add(event);
      }
      return;
    }
    events.growIfFull(eventsNext); // (not wrapped yet: positions are sequence numbers)
    int pos = (int) (eventsNext % events.length());
    if (!events.isEmpty(pos)) {
      drop(pos);
    }
    events.set(pos, event);
    eventsHeld++;
    eventsNext++;
  }

  /** Appends an event unless its id is remembered; false then. The caller holds the lock. */
  boolean appendIfNew(UsageEvent event) {
    if (isKnown(event.eventId())) {
      return false;
    }
    append(event);
    return true;
  }

  /**
   * Moves every event of {@code from} to {@code to} and returns, for each of {@code charged}, the
   * sum of its amounts over those events; the caller holds the lock.
   */
  long[] moveEvents(SubjectRef from, SubjectRef to, List<UsageMove> charged) {
    long[] amounts = new long[charged.size()];
    for (int i = 0; i < events.length(); i++) {
      if (!events.isEmpty(i) && events.subject(i).equals(from)) {
        if (amounts.length > 0) {
          UsageEvent e = events.get(i);
          for (int j = 0; j < amounts.length; j++) {
            amounts[j] = Saturated.add(amounts[j], charged.get(j).amountOf(e));
          }
        }
        events.setSubject(i, to);
      }
    }
    return amounts;
  }

  /** Takes an event out of the ring, into the summaries; the caller holds the lock. */
  private void drop(int pos) {
    if (summaries != null) {
      summaries.add(events, pos);
    }
    events.clear(pos);
    eventsHeld--;
  }

  // ---- operations that take the lock -------------------------------------------------------

  /** Whether an event with this id is remembered. */
  boolean knownEvent(String eventId) {
    lock.lock();
    try {
      return isKnown(eventId);
    } finally {
      lock.unlock();
    }
  }

  /** Appends an event unless its id is remembered; false then. */
  boolean appendIfNewEvent(UsageEvent event) {
    lock.lock();
    try {
      return appendIfNew(event);
    } finally {
      lock.unlock();
    }
  }

  List<UsageEvent> find(EventQuery q) {
    lock.lock();
    try {
      List<UsageEvent> out = new ArrayList<>();
      for (long s = oldest(); s < eventsNext; s++) {
        int pos = (int) (s % events.length());
        if (!inRange(pos, q.from(), q.to())) {
          continue;
        }
        UsageEvent e = events.get(pos);
        if (q.subject() != null && !q.subject().equals(e.subject())) {
          continue;
        }
        if (q.workflowId() != null && !q.workflowId().equals(e.workflowId())) {
          continue;
        }
        out.add(e);
      }
      out.sort(Comparator.comparing(UsageEvent::time));
      return out.size() > q.limit() ? List.copyOf(out.subList(0, q.limit())) : out;
    } finally {
      lock.unlock();
    }
  }

  /** Denials of the ring and the daily summaries in {@code [from, to)}, by code and kind. */
  List<DenialCount> denialsByCode(Instant from, Instant to) {
    lock.lock();
    try {
      Map<List<@Nullable Object>, long[]> out = new HashMap<>();
      for (long s = oldest(); s < eventsNext; s++) {
        int pos = (int) (s % events.length());
        if (!inRange(pos, from, to) || events.status(pos) != EventStatus.QUOTA_EXCEEDED) {
          continue;
        }
        long[] n =
            out.computeIfAbsent(
                Arrays.asList(events.errorCode(pos), events.subject(pos).kind()), x -> new long[1]);
        n[0]++;
      }
      if (summaries != null) {
        summaries.addDenials(out, from, to);
      }
      List<DenialCount> rows = new ArrayList<>(out.size());
      out.forEach(
          (k, n) -> rows.add(new DenialCount((String) k.get(0), (SubjectKind) k.get(1), n[0])));
      return rows;
    } finally {
      lock.unlock();
    }
  }

  /** The events of the ring and the daily summaries that {@code q} selects, grouped. */
  List<AggregateRow> aggregate(AggregateQuery q) {
    lock.lock();
    try {
      Aggregation out = new Aggregation(q);
      for (long s = oldest(); s < eventsNext; s++) {
        int pos = (int) (s % events.length());
        if (!inRange(pos, q.from(), q.to())) {
          continue;
        }
        UsageEvent e = events.get(pos);
        if (!q.matches(e)) {
          continue;
        }
        out.add(
            e.time(),
            false,
            e.subject(),
            e.status(),
            AggregateQuery.dims(e),
            1,
            new long[] {
              e.inputTokens(),
              e.outputTokens(),
              e.cachedInputTokens(),
              e.characters(),
              e.costMicros()
            });
      }
      if (summaries != null) {
        summaries.addTo(out, q);
      }
      return out.rows();
    } finally {
      lock.unlock();
    }
  }

  /** Takes up to {@code max} events older than {@code before} out of the ring; returns how many. */
  int purge(Instant before, int max) {
    lock.lock();
    try {
      int n = 0;
      for (long s = oldest(); s < eventsNext && n < max; s++) {
        int pos = (int) (s % events.length());
        if (events.isEmpty(pos) || !events.isBefore(pos, before)) {
          continue;
        }
        drop(pos);
        n++;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** How many events the ring holds. */
  int size() {
    lock.lock();
    try {
      return eventsHeld;
    } finally {
      lock.unlock();
    }
  }

  /** Forgets the events, the remembered ids and the summaries. */
  void clear() {
    lock.lock();
    try {
      events.clearAll();
      eventsNext = 0;
      eventsHeld = 0;
      ids.clear();
      if (summaries != null) {
        summaries.clear();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether position {@code pos} holds an event in {@code [from, to)}. */
  private boolean inRange(int pos, Instant from, Instant to) {
    return !events.isEmpty(pos) && !events.isBefore(pos, from) && events.isBefore(pos, to);
  }

  /** The sequence number of the oldest event the ring may still hold. */
  private long oldest() {
    return Math.max(0, eventsNext - events.length());
  }
}
