package dev.quota4j.memory;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CommitResult.Status;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QuotaStore} in this JVM's memory: exact for one application instance, and the fake to
 * use in unit tests.
 *
 * <h2>What it keeps</h2>
 *
 * <ul>
 *   <li>Counters, reservations and the subject directory, always.
 *   <li>The ledger: the newest {@link Builder#eventsKept} events (default {@value
 *       #DEFAULT_LEDGER_CAPACITY}), for {@link #findEvents}, {@link #aggregate} and {@link
 *       #moveSubject}.
 *   <li>Daily summaries ({@link Builder#dailySummaries}, on by default): an event that leaves the
 *       ledger, because it is full or because {@link #purgeEvents} took it, is first added to them
 *       (one entry per UTC day, subject, operation, provider, model, agent, tool, provider key and
 *       status), and they are kept until {@link #clear()}, so {@link #aggregate} stays exact, at
 *       day resolution, for usage older than the ledger holds. They keep no workflow: grouped by
 *       {@link Dimension#WORKFLOW}, that usage counts under a null workflow.
 *   <li>The ids of the newest {@link Builder#idsRemembered} events (default twice {@code
 *       eventsKept}, at least {@value #MIN_IDS_REMEMBERED}), events kept or not: a retried commit,
 *       release or record whose id is among them changes nothing. One older than that is applied
 *       again.
 * </ul>
 *
 * <p>With {@code eventsKept(0)} the store keeps counters only (plus the summaries, unless they are
 * off too): {@link #findEvents} returns nothing, {@link #aggregate} sees only the summaries (day
 * buckets, no hours), {@link #moveSubject} moves counters but has no events to move, and threshold
 * alerts, status and admission work as before. {@code eventsKept(0).dailySummaries(false)} is the
 * cheapest: no report reads anything but an empty list.
 *
 * <h2>Locking</h2>
 *
 * <ol>
 *   <li>Each counter has its own lock. An operation looks up (or creates) every counter it touches,
 *       then locks them all in one total order (order of creation, counters of the {@code SYSTEM}
 *       subject after all others) before it reads or changes any, and unlocks them when it is done:
 *       all charges of a reservation are checked and added while all their locks are held, so
 *       reservations of different users run in parallel and nothing is ever over-admitted. A
 *       counter removed meanwhile is looked up again.
 *   <li>The ledger (events, ids, summaries) has one lock, taken while an operation holds its
 *       counters' locks, so that a reader never sees an event without its counter change or the
 *       other way round.
 *   <li>Open reservations are in a concurrent map. A commit, release or reclaim takes its
 *       reservation out of the map while it holds the reservation's counters' locks and the ledger
 *       lock, so exactly one of them settles it, and one that finds it gone also finds the event of
 *       the one that settled it (a retried commit is not counted twice). A heap by lease end, under
 *       a lock of its own, holds the open reservations only.
 *   <li>Locks are taken in the order counters, ledger, lease heap; the lease heap's and the
 *       ledger's are never held while a counter's is taken. Reclaiming on a miss releases the
 *       counters' locks first and then tries once more.
 * </ol>
 *
 * <p>Thread-safe.
 */
public final class InMemoryQuotaStore implements QuotaStore {
  /** The default number of ledger events kept. */
  public static final int DEFAULT_LEDGER_CAPACITY = 100_000;

  /**
   * The fewest event ids remembered for idempotence when {@link Builder#idsRemembered} is unset.
   */
  public static final int MIN_IDS_REMEMBERED = 100_000;

  private final ConcurrentHashMap<CounterKey, Cell> counters = new ConcurrentHashMap<>();
  private final AtomicLong cellsCreated = new AtomicLong();
  private final ConcurrentHashMap<String, Held> reservations = new ConcurrentHashMap<>();
  private final ReentrantLock leaseLock = new ReentrantLock();
  private final LeaseHeap leases = new LeaseHeap();
  private final ConcurrentHashMap<SubjectRef, SubjectRecord> subjects = new ConcurrentHashMap<>();

  /** Guards everything below. */
  private final ReentrantLock ledgerLock = new ReentrantLock();

  private final int eventsKept;
  private final boolean dailySummaries;
  private final EventRing events;
  private long eventsNext;
  private int eventsHeld;
  private final EventIds ids;
  private final Map<SummaryKey, long[]> summaries = new HashMap<>();

  /** A store keeping {@link #DEFAULT_LEDGER_CAPACITY} ledger events. */
  public InMemoryQuotaStore() {
    this(builder());
  }

  /**
   * A store keeping the newest {@code ledgerCapacity} ledger events; the same as {@code
   * builder().eventsKept(ledgerCapacity).build()}.
   *
   * @throws IllegalArgumentException when {@code ledgerCapacity} is not positive
   */
  public InMemoryQuotaStore(int ledgerCapacity) {
    this(builder().eventsKept((int) Checks.positive("ledgerCapacity", ledgerCapacity)));
  }

  private InMemoryQuotaStore(Builder b) {
    this.eventsKept = b.eventsKept;
    this.dailySummaries = b.dailySummaries;
    int remembered =
        b.idsRemembered > 0
            ? b.idsRemembered
            : (int) Math.min(Integer.MAX_VALUE - 8, Math.max(MIN_IDS_REMEMBERED, 2L * eventsKept));
    this.ids = new EventIds(remembered);
    this.events = new EventRing(eventsKept);
  }

  /** A builder; its defaults make the same store as {@code new InMemoryQuotaStore()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link InMemoryQuotaStore}. */
  @CanIgnoreReturnValue
  public static final class Builder {
    private int eventsKept = DEFAULT_LEDGER_CAPACITY;
    private boolean dailySummaries = true;
    private int idsRemembered;

    private Builder() {}

    /**
     * How many of the newest ledger events to keep for {@link #findEvents}, {@link #aggregate} and
     * {@link #moveSubject}; 0 keeps none (counters only). Default {@value
     * #DEFAULT_LEDGER_CAPACITY}.
     */
    public Builder eventsKept(int value) {
      this.eventsKept = (int) Checks.nonNegative("eventsKept", value);
      return this;
    }

    /**
     * Whether events leaving the ledger are added to daily summaries, kept until {@link
     * InMemoryQuotaStore#clear()} (their number grows with the days and distinct dimensions, not
     * with the events). Default true.
     */
    public Builder dailySummaries(boolean value) {
      this.dailySummaries = value;
      return this;
    }

    /**
     * How many of the newest event ids (commits, releases, records, denials, audits) to remember so
     * that a retry with the same id changes nothing; at least {@code eventsKept}. Default twice
     * {@code eventsKept}, at least {@value #MIN_IDS_REMEMBERED}. Each costs about 100 bytes (the id
     * string and its index entry).
     */
    public Builder idsRemembered(int value) {
      this.idsRemembered = (int) Checks.positive("idsRemembered", value);
      return this;
    }

    /**
     * Builds the store.
     *
     * @throws IllegalArgumentException when {@code idsRemembered} was set below {@code eventsKept}
     */
    public InMemoryQuotaStore build() {
      if (idsRemembered > 0) {
        Checks.argument(
            idsRemembered >= eventsKept,
            "idsRemembered",
            "must be at least eventsKept (" + eventsKept + ")",
            idsRemembered);
      }
      return new InMemoryQuotaStore(this);
    }
  }

  /**
   * An open reservation; {@link #leaseUntil}, {@link #heapIndex} and {@link #seq} under leaseLock.
   */
  static final class Held {
    final String id;
    final List<Charge> charges;

    /** The cell of each charge when it was reserved; a hint, looked up again if removed. */
    final Cell[] cells;

    /** The distinct {@link #cells} in lock order. */
    final Cell[] locking;

    Instant leaseUntil;
    int heapIndex = -1;
    long seq;

    Held(String id, List<Charge> charges, Cell[] cells, Cell[] locking, Instant leaseUntil) {
      this.id = id;
      this.charges = charges;
      this.cells = cells;
      this.locking = locking;
      this.leaseUntil = leaseUntil;
    }

    /** Whether {@code actual} charges the same counters, in the same order, as this reservation. */
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
  }

  // ---- counters and their locks ------------------------------------------------------------

  /** The cell of {@code c}'s counter, created when missing. */
  private Cell cellFor(Charge c) {
    return cellFor(c.key(), c.windowEnd());
  }

  private Cell cellFor(CounterKey key, Instant windowEnd) {
    Cell cell = counters.get(key);
    if (cell == null) {
      long order = cellsCreated.incrementAndGet();
      if (key.subject().kind() == SubjectKind.SYSTEM) {
        order += Cell.SYSTEM_LAST;
      }
      Cell created = new Cell(order, windowEnd);
      Cell raced = counters.putIfAbsent(key, created);
      cell = raced != null ? raced : created;
    }
    return cell;
  }

  /**
   * Locks the distinct cells of {@code a} and {@code b} in lock order and returns them, or returns
   * null, holding nothing, when one of them was removed meanwhile (the caller looks them up again).
   */
  private static Cell @Nullable [] lockAll(@Nullable Cell[] a, @Nullable Cell @Nullable [] b) {
    int n = 0;
    Cell[] sorted = new Cell[a.length + (b == null ? 0 : b.length)];
    n = insertDistinct(sorted, n, a);
    if (b != null) {
      n = insertDistinct(sorted, n, b);
    }
    for (int i = 0; i < n; i++) {
      sorted[i].lock();
      if (sorted[i].removed) {
        for (int j = i; j >= 0; j--) {
          sorted[j].unlock();
        }
        return null;
      }
    }
    return n == sorted.length ? sorted : Arrays.copyOf(sorted, n);
  }

  /**
   * Locks cells already distinct and in lock order; false, holding nothing, when one was removed.
   */
  private static boolean lockSorted(Cell[] sorted) {
    for (int i = 0; i < sorted.length; i++) {
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

  private static void unlockAll(Cell[] locked) {
    for (int i = locked.length - 1; i >= 0; i--) {
      locked[i].unlock();
    }
  }

  /** The cells of {@code charges}, created when missing. */
  private Cell[] cellsFor(List<Charge> charges) {
    Cell[] out = new Cell[charges.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = cellFor(charges.get(i));
    }
    return out;
  }

  /**
   * The cells of {@code charges}, reusing {@code hint} where a charge has the same key as the
   * reserved charge at the same index and its cell is still in the store.
   */
  private Cell[] cellsFor(List<Charge> charges, Held hint) {
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
   * The cells of {@code keys} that exist (null where a key has no counter; none is created) and, in
   * {@link #locked}, the distinct ones in lock order, all locked. The caller reads or changes the
   * cells and then unlocks {@link #locked}.
   */
  private static final class Existing {
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
  private Existing lockExisting(List<CounterKey> keys) {
    while (true) {
      @Nullable Cell[] cells = new Cell[keys.size()];
      for (int i = 0; i < cells.length; i++) {
        cells[i] = counters.get(keys.get(i));
      }
      Cell[] locked = lockAll(cells, null);
      if (locked != null) {
        return new Existing(cells, locked);
      }
    }
  }

  /** The cells of a reservation's charges that still exist (none is created). */
  private @Nullable Cell[] existingCells(Held held) {
    @Nullable Cell[] out = new Cell[held.charges.size()];
    for (int i = 0; i < out.length; i++) {
      Cell hint = held.cells[i];
      out[i] = hint.removed ? counters.get(held.charges.get(i).key()) : hint;
    }
    return out;
  }

  // ---- the protocol ------------------------------------------------------------------------

  @Override
  public ReserveResult reserve(
      String reservationId, List<Charge> charges, Instant now, Instant leaseUntil) {
    Checks.id("reservationId", reservationId);
    List<Charge> kept = List.copyOf(charges);
    boolean reclaimed = false;
    while (true) {
      Cell[] cells = cellsFor(kept);
      Cell[] locked = lockAll(cells, null);
      if (locked == null) {
        continue;
      }
      ReserveResult.Rejected miss;
      try {
        if (reservations.containsKey(reservationId) || knownEvent(reservationId)) {
          return new ReserveResult.Duplicate();
        }
        miss = firstMiss(kept, cells);
        if (miss == null) {
          Held held = new Held(reservationId, kept, cells, locked, leaseUntil);
          if (reservations.putIfAbsent(reservationId, held) != null) {
            return new ReserveResult.Duplicate();
          }
          Map<CounterKey, CounterValue> unconditional = Map.of();
          for (int i = 0; i < cells.length; i++) {
            Charge c = kept.get(i);
            Cell cell = cells[i];
            cell.reserved = sat(cell.reserved + c.amount());
            if (c.admission() == dev.quota4j.spi.Admission.ALWAYS) {
              if (unconditional.isEmpty()) {
                unconditional = new HashMap<>();
              }
              unconditional.put(c.key(), new CounterValue(cell.used, cell.reserved));
            }
          }
          leaseLock.lock();
          try {
            leases.add(held);
          } finally {
            leaseLock.unlock();
          }
          return new ReserveResult.Granted(unconditional);
        }
      } finally {
        unlockAll(locked);
      }
      if (reclaimed || reclaimExpired(now) == 0) {
        return miss;
      }
      reclaimed = true; // capacity came back: try once more
    }
  }

  /**
   * The first charge, in the order given, that does not fit; charges to the same counter within one
   * reservation add up. Called with every cell locked.
   */
  private static ReserveResult.@Nullable Rejected firstMiss(List<Charge> charges, Cell[] cells) {
    for (int i = 0; i < cells.length; i++) {
      Charge c = charges.get(i);
      Cell cell = cells[i];
      long pending = 0;
      for (int j = 0; j < i; j++) {
        if (cells[j] == cell) {
          pending = sat(pending + charges.get(j).amount());
        }
      }
      long reserved = sat(cell.reserved + pending);
      if (!c.admission().admits(cell.used, reserved, c.amount(), c.limit())) {
        return new ReserveResult.Rejected(c, new CounterValue(cell.used, reserved));
      }
    }
    return null;
  }

  @Override
  public CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event) {
    while (true) {
      Held held = reservations.get(reservationId);
      if (held == null) {
        CommitResult late = addAndAppend(reservationId, actual, event, Status.APPLIED_LATE);
        if (late != null) {
          return late;
        }
        continue; // reserved meanwhile (a caller's race with itself): commit it
      }
      boolean fast = held.sameCounters(actual);
      Cell[] cells;
      @Nullable Cell[] prior;
      Cell[] locked;
      if (fast && lockSorted(held.locking)) {
        // the usual case: the counters reserved, none removed since; nothing to look up or sort
        cells = held.cells;
        prior = held.cells;
        locked = held.locking;
      } else {
        cells = cellsFor(actual, held);
        prior = existingCells(held);
        locked = lockAll(cells, prior);
        if (locked == null) {
          continue;
        }
      }
      try {
        ledgerLock.lock();
        try {
          // taken out under the locks, so that a concurrent commit, release or reclaim of the same
          // id that finds it gone also finds its event
          if (!reservations.remove(reservationId, held)) {
            continue;
          }
          for (int i = 0; i < prior.length; i++) {
            Cell cell = prior[i];
            if (cell != null) {
              cell.reserved = Math.max(0, cell.reserved - held.charges.get(i).amount());
            }
          }
          Map<CounterKey, Long> after = addUsed(actual, cells);
          append(event);
          dropLease(held);
          return new CommitResult(Status.APPLIED, after);
        } finally {
          ledgerLock.unlock();
        }
      } finally {
        unlockAll(locked);
      }
    }
  }

  /**
   * Adds {@code charges} to {@code used} and appends {@code event}, unless its id is known; for
   * late commits and records. Null when {@code reservationId} names an open reservation.
   */
  private @Nullable CommitResult addAndAppend(
      @Nullable String reservationId,
      List<Charge> charges,
      UsageEvent event,
      CommitResult.Status status) {
    while (true) {
      Cell[] cells = cellsFor(charges);
      Cell[] locked = lockAll(cells, null);
      if (locked == null) {
        continue;
      }
      try {
        ledgerLock.lock();
        try {
          if (reservationId != null && reservations.containsKey(reservationId)) {
            return null;
          }
          if (isKnownEvent(event.eventId())) {
            return CommitResult.alreadyApplied();
          }
          Map<CounterKey, Long> after = addUsed(charges, cells);
          append(event);
          return new CommitResult(status, after);
        } finally {
          ledgerLock.unlock();
        }
      } finally {
        unlockAll(locked);
      }
    }
  }

  @Override
  public boolean release(String reservationId, UsageEvent event) {
    Held held;
    while ((held = reservations.get(reservationId)) != null) {
      if (unreserveAndAppend(held, event)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Settles a reservation without usage: takes it out of the open ones, its amounts off {@code
   * reserved}, and appends {@code event} if its id is new. False when another call settled it
   * first.
   */
  private boolean unreserveAndAppend(Held held, UsageEvent event) {
    boolean fast = true;
    while (true) {
      @Nullable Cell[] cells;
      Cell[] locked;
      if (fast && lockSorted(held.locking)) {
        cells = held.cells;
        locked = held.locking;
      } else {
        fast = false;
        cells = existingCells(held);
        locked = lockAll(cells, null);
        if (locked == null) {
          continue;
        }
      }
      try {
        ledgerLock.lock();
        try {
          if (!reservations.remove(held.id, held)) {
            return false;
          }
          for (int i = 0; i < cells.length; i++) {
            Cell cell = cells[i];
            if (cell != null) {
              cell.reserved = Math.max(0, cell.reserved - held.charges.get(i).amount());
            }
          }
          if (!isKnownEvent(event.eventId())) {
            append(event);
          }
          dropLease(held);
          return true;
        } finally {
          ledgerLock.unlock();
        }
      } finally {
        unlockAll(locked);
      }
    }
  }

  /** Takes a settled reservation out of the lease heap (a leaf lock: nothing is taken inside). */
  private void dropLease(Held held) {
    leaseLock.lock();
    try {
      boolean unused = leases.remove(held);
    } finally {
      leaseLock.unlock();
    }
  }

  @Override
  public CommitResult record(List<Charge> charges, UsageEvent event) {
    return java.util.Objects.requireNonNull(addAndAppend(null, charges, event, Status.APPLIED));
  }

  @Override
  public boolean appendEvent(UsageEvent event) {
    ledgerLock.lock();
    try {
      if (isKnownEvent(event.eventId())) {
        return false;
      }
      append(event);
      return true;
    } finally {
      ledgerLock.unlock();
    }
  }

  @Override
  public boolean extend(String reservationId, Instant now, Instant leaseUntil) {
    Held held = reservations.get(reservationId);
    if (held == null) {
      return false;
    }
    leaseLock.lock();
    try {
      if (held.heapIndex < 0) {
        return false; // out of the heap: committed, released or reclaimed meanwhile
      }
      if (held.leaseUntil.isAfter(now)) {
        return leases.update(held, leaseUntil);
      }
      // the lease ended: not revived (a read may have counted without it); taken out of the heap
      // here, so that this call alone settles it, as reclaimExpired does
      if (!leases.remove(held)) {
        return false;
      }
    } finally {
      leaseLock.unlock();
    }
    boolean unused = unreserveAndAppend(held, expiredEvent(held, now));
    return false;
  }

  @Override
  public int reclaimExpired(Instant now) {
    List<Held> ended;
    leaseLock.lock();
    try {
      if (!leases.anyEnded(now)) {
        return 0;
      }
      ended = leases.pollEnded(now);
    } finally {
      leaseLock.unlock();
    }
    int n = 0;
    for (Held held : ended) {
      if (unreserveAndAppend(held, expiredEvent(held, now))) {
        n++;
      } // else committed or released meanwhile
    }
    return n;
  }

  private static UsageEvent expiredEvent(Held held, Instant now) {
    return UsageEvent.builder(held.id + "#expired", now, EventStatus.EXPIRED, subjectOf(held))
        .reservationId(held.id)
        .build();
  }

  private static SubjectRef subjectOf(Held held) {
    for (Charge c : held.charges) {
      SubjectKind k = c.key().subject().kind();
      if (k != SubjectKind.SYSTEM && k != SubjectKind.WORKFLOW) {
        return c.key().subject();
      }
    }
    return held.charges.isEmpty() ? SubjectRef.SYSTEM : held.charges.get(0).key().subject();
  }

  /** Reclaims the ended leases first when there is one (one look at the lease heap otherwise). */
  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys, Instant now) {
    boolean ended;
    leaseLock.lock();
    try {
      ended = leases.anyEnded(now);
    } finally {
      leaseLock.unlock();
    }
    if (ended) {
      reclaimExpired(now);
    }
    return counters(keys);
  }

  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
    List<CounterKey> list = List.copyOf(keys);
    Existing existing = lockExisting(list);
    try {
      Map<CounterKey, CounterValue> out = new HashMap<>();
      for (int i = 0; i < existing.cells.length; i++) {
        Cell cell = existing.cells[i];
        if (cell != null) {
          out.put(list.get(i), new CounterValue(cell.used, cell.reserved));
        }
      }
      return out;
    } finally {
      unlockAll(existing.locked);
    }
  }

  @Override
  public Optional<SubjectRecord> findSubject(SubjectRef subject) {
    return Optional.ofNullable(subjects.get(subject));
  }

  @Override
  public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
    SubjectRecord there = subjects.putIfAbsent(record.subject(), record);
    return there != null ? there : record;
  }

  @Override
  public void saveSubject(SubjectRecord record) {
    subjects.put(record.subject(), record);
  }

  @Override
  public List<UsageEvent> findEvents(EventQuery q) {
    ledgerLock.lock();
    try {
      List<UsageEvent> out = new ArrayList<>();
      for (long s = oldestEvent(); s < eventsNext; s++) {
        int pos = (int) (s % events.length());
        if (events.isEmpty(pos)
            || events.isBefore(pos, q.from())
            || !events.isBefore(pos, q.to())) {
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
      out.sort(java.util.Comparator.comparing(UsageEvent::time));
      return out.size() > q.limit() ? List.copyOf(out.subList(0, q.limit())) : out;
    } finally {
      ledgerLock.unlock();
    }
  }

  // ---- optional capabilities ----------------------------------------------------------------

  /** A daily summary's key. */
  private record SummaryKey(
      Instant day,
      SubjectRef subject,
      EventStatus status,
      @Nullable String operation,
      @Nullable String provider,
      @Nullable String model,
      @Nullable String agent,
      @Nullable String tool,
      @Nullable String providerKey) {
    @Nullable String[] dims() {
      @Nullable String[] v = new String[Dimension.values().length];
      v[Dimension.OPERATION.ordinal()] = operation;
      v[Dimension.PROVIDER.ordinal()] = provider;
      v[Dimension.MODEL.ordinal()] = model;
      v[Dimension.AGENT.ordinal()] = agent;
      v[Dimension.TOOL.ordinal()] = tool;
      v[Dimension.PROVIDER_KEY.ordinal()] = providerKey;
      v[Dimension.STATUS.ordinal()] = status.name();
      // no WORKFLOW: the summaries keep none, so purged usage counts under a null workflow
      return v;
    }
  }

  /** Sums of a summary: events, input, output, cached, characters, cost. */
  private static final int SUMS = 6;

  private void summarize(UsageEvent e) {
    summarize(
        e.time().truncatedTo(ChronoUnit.DAYS),
        e.subject(),
        e.status(),
        e.operation(),
        e.provider(),
        e.model(),
        e.agent(),
        e.tool(),
        e.providerKey(),
        e.inputTokens(),
        e.outputTokens(),
        e.cachedInputTokens(),
        e.characters(),
        e.costMicros());
  }

  @SuppressWarnings("TooManyParameters") // one per column of the summary
  private void summarize(
      Instant day,
      SubjectRef subject,
      EventStatus status,
      @Nullable String operation,
      @Nullable String provider,
      @Nullable String model,
      @Nullable String agent,
      @Nullable String tool,
      @Nullable String providerKey,
      long input,
      long output,
      long cached,
      long characters,
      long cost) {
    SummaryKey k =
        new SummaryKey(day, subject, status, operation, provider, model, agent, tool, providerKey);
    long[] v = summaries.get(k);
    if (v == null) {
      v = new long[SUMS];
      summaries.put(k, v);
    }
    v[0] = sat(v[0] + 1);
    v[1] = sat(v[1] + input);
    v[2] = sat(v[2] + output);
    v[3] = sat(v[3] + cached);
    v[4] = sat(v[4] + characters);
    v[5] = sat(v[5] + cost);
  }

  @Override
  public List<AggregateRow> aggregate(AggregateQuery q) {
    ledgerLock.lock();
    try {
      Map<List<@Nullable Object>, AggregateRow> out = new HashMap<>();
      for (long s = oldestEvent(); s < eventsNext; s++) {
        int pos = (int) (s % events.length());
        if (events.isEmpty(pos)
            || events.isBefore(pos, q.from())
            || !events.isBefore(pos, q.to())) {
          continue;
        }
        UsageEvent e = events.get(pos);
        if (!q.matches(e)) {
          continue;
        }
        add(
            out,
            q,
            bucket(q.bucket(), e.time(), false),
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
      for (Map.Entry<SummaryKey, long[]> s : summaries.entrySet()) {
        SummaryKey k = s.getKey();
        if (k.day().isBefore(q.from()) || !k.day().isBefore(q.to())) {
          continue;
        }
        @Nullable String[] dims = k.dims();
        if (!q.matchesExceptTime(k.subject(), k.status(), dims)) {
          continue;
        }
        long[] v = s.getValue();
        add(
            out,
            q,
            bucket(q.bucket(), k.day(), true),
            k.subject(),
            k.status(),
            dims,
            v[0],
            new long[] {v[1], v[2], v[3], v[4], v[5]});
      }
      return new ArrayList<>(out.values());
    } finally {
      ledgerLock.unlock();
    }
  }

  private static @Nullable Instant bucket(Bucket b, Instant t, boolean isDay) {
    return switch (b) {
      case NONE -> null;
      case HOUR -> isDay ? t : t.truncatedTo(ChronoUnit.HOURS);
      case DAY -> t.truncatedTo(ChronoUnit.DAYS);
    };
  }

  private static void add(
      Map<List<@Nullable Object>, AggregateRow> out,
      AggregateQuery q,
      @Nullable Instant bucketStart,
      SubjectRef subject,
      EventStatus status,
      @Nullable String[] dims,
      long events,
      long[] sums) {
    boolean usage = status == EventStatus.SUCCESS || status == EventStatus.ERROR;
    java.util.Set<Dimension> g = q.groupBy();
    AggregateRow row =
        new AggregateRow(
            bucketStart,
            g.contains(Dimension.SUBJECT) ? subject : null,
            g.contains(Dimension.OPERATION) ? dims[Dimension.OPERATION.ordinal()] : null,
            g.contains(Dimension.PROVIDER) ? dims[Dimension.PROVIDER.ordinal()] : null,
            g.contains(Dimension.MODEL) ? dims[Dimension.MODEL.ordinal()] : null,
            g.contains(Dimension.AGENT) ? dims[Dimension.AGENT.ordinal()] : null,
            g.contains(Dimension.TOOL) ? dims[Dimension.TOOL.ordinal()] : null,
            g.contains(Dimension.PROVIDER_KEY) ? dims[Dimension.PROVIDER_KEY.ordinal()] : null,
            g.contains(Dimension.STATUS) ? status : null,
            g.contains(Dimension.WORKFLOW) ? dims[Dimension.WORKFLOW.ordinal()] : null,
            usage ? events : 0,
            status == EventStatus.ERROR ? events : 0,
            status == EventStatus.QUOTA_EXCEEDED ? events : 0,
            usage ? sums[0] : 0,
            usage ? sums[1] : 0,
            usage ? sums[2] : 0,
            usage ? sums[3] : 0,
            usage ? sums[4] : 0);
    out.merge(row.key(), row, AggregateRow::plus);
  }

  @Override
  public boolean resetCounters(Collection<CounterKey> keys, UsageEvent audit) {
    Existing existing = lockExisting(List.copyOf(keys));
    try {
      ledgerLock.lock();
      try {
        if (isKnownEvent(audit.eventId())) {
          return false;
        }
        for (Cell cell : existing.cells) {
          if (cell != null) {
            cell.used = 0;
          }
        }
        append(audit);
        return true;
      } finally {
        ledgerLock.unlock();
      }
    } finally {
      unlockAll(existing.locked);
    }
  }

  @Override
  public boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    while (true) {
      // the emptied counters are locked first, so a commit of {@code from} under way on one of
      // them finishes (event appended) before the events are read, and one starting later waits
      @Nullable Cell[] sources = new Cell[emptied.size()];
      @Nullable Cell[] targets = new Cell[charged.size()];
      for (int i = 0; i < sources.length; i++) {
        sources[i] = counters.get(emptied.get(i));
      }
      for (int i = 0; i < targets.length; i++) {
        UsageMove m = charged.get(i);
        targets[i] = cellFor(m.to(), m.toWindowEnd());
      }
      Cell[] locked = lockAll(sources, targets);
      if (locked == null) {
        continue;
      }
      try {
        ledgerLock.lock();
        try {
          if (isKnownEvent(audit.eventId())) {
            return false;
          }
          long[] amounts = new long[targets.length];
          for (int i = 0; i < events.length(); i++) {
            if (!events.isEmpty(i) && events.subject(i).equals(from)) {
              if (amounts.length > 0) {
                UsageEvent e = events.get(i);
                for (int j = 0; j < amounts.length; j++) {
                  amounts[j] = sat(amounts[j] + charged.get(j).amountOf(e));
                }
              }
              events.setSubject(i, to);
            }
          }
          for (int j = 0; j < amounts.length; j++) {
            Cell dst = java.util.Objects.requireNonNull(targets[j]);
            dst.used = sat(dst.used + amounts[j]);
          }
          for (Cell src : sources) {
            if (src != null) {
              src.used = 0;
            }
          }
          append(audit);
          return true;
        } finally {
          ledgerLock.unlock();
        }
      } finally {
        unlockAll(locked);
      }
    }
  }

  @Override
  public int purgeEvents(Instant before, int maxEvents) {
    Checks.positive("maxEvents", maxEvents);
    ledgerLock.lock();
    try {
      int n = 0;
      for (long s = oldestEvent(); s < eventsNext && n < maxEvents; s++) {
        int pos = (int) (s % events.length());
        if (events.isEmpty(pos) || !events.isBefore(pos, before)) {
          continue;
        }
        dropEvent(pos);
        n++;
      }
      return n;
    } finally {
      ledgerLock.unlock();
    }
  }

  @Override
  public int purgeCounters(Instant endedBefore, int maxCounters) {
    Checks.positive("maxCounters", maxCounters);
    int n = 0;
    for (Map.Entry<CounterKey, Cell> e : counters.entrySet()) {
      if (n >= maxCounters) {
        break;
      }
      Cell cell = e.getValue();
      if (!cell.windowEnd.isBefore(endedBefore)) {
        continue;
      }
      cell.lock();
      try {
        if (!cell.removed && cell.reserved == 0) {
          cell.removed = true;
          counters.remove(e.getKey(), cell);
          n++;
        }
      } finally {
        cell.unlock();
      }
    }
    return n;
  }

  /** How many counters the store holds. */
  public int counterCount() {
    return counters.size();
  }

  /** How many events the ledger holds. */
  public int ledgerSize() {
    ledgerLock.lock();
    try {
      return eventsHeld;
    } finally {
      ledgerLock.unlock();
    }
  }

  /** How many reservations are open. */
  public int openReservations() {
    return reservations.size();
  }

  /** How many leases the reclaim heap holds: one per open reservation, none for finished ones. */
  int openLeases() {
    leaseLock.lock();
    try {
      return leases.size();
    } finally {
      leaseLock.unlock();
    }
  }

  /**
   * Forgets everything: counters, reservations, subjects, the ledger, the remembered ids and the
   * daily summaries. Operations running at the same time land either before (and are forgotten) or
   * after.
   */
  public void clear() {
    for (Map.Entry<CounterKey, Cell> e : counters.entrySet()) {
      Cell cell = e.getValue();
      cell.lock();
      try {
        cell.removed = true;
        counters.remove(e.getKey(), cell);
      } finally {
        cell.unlock();
      }
    }
    leaseLock.lock();
    try {
      reservations.clear();
      leases.clear();
    } finally {
      leaseLock.unlock();
    }
    subjects.clear();
    ledgerLock.lock();
    try {
      events.clearAll();
      eventsNext = 0;
      eventsHeld = 0;
      ids.clear();
      summaries.clear();
    } finally {
      ledgerLock.unlock();
    }
  }

  /** Adds each charge to its (locked) cell's {@code used}; returns each counter's value after. */
  private static Map<CounterKey, Long> addUsed(List<Charge> charges, Cell[] cells) {
    int n = charges.size();
    if (n == 0) {
      return Map.of();
    }
    for (int i = 0; i < n; i++) {
      Cell cell = cells[i];
      cell.used = sat(cell.used + charges.get(i).amount());
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

  /** Whether an event with this id is remembered; takes the ledger lock. */
  private boolean knownEvent(String id) {
    ledgerLock.lock();
    try {
      return isKnownEvent(id);
    } finally {
      ledgerLock.unlock();
    }
  }

  /** Whether an event with this id is remembered; the caller holds the ledger lock. */
  private boolean isKnownEvent(String id) {
    return ids.contains(id);
  }

  /** The sequence number of the oldest event the ring may still hold. */
  private long oldestEvent() {
    return Math.max(0, eventsNext - events.length());
  }

  /** Appends an event; the caller holds the ledger lock. */
  private void append(UsageEvent event) {
    ids.add(event.eventId());
    if (eventsKept == 0) {
      if (dailySummaries) {
        summarize(event);
      }
      return;
    }
    events.growIfFull(eventsNext); // (not wrapped yet: positions are sequence numbers)
    int pos = (int) (eventsNext % events.length());
    if (!events.isEmpty(pos)) {
      dropEvent(pos);
    }
    events.set(pos, event);
    eventsHeld++;
    eventsNext++;
  }

  /** Takes an event out of the ledger, into the summaries; the caller holds the ledger lock. */
  private void dropEvent(int pos) {
    if (dailySummaries) {
      summarize(
          dayOf(events.dayStart(pos)),
          events.subject(pos),
          events.status(pos),
          events.operation(pos),
          events.provider(pos),
          events.model(pos),
          events.agent(pos),
          events.tool(pos),
          events.providerKey(pos),
          events.input(pos),
          events.output(pos),
          events.cached(pos),
          events.characters(pos),
          events.cost(pos));
    }
    events.clear(pos);
    eventsHeld--;
  }

  private @Nullable Instant lastDay;

  /** The instant of a UTC day's start, the last one reused (events leave the ledger in order). */
  private Instant dayOf(long epochSecond) {
    Instant d = lastDay;
    if (d == null || d.getEpochSecond() != epochSecond) {
      d = Instant.ofEpochSecond(epochSecond);
      lastDay = d;
    }
    return d;
  }

  private static long sat(long v) {
    return v < 0 ? Long.MAX_VALUE : v;
  }
}
