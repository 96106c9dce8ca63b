package dev.quota4j.jdbc;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A separate JVM process started by {@link MultiProcessTestBase}: one {@link QuotaManager} on a
 * {@link JdbcQuotaStore} built from a URL, as a real host would run it.
 *
 * <p>Arguments: {@code mode url prefix instant userLimit systemLimit threads}. Modes:
 *
 * <ul>
 *   <li>{@code load}: {@code threads} threads reserve and commit random amounts until the limits
 *       deny three times in a row, then print {@code COMMITTED <tokens>} and {@code ERRORS <n>}
 *       (every exception that is not a denial, each also printed as {@code ERROR <text>}).
 *   <li>{@code hold}: commit {@code threads} reservations of 100 tokens, open {@code threads} more
 *       with a one-minute lease, print {@code HELD <committed>} and wait to be killed.
 * </ul>
 */
public final class Worker {
  static final String USER = "shared-user";

  private Worker() {}

  static QuotaPolicy policy(long userLimit, long systemLimit) {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("free")
                .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, userLimit))
                .build())
        .limit(
            Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, systemLimit)
                .appliesTo(SubjectKind.SYSTEM))
        .build();
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String mode = args[0];
    Clock clock = Clock.fixed(Instant.parse(args[3]), ZoneOffset.UTC);
    long userLimit = Long.parseLong(args[4]);
    long systemLimit = Long.parseLong(args[5]);
    int threads = Integer.parseInt(args[6]);
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder()
            .url(args[1])
            .tablePrefix(args[2])
            .maxPoolSize(threads + 1)
            .build()) {
      QuotaManager m =
          QuotaManager.builder()
              .store(store)
              .policy(policy(userLimit, systemLimit))
              .clock(clock)
              .defaultLogging(false)
              .recordDenials(false)
              .leaseDuration(Duration.ofMinutes(1))
              .build();
      if (mode.equals("hold")) {
        hold(m, threads, out);
      } else {
        load(m, threads, out);
      }
    }
  }

  private static void load(QuotaManager m, int threads, PrintStream out) throws Exception {
    AtomicLong committed = new AtomicLong();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int misses = 0;
                while (misses < 3) {
                  boolean small = misses > 0;
                  long in = small ? 1 : rnd.nextLong(1, 150);
                  long outTokens = small ? 0 : rnd.nextLong(0, 150);
                  try {
                    QuotaDecision d =
                        m.tryReserve(UsageRequest.forUser(USER).estimatedTokens(in, outTokens));
                    if (!d.allowed()) {
                      misses++;
                      continue;
                    }
                    misses = 0;
                    try (Reservation r = d.reservation()) {
                      r.commit(Usage.of(in, outTokens));
                      committed.addAndGet(in + outTokens);
                    }
                  } catch (RuntimeException e) {
                    errors.add(e.toString().replace('\n', ' '));
                    misses++;
                  }
                }
              });
      th.start();
      running.add(th);
    }
    // every process starts together: a process whose JVM came up late would otherwise find the
    // limit already filled by the others
    out.println("READY");
    String go =
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
            .readLine();
    if (!"GO".equals(go)) {
      throw new IllegalStateException("expected GO on standard input, got " + go);
    }
    start.countDown();
    for (Thread th : running) {
      th.join();
    }
    for (String e : errors) {
      out.println("ERROR " + e);
    }
    out.println("COMMITTED " + committed.get());
    out.println("ERRORS " + errors.size());
  }

  private static void hold(QuotaManager m, int count, PrintStream out) throws Exception {
    long committed = 0;
    for (int i = 0; i < count; i++) {
      try (Reservation r = m.reserve(UsageRequest.forUser(USER).estimatedTokens(100, 0))) {
        r.commit(Usage.of(60 + i, 0));
        committed += 60 + i;
      }
    }
    List<Reservation> open = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      open.add(m.reserve(UsageRequest.forUser(USER).estimatedTokens(100, 0)));
    }
    out.println("HELD " + committed + " " + open.size());
    new CountDownLatch(1).await(); // until SIGKILL
  }
}
