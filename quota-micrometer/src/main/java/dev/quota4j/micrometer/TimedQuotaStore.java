package dev.quota4j.micrometer;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.DenialCount;
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
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QuotaStore} that times every call of the store it wraps into {@link QuotaMetrics}'s
 * {@code quota4j.store.duration} timer (tags {@code operation}, the SPI method, and {@code
 * outcome}: {@code success}, {@code unavailable} or {@code error}), and remembers whether the last
 * call reached the store (the {@code quota4j.store.available} gauge). It changes nothing else:
 * every call, optional capabilities included, goes to the wrapped store as it is.
 *
 * <p>Build the manager on it: {@code QuotaManager.builder().store(metrics.timed(store))}.
 */
public final class TimedQuotaStore implements QuotaStore {
  private final QuotaStore delegate;
  private final QuotaMetrics metrics;

  TimedQuotaStore(QuotaStore delegate, QuotaMetrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  /** The store this one times. */
  public QuotaStore delegate() {
    return delegate;
  }

  @CanIgnoreReturnValue
  private <T> T timed(String operation, Supplier<T> call) {
    long start = metrics.startTiming();
    String outcome = "error";
    try {
      T result = call.get();
      outcome = "success";
      return result;
    } catch (QuotaStoreUnavailableException e) {
      outcome = "unavailable";
      throw e;
    } finally {
      metrics.storeCall(operation, outcome, start);
    }
  }

  @Override
  public ReserveResult reserve(
      String reservationId, List<Charge> charges, Instant now, Instant leaseUntil) {
    return timed("reserve", () -> delegate.reserve(reservationId, charges, now, leaseUntil));
  }

  @Override
  public CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event) {
    return timed("commit", () -> delegate.commit(reservationId, actual, event));
  }

  @Override
  @CanIgnoreReturnValue
  public boolean release(String reservationId, UsageEvent event) {
    return timed("release", () -> delegate.release(reservationId, event));
  }

  @Override
  public CommitResult record(List<Charge> charges, UsageEvent event) {
    return timed("record", () -> delegate.record(charges, event));
  }

  @Override
  @CanIgnoreReturnValue
  public boolean appendEvent(UsageEvent event) {
    return timed("appendEvent", () -> delegate.appendEvent(event));
  }

  @Override
  public boolean extend(String reservationId, Instant now, Instant leaseUntil) {
    return timed("extend", () -> delegate.extend(reservationId, now, leaseUntil));
  }

  @Override
  @CanIgnoreReturnValue
  public int reclaimExpired(Instant now) {
    return timed("reclaimExpired", () -> delegate.reclaimExpired(now));
  }

  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
    return timed("counters", () -> delegate.counters(keys));
  }

  @Override
  public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys, Instant now) {
    return timed("counters", () -> delegate.counters(keys, now));
  }

  @Override
  public Optional<SubjectRecord> findSubject(SubjectRef subject) {
    return timed("findSubject", () -> delegate.findSubject(subject));
  }

  @Override
  public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
    return timed("createSubjectIfAbsent", () -> delegate.createSubjectIfAbsent(record));
  }

  @Override
  public void saveSubject(SubjectRecord record) {
    timed(
        "saveSubject",
        () -> {
          delegate.saveSubject(record);
          return Boolean.TRUE;
        });
  }

  @Override
  public List<UsageEvent> findEvents(EventQuery query) {
    return timed("findEvents", () -> delegate.findEvents(query));
  }

  @Override
  public List<AggregateRow> aggregate(AggregateQuery query) {
    return timed("aggregate", () -> delegate.aggregate(query));
  }

  @Override
  public List<DenialCount> denialsByCode(Instant from, Instant to) {
    return timed("denials_by_code", () -> delegate.denialsByCode(from, to));
  }

  @Override
  public List<String> subjectIds(
      SubjectKind kind, Instant from, Instant to, @Nullable String after, int limit) {
    return timed("subject_ids", () -> delegate.subjectIds(kind, from, to, after, limit));
  }

  @Override
  @CanIgnoreReturnValue
  public boolean resetCounters(Collection<CounterKey> keys, UsageEvent audit) {
    return timed("resetCounters", () -> delegate.resetCounters(keys, audit));
  }

  @Override
  @CanIgnoreReturnValue
  public boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    return timed("moveSubject", () -> delegate.moveSubject(from, to, emptied, charged, audit));
  }

  @Override
  @CanIgnoreReturnValue
  public int compactEvents(int maxEvents) {
    return timed("compactEvents", () -> delegate.compactEvents(maxEvents));
  }

  @Override
  @CanIgnoreReturnValue
  public int purgeEvents(Instant before, int maxEvents) {
    return timed("purgeEvents", () -> delegate.purgeEvents(before, maxEvents));
  }

  @Override
  @CanIgnoreReturnValue
  public int purgeCounters(Instant endedBefore, int maxCounters) {
    return timed("purgeCounters", () -> delegate.purgeCounters(endedBefore, maxCounters));
  }

  /** Closes the wrapped store. */
  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "TimedQuotaStore{" + delegate + "}";
  }
}
