package dev.quota4j.jdbc;

import dev.quota4j.DenialCodes;
import dev.quota4j.Limit;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate JVM started by {@link InFlightMultiProcessTestBase}: one {@link QuotaManager} on a
 * {@link JdbcQuotaStore} built from a URL, whose threads make calls under an in-flight limit.
 *
 * <p>Arguments: {@code mode url prefix instant limit threads iterations}. Modes:
 *
 * <ul>
 *   <li>{@code load}: each of {@code threads} threads tries {@code iterations} calls. While a call
 *       is admitted (between its reserve and its commit, fail or close) the thread adds 1 to the
 *       shared row of the table {@code <prefix>inflight_probe} and reads the sum in the same
 *       transaction, then takes the 1 away: the sum is how many calls of all processes are in
 *       flight at that moment. Prints {@code MAX <highest sum seen>}, {@code ADMITTED <n>}, {@code
 *       DENIED <n>} and {@code ERRORS <n>} (each also as {@code ERROR <text>}).
 *   <li>{@code hold}: reserves {@code threads} calls, prints {@code HELD <n>} and waits to be
 *       killed.
 * </ul>
 */
public final class InFlightWorker {
  static final String USER = "parallel-user";
  static final String LIMIT = "user-parallel-calls";

  private InFlightWorker() {}

  static QuotaPolicy policy(long limit) {
    return QuotaPolicy.builder()
        .plan(Plan.builder("free").limit(Limit.inFlight(LIMIT, limit)).build())
        .build();
  }

  static QuotaManager manager(JdbcQuotaStore store, Instant at, long limit) {
    return QuotaManager.builder()
        .store(store)
        .policy(policy(limit))
        .clock(Clock.fixed(at, ZoneOffset.UTC))
        .defaultLogging(false)
        .recordDenials(false)
        .leaseDuration(Duration.ofMinutes(1))
        .build();
  }

  static String probeTable(String prefix) {
    return prefix + "inflight_probe";
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String mode = args[0];
    String url = args[1];
    String prefix = args[2];
    Instant at = Instant.parse(args[3]);
    long limit = Long.parseLong(args[4]);
    int threads = Integer.parseInt(args[5]);
    int iterations = Integer.parseInt(args[6]);
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder().url(url).tablePrefix(prefix).maxPoolSize(threads + 1).build()) {
      QuotaManager m = manager(store, at, limit);
      if (mode.equals("hold")) {
        List<Reservation> held = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          held.add(m.reserve(UsageRequest.forUser(USER).estimatedTokens(10, 10)));
        }
        out.println("HELD " + held.size());
        new CountDownLatch(1).await(); // until SIGKILL
      } else {
        load(m, url, probeTable(prefix), threads, iterations, out);
      }
    }
  }

  private static void load(
      QuotaManager m, String url, String probe, int threads, int iterations, PrintStream out)
      throws Exception {
    AtomicInteger max = new AtomicInteger();
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger denied = new AtomicInteger();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread th =
          new Thread(
              () -> {
                try (Connection c = DriverManager.getConnection(url)) {
                  c.setAutoCommit(false);
                  start.await();
                  for (int i = 0; i < iterations; i++) {
                    try {
                      QuotaDecision d =
                          m.tryReserve(UsageRequest.forUser(USER).estimatedTokens(10, 10));
                      if (!d.allowed()) {
                        if (!DenialCodes.CONCURRENT_REQUESTS_EXCEEDED.equals(d.denial().code())) {
                          errors.add("unexpected denial " + d.denial());
                        }
                        denied.incrementAndGet();
                        continue;
                      }
                      admitted.incrementAndGet();
                      try (Reservation r = d.reservation()) {
                        int now = add(c, probe, 1);
                        max.accumulateAndGet(now, Math::max);
                        add(c, probe, -1);
                        switch ((thread + i) % 3) {
                          case 0 -> r.commit(Usage.of(10, 10));
                          case 1 -> r.fail("provider error", Usage.NONE);
                          default -> {} // closed
                        }
                      }
                    } catch (RuntimeException | SQLException e) {
                      errors.add(e.toString().replace('\n', ' '));
                    }
                  }
                } catch (SQLException | InterruptedException e) {
                  errors.add(e.toString().replace('\n', ' '));
                }
              });
      th.start();
      running.add(th);
    }
    out.println("READY");
    String go =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
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
    out.println("MAX " + max.get());
    out.println("ADMITTED " + admitted.get());
    out.println("DENIED " + denied.get());
    out.println("ERRORS " + errors.size());
  }

  /**
   * Adds {@code delta} to the probe row and returns its value after, in one transaction: the row
   * lock orders every process's additions, so each sees the sum at its moment.
   */
  private static int add(Connection c, String probe, int delta) throws SQLException {
    try (PreparedStatement up =
            c.prepareStatement("UPDATE " + probe + " SET in_flight = in_flight + ? WHERE id = 1");
        PreparedStatement read =
            c.prepareStatement("SELECT in_flight FROM " + probe + " WHERE id = 1")) {
      up.setInt(1, delta);
      if (up.executeUpdate() != 1) {
        throw new IllegalStateException("the probe row is missing");
      }
      int value;
      try (ResultSet rs = read.executeQuery()) {
        rs.next();
        value = rs.getInt(1);
      }
      c.commit();
      return value;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    }
  }
}
