package dev.quota4j.bench;

import dev.quota4j.memory.InMemoryQuotaStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * JMH: the admission of one call in memory, quota4j's manager on {@link InMemoryQuotaStore}
 * (reserve + commit) against Bucket4j local buckets (tryConsume x3 + reconcile x2), with one user
 * or 10,000 users (picked at random per call). quota4j runs twice: {@code quota4j} on the default
 * store (the ledger keeps the newest 100,000 events, daily summaries of older ones, ids for
 * idempotence), and {@code quota4j-counters} on a store that keeps counters only ({@code
 * eventsKept(0)}, no daily summaries), which is the work Bucket4j does, plus the ids that keep a
 * retried commit from counting twice.
 *
 * <p>{@link #main} runs it with 1 and 2 threads, in throughput and sample-time mode, and prints a
 * table and one {@code RESULT} line per comparison ({@code memory-...} for the default store,
 * {@code memory-counters-...} for counters only):
 *
 * <pre>
 * java -cp quota-bench/target/benchmarks.jar dev.quota4j.bench.InMemoryAdmission
 * </pre>
 *
 * System properties {@code bench.warmups}, {@code bench.iterations} and {@code bench.seconds} (per
 * iteration) shorten or lengthen the run; default 2, 3 and 3.
 */
@State(Scope.Benchmark)
public class InMemoryAdmission {
  @Param({"quota4j", "quota4j-counters", "bucket4j"})
  public String library = "quota4j";

  @Param({"1", "10000"})
  public int users = 1;

  private Admitter side = Bucket4jAdmitter.local(Workload.throughput(), Clock.systemUTC());
  private String[] ids = {"user-0"};
  private final LongAdder denied = new LongAdder();

  @Setup
  public void setUp() {
    side =
        switch (library) {
          case "quota4j" ->
              new Quota4jAdmitter(
                  new InMemoryQuotaStore(), Workload.throughput(), Clock.systemUTC());
          case "quota4j-counters" ->
              new Quota4jAdmitter(
                  countersOnly(), Workload.throughput(), Clock.systemUTC(), "quota4j-counters");
          case "bucket4j" -> Bucket4jAdmitter.local(Workload.throughput(), Clock.systemUTC());
          default -> throw new IllegalArgumentException("library " + library + " is not known");
        };
    ids = new String[users];
    for (int i = 0; i < users; i++) {
      ids[i] = "user-" + i;
      if (!side.admit(ids[i])) {
        throw new IllegalStateException("denied while priming");
      }
    }
  }

  /** The store doing what Bucket4j does: counters, no ledger, no summaries. */
  static InMemoryQuotaStore countersOnly() {
    return InMemoryQuotaStore.builder().eventsKept(0).dailySummaries(false).build();
  }

  @Benchmark
  public boolean admit() {
    String user = users == 1 ? ids[0] : ids[ThreadLocalRandom.current().nextInt(users)];
    boolean ok = side.admit(user);
    if (!ok) {
      denied.increment();
    }
    return ok;
  }

  @TearDown
  public void tearDown() {
    if (denied.sum() > 0) {
      throw new IllegalStateException(library + " denied " + denied.sum() + " calls");
    }
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int warmups = Integer.getInteger("bench.warmups", 2);
    int iterations = Integer.getInteger("bench.iterations", 3);
    int seconds = Integer.getInteger("bench.seconds", 3);
    System.out.println(
        "quota4j admission benchmark in memory, JVM "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs, load average "
            + DatabaseAdmission.load());
    // key: users/threads/library
    Map<String, double[]> rows = new LinkedHashMap<>();
    Map<String, String> loads = new LinkedHashMap<>();
    for (int threads : new int[] {1, 2}) {
      for (Mode mode : new Mode[] {Mode.Throughput, Mode.SampleTime}) {
        ChainedOptionsBuilder o =
            new OptionsBuilder()
                .include(InMemoryAdmission.class.getName() + ".admit")
                .forks(1)
                .threads(threads)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(seconds))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(seconds))
                .mode(mode)
                .timeUnit(mode == Mode.Throughput ? TimeUnit.SECONDS : TimeUnit.NANOSECONDS);
        Collection<RunResult> results = new Runner(o.build()).run();
        for (RunResult r : results) {
          String lib = r.getParams().getParam("library");
          String u = r.getParams().getParam("users");
          String key = u + "/" + threads + "/" + lib;
          double[] row = rows.computeIfAbsent(key, k -> new double[3]);
          Result<?> p = r.getPrimaryResult();
          if (mode == Mode.Throughput) {
            row[0] = p.getScore();
          } else {
            row[1] = p.getStatistics().getPercentile(50);
            row[2] = p.getStatistics().getPercentile(99);
          }
          loads.put(key, DatabaseAdmission.load());
        }
      }
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-16s %6s %7s %12s %8s %8s  %s%n",
        "side",
        "users",
        "threads",
        "adm/s",
        "p50 ns",
        "p99 ns",
        "load after (1/5/15 min)");
    List<String> results = new ArrayList<>();
    for (Map.Entry<String, double[]> e : rows.entrySet()) {
      String[] k = e.getKey().split("/", -1);
      double[] v = e.getValue();
      System.out.printf(
          Locale.ROOT,
          "%-16s %6s %7s %12.0f %8.0f %8.0f  %s%n",
          k[2],
          k[0],
          k[1],
          v[0],
          v[1],
          v[2],
          loads.get(e.getKey()));
      if (k[2].startsWith("quota4j")) {
        double[] b = rows.get(k[0] + "/" + k[1] + "/bucket4j");
        if (b != null) {
          results.add(
              String.format(
                  Locale.ROOT,
                  "RESULT memory%s-users%s-threads%s quota4j=%.0f bucket4j=%.0f ratio=%.2f",
                  k[2].equals("quota4j") ? "" : "-counters",
                  k[0],
                  k[1],
                  v[0],
                  b[0],
                  v[0] / b[0]));
        }
      }
    }
    System.out.println();
    for (String r : results) {
      System.out.println(r);
    }
  }
}
