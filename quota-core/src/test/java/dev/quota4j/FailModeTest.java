package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.testing.RecordingListener;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What admission does when the store cannot be reached. */
class FailModeTest {
  private final InMemoryQuotaStore real = new InMemoryQuotaStore();
  private final Switchable store = new Switchable(real);
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final RecordingListener heard = new RecordingListener();

  private QuotaManager manager(FailMode mode) {
    return QuotaManager.builder()
        .store(store)
        .policy(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "1000")))
        .clock(clock)
        .failMode(mode)
        .defaultLogging(false)
        .listener(heard)
        .build();
  }

  @Test
  void failClosedThrowsAndChargesNothing() {
    QuotaManager m = manager(FailMode.FAIL_CLOSED);
    store.down = true;
    assertThrows(
        QuotaStoreUnavailableException.class,
        () -> m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10)));
    store.down = false;
    try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      store.down = true;
      assertThrows(QuotaStoreUnavailableException.class, () -> r.commit(Usage.of(5, 5)));
      store.down = false;
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(5, 5)), "may try again");
    }
    assertEquals(
        10, m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().used());
  }

  @Test
  void failOpenAdmitsAndReplaysEachUsageOnce() {
    QuotaManager m = manager(FailMode.FAIL_OPEN);
    m.record("seed", UsageRequest.forUser("u").build(), Usage.NONE); // creates the subject
    store.down = true;
    Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10));
    assertTrue(r.isDetached());
    assertEquals(Reservation.Outcome.PENDING, r.commit(Usage.of(7, 3)));
    assertTrue(m.record("rec-1", UsageRequest.forUser("u").build(), Usage.of(20, 0)));
    assertEquals(2, m.pendingCount());
    assertEquals(2, m.replayPending(), "still down: nothing is lost");
    assertEquals(2, heard.failOpenAdmissions().size());
    store.down = false;
    assertEquals(0, m.replayPending());
    assertEquals(0, m.replayPending());
    assertEquals(
        30, m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().used());
    assertEquals(3, real.findEvents(EventQuery.all(10)).size());
  }

  /** A store that can be switched off. */
  static final class Switchable implements QuotaStore {
    private final QuotaStore delegate;
    volatile boolean down;

    Switchable(QuotaStore delegate) {
      this.delegate = delegate;
    }

    private void check() {
      if (down) {
        throw new QuotaStoreUnavailableException("store is down (test)", null);
      }
    }

    @Override
    public ReserveResult reserve(String id, List<Charge> charges, Instant now, Instant lease) {
      check();
      return delegate.reserve(id, charges, now, lease);
    }

    @Override
    public CommitResult commit(String id, List<Charge> actual, UsageEvent event) {
      check();
      return delegate.commit(id, actual, event);
    }

    @Override
    public boolean release(String id, UsageEvent event) {
      check();
      return delegate.release(id, event);
    }

    @Override
    public CommitResult record(List<Charge> charges, UsageEvent event) {
      check();
      return delegate.record(charges, event);
    }

    @Override
    public boolean appendEvent(UsageEvent event) {
      check();
      return delegate.appendEvent(event);
    }

    @Override
    public boolean extend(String id, Instant now, Instant lease) {
      check();
      return delegate.extend(id, now, lease);
    }

    @Override
    public int reclaimExpired(Instant now) {
      check();
      return delegate.reclaimExpired(now);
    }

    @Override
    public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
      check();
      return delegate.counters(keys);
    }

    @Override
    public Optional<SubjectRecord> findSubject(dev.quota4j.SubjectRef subject) {
      check();
      return delegate.findSubject(subject);
    }

    @Override
    public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
      check();
      return delegate.createSubjectIfAbsent(record);
    }

    @Override
    public void saveSubject(SubjectRecord record) {
      check();
      delegate.saveSubject(record);
    }

    @Override
    public List<UsageEvent> findEvents(EventQuery query) {
      check();
      return delegate.findEvents(query);
    }
  }
}
