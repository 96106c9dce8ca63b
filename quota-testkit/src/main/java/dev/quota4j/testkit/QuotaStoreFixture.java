package dev.quota4j.testkit;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.SubjectRef;
import dev.quota4j.Window;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.testing.RecordingListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture of {@link QuotaStoreContract}: the store, clock and listener of each test, the
 * factory a backend supplies, and the helpers the tests share.
 */
public abstract class QuotaStoreFixture {
  /** Threads in the concurrency invariant. */
  protected static final int THREADS = 16;

  protected QuotaStore store;
  protected MutableClock clock;
  protected RecordingListener heard;

  /** A fresh, empty store. Called before each test. */
  protected abstract QuotaStore newStore();

  /** Called after each test. */
  protected void closeStore(QuotaStore s) {
    s.close();
  }

  @BeforeEach
  void setUpStore() {
    store = newStore();
    clock = MutableClock.at("2026-11-25T10:15:00Z");
    heard = new RecordingListener();
  }

  @AfterEach
  void tearDownStore() {
    if (store != null) { // null when newStore() was skipped by an assumption
      closeStore(store);
    }
  }

  protected QuotaManager manager(QuotaPolicy policy) {
    return QuotaManager.builder()
        .store(store)
        .policy(policy)
        .clock(clock)
        .defaultLogging(false)
        .listener(heard)
        .build();
  }

  protected static QuotaPolicy userDaily(long tokens) {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("free")
                .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, tokens))
                .build())
        .build();
  }

  protected LimitStatus statusOf(QuotaManager m, SubjectRef s, String limit) {
    return m.status(s).limit(limit).orElseThrow();
  }

  /** Sum of total tokens in the ledger for a subject, over committed and recorded events. */
  protected long ledgerTokens(SubjectRef subject) {
    long sum = 0;
    for (UsageEvent e : store.findEvents(EventQuery.all(1_000_000).forSubject(subject))) {
      sum += e.totalTokens();
    }
    return sum;
  }

  protected long ledgerTokensAll() {
    long sum = 0;
    for (UsageEvent e : store.findEvents(EventQuery.all(1_000_000))) {
      sum += e.totalTokens();
    }
    return sum;
  }
}
