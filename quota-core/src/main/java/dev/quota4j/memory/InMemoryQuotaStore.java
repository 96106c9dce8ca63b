package dev.quota4j.memory;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CommitResult.Status;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.DenialCount;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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
 * <p>This class is the protocol over package-private parts: {@code CounterTable} holds the counters
 * and their lock order, {@code OpenReservations} the open reservations and their lease heap, {@code
 * MemoryLedger} the events, the remembered ids and the daily summaries; {@code Settlement} commits,
 * releases and reclaims over them, {@code Maintenance} resets counters and moves subjects.
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

  private final CounterTable counters = new CounterTable();
  private final OpenReservations open = new OpenReservations();
  private final MemoryLedger ledger;
  private final Settlement settlement;
  private final Maintenance maintenance;
  private final ConcurrentHashMap<SubjectRef, SubjectRecord> subjects = new ConcurrentHashMap<>();

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
    int remembered =
        b.idsRemembered > 0
            ? b.idsRemembered
            : (int)
                Math.min(Integer.MAX_VALUE - 8, Math.max(MIN_IDS_REMEMBERED, 2L * b.eventsKept));
    this.ledger = new MemoryLedger(b.eventsKept, remembered, b.dailySummaries);
    this.settlement = new Settlement(counters, open, ledger);
    this.maintenance = new Maintenance(counters, ledger);
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

  // ---- the protocol ------------------------------------------------------------------------

  @Override
  public ReserveResult reserve(
      String reservationId, List<Charge> charges, Instant now, Instant leaseUntil) {
    Checks.id("reservationId", reservationId);
    List<Charge> kept = List.copyOf(charges);
    boolean reclaimed = false;
    while (true) {
      Cell[] cells = counters.cellsFor(kept);
      Cell[] locked = CounterTable.lockAll(cells, null);
      if (locked == null) {
        continue;
      }
      ReserveResult.Rejected miss;
      try {
        if (open.isOpen(reservationId) || ledger.knownEvent(reservationId)) {
          return new ReserveResult.Duplicate();
        }
        miss = CounterTable.firstMiss(kept, cells);
        if (miss == null) {
          OpenReservation r = new OpenReservation(reservationId, kept, cells, locked, leaseUntil);
          if (!open.open(r)) {
            return new ReserveResult.Duplicate();
          }
          Map<CounterKey, CounterValue> unconditional = CounterTable.addReserved(kept, cells);
          Map<CounterKey, CounterValue> after = CounterTable.values(kept, cells);
          open.addLease(r);
          return new ReserveResult.Granted(unconditional, after);
        }
      } finally {
        CounterTable.unlockAll(locked);
      }
      if (reclaimed || reclaimExpired(now) == 0) {
        return miss;
      }
      reclaimed = true; // capacity came back: try once more
    }
  }

  @Override
  public CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event) {
    while (true) {
      OpenReservation r = open.get(reservationId);
      // null when another call settled it or a counter was removed meanwhile (then it is late),
      // or when a late one was reserved meanwhile (a caller's race with itself): look again
      CommitResult result =
          r != null
              ? settlement.commit(r, actual, event)
              : settlement.apply(reservationId, actual, event, Status.APPLIED_LATE);
      if (result != null) {
        return result;
      }
    }
  }

  @Override
  public boolean release(String reservationId, UsageEvent event) {
    OpenReservation r;
    while ((r = open.get(reservationId)) != null) {
      if (settlement.unreserve(r, event)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public CommitResult record(List<Charge> charges, UsageEvent event) {
    return Objects.requireNonNull(settlement.apply(null, charges, event, Status.APPLIED));
  }

  @Override
  public boolean appendEvent(UsageEvent event) {
    return ledger.appendIfNewEvent(event);
  }

  @Override
  public boolean extend(String reservationId, Instant now, Instant leaseUntil) {
    OpenReservation r = open.get(reservationId);
    if (r == null) {
      return false;
    }
    OpenReservations.Extension extension = open.extend(r, now, leaseUntil);
    if (extension == OpenReservations.Extension.ENDED) {
      // not revived, and out of the heap: this call alone settles it, as reclaimExpired does
      boolean unused = settlement.unreserve(r, r.expiredEvent(now));
    }
    return extension == OpenReservations.Extension.EXTENDED;
  }

  @Override
  public int reclaimExpired(Instant now) {
    List<OpenReservation> ended = open.pollEnded(now);
    int n = 0;
    for (int i = 0; i < ended.size(); i++) {
      OpenReservation r = ended.get(i);
      if (settlement.unreserve(r, r.expiredEvent(now))) {
        n++;
      } // else committed or released meanwhile
    }
    return n;
  }

  /** Reclaims the ended leases first when there is one (one look at the lease heap otherwise). */
  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys, Instant now) {
    if (open.anyEnded(now)) {
      reclaimExpired(now);
    }
    return counters(keys);
  }

  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
    return counters.read(List.copyOf(keys));
  }

  // ---- the subject directory ---------------------------------------------------------------

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

  // ---- reports -----------------------------------------------------------------------------

  @Override
  public List<UsageEvent> findEvents(EventQuery q) {
    return ledger.find(q);
  }

  @Override
  public List<AggregateRow> aggregate(AggregateQuery q) {
    return ledger.aggregate(q);
  }

  @Override
  public List<DenialCount> denialsByCode(Instant from, Instant to) {
    Checks.argument(!to.isBefore(from), "to", "must not be before from (" + from + ")", to);
    return ledger.denialsByCode(from, to);
  }

  // ---- maintenance -------------------------------------------------------------------------

  @Override
  public boolean resetCounters(Collection<CounterKey> keys, UsageEvent audit) {
    return maintenance.resetCounters(List.copyOf(keys), audit);
  }

  @Override
  public boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    return maintenance.moveSubject(from, to, emptied, charged, audit);
  }

  @Override
  public int purgeEvents(Instant before, int maxEvents) {
    Checks.positive("maxEvents", maxEvents);
    return ledger.purge(before, maxEvents);
  }

  @Override
  public int purgeCounters(Instant endedBefore, int maxCounters) {
    Checks.positive("maxCounters", maxCounters);
    return counters.purge(endedBefore, maxCounters);
  }

  /** How many counters the store holds. */
  public int counterCount() {
    return counters.size();
  }

  /** How many events the ledger holds. */
  public int ledgerSize() {
    return ledger.size();
  }

  /** How many reservations are open. */
  public int openReservations() {
    return open.size();
  }

  /** How many leases the reclaim heap holds: one per open reservation, none for finished ones. */
  int openLeases() {
    return open.leaseCount();
  }

  /**
   * Forgets everything: counters, reservations, subjects, the ledger, the remembered ids and the
   * daily summaries. Operations running at the same time land either before (and are forgotten) or
   * after.
   */
  public void clear() {
    counters.clear();
    open.clear();
    subjects.clear();
    ledger.clear();
  }
}
