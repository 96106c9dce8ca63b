package dev.quota4j.memory;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterMove;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QuotaStore} in this JVM's memory: exact for one application instance, and the fake to
 * use in unit tests. Every operation runs under one lock, so each is atomic. The ledger keeps the
 * newest {@code ledgerCapacity} events; ids of older events are remembered up to the same number
 * again, so that retries stay idempotent.
 *
 * <p>Every optional capability is implemented. An event that leaves the ledger, because it is full
 * or because {@link #purgeEvents} took it, is first added to the daily summaries (one entry per UTC
 * day, subject, operation, provider, model, agent, tool, provider key and status), which are kept
 * until {@link #clear()}: {@link #aggregate} stays exact, at day resolution, for usage older than
 * the ledger holds.
 *
 * <p>Thread-safe.
 */
public final class InMemoryQuotaStore implements QuotaStore {
  /** The default number of ledger events kept. */
  public static final int DEFAULT_LEDGER_CAPACITY = 100_000;

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<CounterKey, long[]> counters = new HashMap<>();
  private final Map<String, Held> reservations = new HashMap<>();
  private final PriorityQueue<Lease> leases = new PriorityQueue<>();
  private final Map<SubjectRef, SubjectRecord> subjects = new HashMap<>();
  private final LinkedHashMap<String, UsageEvent> ledger;
  private final LinkedHashMap<String, Boolean> forgottenIds;
  private final Map<CounterKey, Instant> windowEnds = new HashMap<>();
  private final Map<SummaryKey, long[]> summaries = new HashMap<>();
  private final int ledgerCapacity;

  /** A store keeping {@link #DEFAULT_LEDGER_CAPACITY} ledger events. */
  public InMemoryQuotaStore() {
    this(DEFAULT_LEDGER_CAPACITY);
  }

  /** A store keeping the newest {@code ledgerCapacity} ledger events. */
  public InMemoryQuotaStore(int ledgerCapacity) {
    this.ledgerCapacity = (int) Checks.positive("ledgerCapacity", ledgerCapacity);
    this.ledger = new LinkedHashMap<>();
    this.forgottenIds = new LinkedHashMap<>();
  }

  private record Held(List<Charge> charges, Instant leaseUntil) {}

  private record Lease(Instant until, String id) implements Comparable<Lease> {
    @Override
    public int compareTo(Lease o) {
      int c = until.compareTo(o.until);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }

  @Override
  public ReserveResult reserve(
      String reservationId, List<Charge> charges, Instant now, Instant leaseUntil) {
    Checks.id("reservationId", reservationId);
    lock.lock();
    try {
      if (reservations.containsKey(reservationId) || isKnownEvent(reservationId)) {
        return new ReserveResult.Duplicate();
      }
      ReserveResult.Rejected miss = firstMiss(charges);
      if (miss != null && reclaimExpiredLocked(now) > 0) {
        miss = firstMiss(charges);
      }
      if (miss != null) {
        return miss;
      }
      Map<CounterKey, CounterValue> unconditional = new HashMap<>();
      for (Charge c : charges) {
        long[] v = counters.computeIfAbsent(c.key(), k -> new long[2]);
        windowEnds.putIfAbsent(c.key(), c.windowEnd());
        v[1] = sat(v[1] + c.amount());
        if (c.admission() == dev.quota4j.spi.Admission.ALWAYS) {
          unconditional.put(c.key(), new CounterValue(v[0], v[1]));
        }
      }
      reservations.put(reservationId, new Held(List.copyOf(charges), leaseUntil));
      leases.add(new Lease(leaseUntil, reservationId));
      return new ReserveResult.Granted(unconditional);
    } finally {
      lock.unlock();
    }
  }

  private ReserveResult.@org.jspecify.annotations.Nullable Rejected firstMiss(
      List<Charge> charges) {
    // charges to the same counter within one reservation add up
    Map<CounterKey, Long> pending = new HashMap<>();
    for (Charge c : charges) {
      long[] v = counters.get(c.key());
      long used = v == null ? 0 : v[0];
      long reserved = sat((v == null ? 0 : v[1]) + pending.getOrDefault(c.key(), 0L));
      if (!c.admission().admits(used, reserved, c.amount(), c.limit())) {
        return new ReserveResult.Rejected(c, new CounterValue(used, reserved));
      }
      pending.merge(c.key(), c.amount(), QuotaStoreMath::sat);
    }
    return null;
  }

  @Override
  public CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event) {
    lock.lock();
    try {
      Held held = reservations.remove(reservationId);
      if (held == null) {
        if (isKnownEvent(event.eventId())) {
          return CommitResult.alreadyApplied();
        }
        Map<CounterKey, Long> after = addUsed(actual);
        append(event);
        return new CommitResult(CommitResult.Status.APPLIED_LATE, after);
      }
      for (Charge c : held.charges()) {
        long[] v = counters.computeIfAbsent(c.key(), k -> new long[2]);
        windowEnds.putIfAbsent(c.key(), c.windowEnd());
        v[1] = Math.max(0, v[1] - c.amount());
      }
      Map<CounterKey, Long> after = addUsed(actual);
      append(event);
      return new CommitResult(CommitResult.Status.APPLIED, after);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean release(String reservationId, UsageEvent event) {
    lock.lock();
    try {
      Held held = reservations.remove(reservationId);
      if (held == null) {
        return false;
      }
      unreserve(held);
      if (!isKnownEvent(event.eventId())) {
        append(event);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public CommitResult record(List<Charge> charges, UsageEvent event) {
    lock.lock();
    try {
      if (isKnownEvent(event.eventId())) {
        return CommitResult.alreadyApplied();
      }
      Map<CounterKey, Long> after = addUsed(charges);
      append(event);
      return new CommitResult(CommitResult.Status.APPLIED, after);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean appendEvent(UsageEvent event) {
    lock.lock();
    try {
      if (isKnownEvent(event.eventId())) {
        return false;
      }
      append(event);
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean extend(String reservationId, Instant now, Instant leaseUntil) {
    lock.lock();
    try {
      Held held = reservations.get(reservationId);
      if (held == null || !held.leaseUntil().isAfter(now)) {
        return false;
      }
      reservations.put(reservationId, new Held(held.charges(), leaseUntil));
      leases.add(new Lease(leaseUntil, reservationId));
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int reclaimExpired(Instant now) {
    lock.lock();
    try {
      return reclaimExpiredLocked(now);
    } finally {
      lock.unlock();
    }
  }

  private int reclaimExpiredLocked(Instant now) {
    int n = 0;
    Lease head;
    while ((head = leases.peek()) != null && !head.until().isAfter(now)) {
      leases.poll();
      Held held = reservations.get(head.id());
      if (held == null || !held.leaseUntil().equals(head.until())) {
        continue; // committed, released or extended since
      }
      reservations.remove(head.id());
      unreserve(held);
      String eventId = head.id() + "#expired";
      if (!isKnownEvent(eventId)) {
        append(
            UsageEvent.builder(eventId, now, EventStatus.EXPIRED, subjectOf(held))
                .reservationId(head.id())
                .build());
      }
      n++;
    }
    return n;
  }

  private static SubjectRef subjectOf(Held held) {
    for (Charge c : held.charges()) {
      SubjectKind k = c.key().subject().kind();
      if (k != SubjectKind.SYSTEM && k != SubjectKind.WORKFLOW) {
        return c.key().subject();
      }
    }
    return held.charges().isEmpty() ? SubjectRef.SYSTEM : held.charges().get(0).key().subject();
  }

  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
    lock.lock();
    try {
      Map<CounterKey, CounterValue> out = new HashMap<>();
      for (CounterKey k : keys) {
        long[] v = counters.get(k);
        if (v != null) {
          out.put(k, new CounterValue(v[0], v[1]));
        }
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<SubjectRecord> findSubject(SubjectRef subject) {
    lock.lock();
    try {
      return Optional.ofNullable(subjects.get(subject));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
    lock.lock();
    try {
      return subjects.computeIfAbsent(record.subject(), k -> record);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void saveSubject(SubjectRecord record) {
    lock.lock();
    try {
      subjects.put(record.subject(), record);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<UsageEvent> findEvents(EventQuery q) {
    lock.lock();
    try {
      List<UsageEvent> out = new ArrayList<>();
      for (UsageEvent e : ledger.values()) {
        if (e.time().isBefore(q.from()) || !e.time().isBefore(q.to())) {
          continue;
        }
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
      lock.unlock();
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
      return v;
    }
  }

  /** Sums of a summary: events, input, output, cached, characters, cost. */
  private static final int SUMS = 6;

  private void summarize(UsageEvent e) {
    SummaryKey k =
        new SummaryKey(
            e.time().truncatedTo(ChronoUnit.DAYS),
            e.subject(),
            e.status(),
            e.operation(),
            e.provider(),
            e.model(),
            e.agent(),
            e.tool(),
            e.providerKey());
    long[] v = summaries.computeIfAbsent(k, x -> new long[SUMS]);
    v[0] = sat(v[0] + 1);
    v[1] = sat(v[1] + e.inputTokens());
    v[2] = sat(v[2] + e.outputTokens());
    v[3] = sat(v[3] + e.cachedInputTokens());
    v[4] = sat(v[4] + e.characters());
    v[5] = sat(v[5] + e.costMicros());
  }

  @Override
  public List<AggregateRow> aggregate(AggregateQuery q) {
    lock.lock();
    try {
      Map<List<@Nullable Object>, AggregateRow> out = new HashMap<>();
      for (UsageEvent e : ledger.values()) {
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
      lock.unlock();
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
    lock.lock();
    try {
      if (isKnownEvent(audit.eventId())) {
        return false;
      }
      for (CounterKey k : keys) {
        long[] v = counters.get(k);
        if (v != null) {
          v[0] = 0;
        }
      }
      append(audit);
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean moveSubject(
      SubjectRef from, SubjectRef to, List<CounterMove> moves, UsageEvent audit) {
    lock.lock();
    try {
      if (isKnownEvent(audit.eventId())) {
        return false;
      }
      for (CounterMove m : moves) {
        long[] src = counters.get(m.from());
        if (src == null || src[0] == 0) {
          continue;
        }
        long[] dst = counters.computeIfAbsent(m.to(), k -> new long[2]);
        windowEnds.putIfAbsent(m.to(), m.toWindowEnd());
        dst[0] = sat(dst[0] + src[0]);
        src[0] = 0;
      }
      for (Map.Entry<String, UsageEvent> e : ledger.entrySet()) {
        if (e.getValue().subject().equals(from)) {
          e.setValue(e.getValue().toBuilder().subject(to).build());
        }
      }
      append(audit);
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int purgeEvents(Instant before, int maxEvents) {
    Checks.positive("maxEvents", maxEvents);
    lock.lock();
    try {
      int n = 0;
      var it = ledger.entrySet().iterator();
      while (it.hasNext() && n < maxEvents) {
        Map.Entry<String, UsageEvent> e = it.next();
        if (!e.getValue().time().isBefore(before)) {
          continue;
        }
        summarize(e.getValue());
        it.remove();
        forget(e.getKey());
        n++;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int purgeCounters(Instant endedBefore, int maxCounters) {
    Checks.positive("maxCounters", maxCounters);
    lock.lock();
    try {
      int n = 0;
      var it = counters.entrySet().iterator();
      while (it.hasNext() && n < maxCounters) {
        Map.Entry<CounterKey, long[]> e = it.next();
        Instant end = windowEnds.get(e.getKey());
        if (end != null && end.isBefore(endedBefore) && e.getValue()[1] == 0) {
          it.remove();
          windowEnds.remove(e.getKey());
          n++;
        }
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** How many counters the store holds. */
  public int counterCount() {
    lock.lock();
    try {
      return counters.size();
    } finally {
      lock.unlock();
    }
  }

  /** How many events the ledger holds. */
  public int ledgerSize() {
    lock.lock();
    try {
      return ledger.size();
    } finally {
      lock.unlock();
    }
  }

  /** How many reservations are open. */
  public int openReservations() {
    lock.lock();
    try {
      return reservations.size();
    } finally {
      lock.unlock();
    }
  }

  /** Forgets everything: counters, reservations, subjects and the ledger. */
  public void clear() {
    lock.lock();
    try {
      counters.clear();
      reservations.clear();
      leases.clear();
      subjects.clear();
      ledger.clear();
      forgottenIds.clear();
      windowEnds.clear();
      summaries.clear();
    } finally {
      lock.unlock();
    }
  }

  private void unreserve(Held held) {
    for (Charge c : held.charges()) {
      long[] v = counters.get(c.key());
      if (v != null) {
        v[1] = Math.max(0, v[1] - c.amount());
      }
    }
  }

  private Map<CounterKey, Long> addUsed(List<Charge> charges) {
    Map<CounterKey, Long> after = new HashMap<>();
    for (Charge c : charges) {
      long[] v = counters.computeIfAbsent(c.key(), k -> new long[2]);
      windowEnds.putIfAbsent(c.key(), c.windowEnd());
      v[0] = sat(v[0] + c.amount());
      after.put(c.key(), v[0]);
    }
    return after;
  }

  private boolean isKnownEvent(String id) {
    return ledger.containsKey(id) || forgottenIds.containsKey(id);
  }

  private void append(UsageEvent event) {
    ledger.put(event.eventId(), event);
    if (ledger.size() > ledgerCapacity) {
      var it = ledger.entrySet().iterator();
      Map.Entry<String, UsageEvent> oldestEntry = it.next();
      String oldest = oldestEntry.getKey();
      summarize(oldestEntry.getValue());
      it.remove();
      forget(oldest);
    }
  }

  private void forget(String id) {
    forgottenIds.put(id, Boolean.TRUE);
    if (forgottenIds.size() > ledgerCapacity) {
      var f = forgottenIds.entrySet().iterator();
      f.next();
      f.remove();
    }
  }

  private static long sat(long v) {
    return v < 0 ? Long.MAX_VALUE : v;
  }

  private static final class QuotaStoreMath {
    static Long sat(Long a, Long b) {
      long r = a + b;
      return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
  }
}
