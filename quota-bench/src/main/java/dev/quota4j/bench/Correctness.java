package dev.quota4j.bench;

import dev.quota4j.bench.Admitter.Counter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The check that neither side over-admits: for each scenario, demand exceeds exactly one limit and
 * many threads ask at once; the side must admit exactly up to the limit (the actual usage equals
 * the estimate, so the number admitted is determined), and its counter must say so.
 *
 * <ol>
 *   <li>user requests bind: one user, 50 requests a day, 200 calls asked;
 *   <li>user tokens bind: one user, 40 calls' worth of tokens a day, 200 calls asked;
 *   <li>system tokens bind: 20 users, 60 calls' worth of tokens an hour, 200 calls asked.
 * </ol>
 */
public final class Correctness {
  static final long ESTIMATE_IN = 1_000;
  static final long ESTIMATE_OUT = 500;
  static final long CALL = ESTIMATE_IN + ESTIMATE_OUT;
  static final int DEMAND = 200;

  /** A scenario: limits, users, and how many calls must be admitted. */
  record Scenario(String name, Workload workload, int users, int expected, Counter binding) {}

  static List<Scenario> scenarios() {
    long big = Workload.NEVER_REACHED;
    return List.of(
        new Scenario(
            "user requests bind",
            new Workload(big, 50, big, ESTIMATE_IN, ESTIMATE_OUT, ESTIMATE_OUT),
            1,
            50,
            Counter.USER_REQUESTS),
        new Scenario(
            "user tokens bind",
            new Workload(40 * CALL + CALL / 2, big, big, ESTIMATE_IN, ESTIMATE_OUT, ESTIMATE_OUT),
            1,
            40,
            Counter.USER_TOKENS),
        new Scenario(
            "system tokens bind",
            new Workload(big, big, 60 * CALL + 7, ESTIMATE_IN, ESTIMATE_OUT, ESTIMATE_OUT),
            20,
            60,
            Counter.SYSTEM_TOKENS));
  }

  /** What one side did in one scenario. */
  public record Outcome(
      String side,
      String scenario,
      int asked,
      int admitted,
      int expected,
      long consumed,
      long expectedConsumed,
      long limit) {
    /** Admitted exactly up to the limit, never beyond, and the counter agrees. */
    public boolean exact() {
      return admitted == expected && consumed == expectedConsumed && consumed <= limit;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%-8s %-19s asked %d, admitted %d (expected %d), counter %d (expected %d, limit %d): %s",
          side,
          scenario,
          asked,
          admitted,
          expected,
          consumed,
          expectedConsumed,
          limit,
          exact() ? "OK" : "WRONG");
    }
  }

  private Correctness() {}

  /**
   * Runs every scenario with {@code threads} threads against admitters made by {@code factory} (one
   * fresh admitter, on fresh counters, per scenario), on a clock that does not move.
   */
  public static List<Outcome> run(Function<Workload, Admitter> factory, int threads)
      throws Exception {
    List<Outcome> out = new ArrayList<>();
    for (Scenario s : scenarios()) {
      out.add(run(s, factory.apply(s.workload()), threads));
    }
    return out;
  }

  static Outcome run(Scenario s, Admitter side, int threads) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger admitted = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tasks.add(
            () -> {
              int i;
              while ((i = next.getAndIncrement()) < DEMAND) {
                if (side.admit("c-user-" + (i % s.users()))) {
                  admitted.incrementAndGet();
                }
              }
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    long consumed;
    long limit;
    Workload w = s.workload();
    switch (s.binding()) {
      case USER_REQUESTS -> {
        consumed = side.consumed(Counter.USER_REQUESTS, "c-user-0");
        limit = w.userDailyRequests();
      }
      case USER_TOKENS -> {
        consumed = side.consumed(Counter.USER_TOKENS, "c-user-0");
        limit = w.userDailyTokens();
      }
      default -> {
        consumed = side.consumed(Counter.SYSTEM_TOKENS, "c-user-0");
        limit = w.systemHourlyTokens();
      }
    }
    long perCall = s.binding() == Counter.USER_REQUESTS ? 1 : CALL;
    return new Outcome(
        side.name(),
        s.name(),
        DEMAND,
        admitted.get(),
        s.expected(),
        consumed,
        perCall * s.expected(),
        limit);
  }

  /** A fixed clock in the middle of an hour, so that no window ends during a scenario. */
  public static Clock clock() {
    return Clock.fixed(java.time.Instant.parse("2026-11-25T10:30:00Z"), java.time.ZoneOffset.UTC);
  }
}
