package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.SubjectKind;
import dev.quota4j.Window;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The fixture of {@link ReportsContract}: the shared workload store loaded once, the fresh stores
 * of the tests that change data, the factories a backend supplies, and the independent expectations
 * the tests share.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ReportsFixture {
  /** Events in the shared workload. */
  protected static final int WORKLOAD_EVENTS = 12_000;

  protected static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");

  /** The system's hourly token limit in the reports' policy. */
  protected static final long SYSTEM_HOURLY_TOKENS = 200_000;

  QuotaStore shared;
  ReportsWorkload w;
  private final List<QuotaStore> opened = new ArrayList<>();

  /** An empty store for the shared workload; called once. */
  protected abstract QuotaStore workloadStore();

  /** An empty store, independent of the workload store; called by each test that changes data. */
  protected abstract QuotaStore freshStore();

  /**
   * Another instance over the same data as {@code store} (another pool, as another process would
   * have); the same instance when the store cannot have two.
   */
  protected QuotaStore secondInstance(QuotaStore store) {
    return store;
  }

  /** Threads that load the workload. */
  protected int loadThreads() {
    return 1;
  }

  /** Called once at the end with every store handed out. */
  protected void closeStores(List<QuotaStore> stores) {
    for (QuotaStore s : stores) {
      s.close();
    }
  }

  /**
   * Whether the shared workload is loaded in two halves with {@link QuotaStore#compactEvents} run
   * over everything in between, so that the report tests read rollups, events not rolled up, and
   * events older than rolled-up ones that came after them (late events).
   */
  protected boolean compactHalfway() {
    return false;
  }

  /** Whether the store keeps rollups that {@link QuotaStore#compactEvents} fills. */
  protected boolean compacts() {
    return false;
  }

  @BeforeAll
  void loadWorkload() {
    w = ReportsWorkload.generate(42, WORKLOAD_EVENTS, NOW, 35);
    shared = workloadStore();
    opened.add(shared);
    if (compactHalfway()) {
      int half = w.events.size() / 2;
      w.load(shared, loadThreads(), 0, half);
      int compacted = 0;
      for (int n = shared.compactEvents(1_000); n > 0; n = shared.compactEvents(1_000)) {
        compacted += n;
      }
      assertEquals(half, compacted, "every event of the first half compacted once");
      w.load(shared, loadThreads(), half, w.events.size());
    } else {
      w.load(shared, loadThreads());
    }
  }

  @AfterAll
  void closeAll() {
    closeStores(opened);
  }

  private final List<QuotaStore> perTest = new ArrayList<>();

  @AfterEach
  void keepForClosing() {
    opened.addAll(perTest);
    perTest.clear();
  }

  QuotaStore fresh() {
    QuotaStore s = freshStore();
    perTest.add(s);
    return s;
  }

  QuotaStore second(QuotaStore s) {
    QuotaStore t = secondInstance(s);
    if (t != s) {
      perTest.add(t);
    }
    return t;
  }

  protected static QuotaPolicy reportsPolicy() {
    return QuotaPolicy.builder()
        .limit(
            Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, SYSTEM_HOURLY_TOKENS)
                .appliesTo(SubjectKind.SYSTEM))
        .build();
  }

  static QuotaManager manager(QuotaStore store, QuotaPolicy policy, MutableClock clock) {
    return QuotaManager.builder()
        .store(store)
        .policy(policy)
        .clock(clock)
        .defaultLogging(false)
        .build();
  }

  UsageReports reports() {
    return UsageReports.of(manager(shared, reportsPolicy(), MutableClock.at(NOW)));
  }

  // ---------------------------------------------------------------- independent expectations

  /** calls, errors, denials, input, output, cached, characters, cost. */
  static long[] sums(List<UsageEvent> events) {
    long[] s = new long[8];
    for (UsageEvent e : events) {
      add(s, e);
    }
    return s;
  }

  static void add(long[] s, UsageEvent e) {
    if (ReportsWorkload.isCall(e)) {
      s[0]++;
      s[3] += e.inputTokens();
      s[4] += e.outputTokens();
      s[5] += e.cachedInputTokens();
      s[6] += e.characters();
      s[7] += e.costMicros();
    }
    if (e.status() == EventStatus.ERROR) {
      s[1]++;
    }
    if (e.status() == EventStatus.QUOTA_EXCEEDED) {
      s[2]++;
    }
  }

  List<UsageEvent> counted(Instant from, Instant to) {
    List<UsageEvent> out = new ArrayList<>();
    for (UsageEvent e : w.events) {
      if (ReportsWorkload.counts(e) && !e.time().isBefore(from) && e.time().isBefore(to)) {
        out.add(e);
      }
    }
    return out;
  }

  static <K> Map<K, long[]> groupSums(List<UsageEvent> events, Function<UsageEvent, K> key) {
    Map<K, long[]> out = new HashMap<>();
    for (UsageEvent e : events) {
      add(out.computeIfAbsent(key.apply(e), k -> new long[8]), e);
    }
    return out;
  }

  static BigDecimal money(long micros) {
    return BigDecimal.valueOf(micros, 6);
  }

  static BigDecimal avg(long total, long n) {
    return n == 0
        ? new BigDecimal("0.00")
        : new BigDecimal(total).divide(new BigDecimal(n), 2, RoundingMode.HALF_UP);
  }

  static final Comparator<@Nullable String> NULLS_FIRST =
      Comparator.nullsFirst(Comparator.naturalOrder());

  Instant from() {
    return w.start;
  }

  /** A range that starts and ends inside an hour, so no rollup can answer it exactly. */
  Instant oddFrom() {
    return w.start.plus(Duration.ofDays(3)).plusSeconds(1234).plusNanos(567_000);
  }

  Instant oddTo() {
    return NOW.minus(Duration.ofDays(2)).minusSeconds(777);
  }
}
