package dev.quota4j.bench;

import dev.quota4j.jdbc.JdbcQuotaStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Multi-threaded admissions against a database: quota4j's JDBC store against Bucket4j's PostgreSQL
 * select-for-update proxy manager on the same server, and quota4j alone on embedded H2.
 *
 * <p>For each number of users (one hot user; 10,000) both sides get fresh tables and admit each
 * user once (so that counters, bucket rows and quota4j's cached directory entries exist), and each
 * side runs unmeasured at the largest thread count for at least {@code --jit-warmup} seconds and
 * {@code --jit-warmup-admissions} admissions (at most two minutes), so that the first point of the
 * series is not measured while the JIT still compiles. Then for each number of client threads each
 * side runs in turn: a warm-up, then a measured period in which every thread admits calls of random
 * users back to back. Reported: admissions per second, p50 and p99 latency of one admission
 * (reserve + commit; tryConsume x3 + reconcile x2), and per admission the transactions (commits +
 * rollbacks) and statements that reached the database, counted by the same {@link
 * CountingDataSource} in front of both, and the CPU time per admission of this JVM ({@code cli µs})
 * and, on PostgreSQL, of every local {@code postgres} process ({@code srv µs}: other sessions on
 * the same server count too). Nothing may be denied (the limits are never reached). Then the
 * over-admission check ({@link Correctness}) runs on both sides, and every table is dropped.
 *
 * <pre>
 * QUOTA4J_BENCH_POSTGRES_URL='jdbc:postgresql://127.0.0.1:5432/test?user=postgres' \
 *   java -cp quota-bench/target/benchmarks.jar dev.quota4j.bench.DatabaseAdmission \
 *   [--seconds=10] [--warmup=3] [--jit-warmup=10] [--jit-warmup-admissions=20000]
 *   [--threads=1,2,8,16] [--users=1,10000]
 *   [--databases=postgresql,h2]
 * </pre>
 */
public final class DatabaseAdmission {
  private static final String DEFAULT_POSTGRES =
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private static final String H2 = "jdbc:h2:mem:quota4j_bench;DB_CLOSE_DELAY=-1";

  private DatabaseAdmission() {}

  /** One measured point of one side. */
  record Point(
      String side,
      int users,
      int threads,
      long admitted,
      long denied,
      double seconds,
      double p50Millis,
      double p99Millis,
      double transactions,
      double statements,
      double clientCpuMicros,
      double serverCpuMicros,
      String load) {
    double perSecond() {
      return admitted / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Map<String, String> o = options(args);
    int seconds = Integer.parseInt(o.getOrDefault("seconds", "10"));
    int warmup = Integer.parseInt(o.getOrDefault("warmup", "3"));
    int jitWarmup = Integer.parseInt(o.getOrDefault("jit-warmup", "10"));
    long jitWarmupAdmissions = Long.parseLong(o.getOrDefault("jit-warmup-admissions", "20000"));
    int[] threads = ints(o.getOrDefault("threads", "1,2,8,16"));
    int[] users = ints(o.getOrDefault("users", "1,10000"));
    List<String> databases = List.of(o.getOrDefault("databases", "postgresql,h2").split(","));
    int poolSize = Arrays.stream(threads).max().orElse(1);

    System.out.println(
        "quota4j admission benchmark on databases, "
            + ZonedDateTime.now(Clock.systemUTC()).format(DateTimeFormatter.ISO_LOCAL_DATE)
            + ", JVM "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs, load average "
            + load());
    System.out.printf(
        Locale.ROOT,
        "workload: estimate %d tokens, actual %d; JIT warm-up per side and series %d s and %d"
            + " admissions at least; %d s warm-up and %d s measured per point; pool %d%n",
        Workload.throughput().estimatedTokens(),
        Workload.throughput().actualTokens(),
        jitWarmup,
        jitWarmupAdmissions,
        warmup,
        seconds,
        poolSize);
    List<String> results = new ArrayList<>();
    boolean allExact = true;
    for (String db : databases) {
      boolean pg = db.equals("postgresql");
      String url =
          pg ? System.getenv().getOrDefault("QUOTA4J_BENCH_POSTGRES_URL", DEFAULT_POSTGRES) : H2;
      try (BenchDatabase database = new BenchDatabase(db, url, poolSize)) {
        System.out.println();
        System.out.println("== " + database + ": " + database.version());
        System.out.printf(
            Locale.ROOT,
            "%-8s %6s %7s %10s %8s %8s %7s %8s %8s %8s %6s  %s%n",
            "side",
            "users",
            "threads",
            "adm/s",
            "p50 ms",
            "p99 ms",
            "tx/adm",
            "stmt/adm",
            "cli µs",
            "srv µs",
            "denied",
            "load (1/5/15 min)");
        for (int u : users) {
          CountingDataSource qc = new CountingDataSource(database.pool);
          List<Side> sides = new ArrayList<>();
          JdbcQuotaStore store = database.quotaStore(qc);
          sides.add(
              new Side(new Quota4jAdmitter(store, Workload.throughput(), Clock.systemUTC()), qc));
          if (pg) {
            CountingDataSource bc = new CountingDataSource(database.pool);
            sides.add(
                new Side(
                    Bucket4jAdmitter.proxied(
                        Workload.throughput(),
                        Clock.systemUTC(),
                        database.bucketProxies(bc, Clock.systemUTC())),
                    bc));
          }
          String[] ids = new String[u];
          for (int i = 0; i < u; i++) {
            ids[i] = "user-" + i;
          }
          for (Side s : sides) {
            prime(s.admitter, ids, poolSize);
          }
          for (Side s : sides) {
            long n = run(s, ids, poolSize, jitWarmup, jitWarmupAdmissions);
            System.out.printf(
                Locale.ROOT,
                "%-8s %6d users: JIT warm-up of %d admissions%n",
                s.admitter.name(),
                u,
                n);
          }
          for (int t : threads) {
            Map<String, Point> byside = new LinkedHashMap<>();
            for (Side s : sides) {
              Point p = measure(s, ids, t, warmup, seconds, pg);
              byside.put(s.admitter.name(), p);
              System.out.printf(
                  Locale.ROOT,
                  "%-8s %6d %7d %10.0f %8.2f %8.2f %7.2f %8.2f %8.0f %8.0f %6d  %s%n",
                  p.side(),
                  p.users(),
                  p.threads(),
                  p.perSecond(),
                  p.p50Millis(),
                  p.p99Millis(),
                  p.transactions(),
                  p.statements(),
                  p.clientCpuMicros(),
                  p.serverCpuMicros(),
                  p.denied(),
                  p.load());
              allExact &= p.denied() == 0;
            }
            Point q = byside.get("quota4j");
            Point b = byside.get("bucket4j");
            if (q != null && b != null) {
              results.add(
                  String.format(
                      Locale.ROOT,
                      "RESULT %s-users%d-threads%d quota4j=%.0f bucket4j=%.0f ratio=%.2f",
                      db,
                      u,
                      t,
                      q.perSecond(),
                      b.perSecond(),
                      q.perSecond() / b.perSecond()));
            }
          }
        }
        System.out.println();
        System.out.println("over-admission check on " + db + " (8 threads, demand > limit):");
        List<Correctness.Outcome> outcomes = new ArrayList<>();
        outcomes.addAll(
            Correctness.run(
                w ->
                    new Quota4jAdmitter(database.quotaStore(database.pool), w, Correctness.clock()),
                8));
        if (pg) {
          outcomes.addAll(
              Correctness.run(
                  w -> {
                    try {
                      return Bucket4jAdmitter.proxied(
                          w,
                          Correctness.clock(),
                          database.bucketProxies(database.pool, Correctness.clock()));
                    } catch (java.sql.SQLException e) {
                      throw new IllegalStateException(e);
                    }
                  },
                  8));
        }
        for (Correctness.Outcome c : outcomes) {
          System.out.println("  " + c);
          allExact &= c.exact();
        }
      }
    }
    System.out.println();
    System.out.println("load average at the end: " + load());
    for (String r : results) {
      System.out.println(r);
    }
    if (!allExact) {
      System.out.println("FAILED: a side denied in the throughput run or over- or under-admitted");
      System.exit(1);
    }
  }

  private record Side(Admitter admitter, CountingDataSource counts) {}

  /** Admits each user once, on many threads: creates counters, bucket rows and cache entries. */
  private static void prime(Admitter a, String[] ids, int threads) throws InterruptedException {
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int from = t;
      ts[t] =
          new Thread(
              () -> {
                for (int i = from; i < ids.length; i += threads) {
                  if (!a.admit(ids[i])) {
                    throw new IllegalStateException("denied while priming " + ids[i]);
                  }
                }
              });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
  }

  /**
   * Every thread admits calls of random users back to back, unmeasured, until both {@code seconds}
   * and {@code admissions} are reached, or two minutes; returns how many admissions ran.
   */
  private static long run(Side side, String[] ids, int threads, int seconds, long admissions)
      throws InterruptedException {
    AtomicInteger stop = new AtomicInteger();
    AtomicLong done = new AtomicLong();
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      ts[t] =
          new Thread(
              () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (stop.get() == 0) {
                  boolean unused =
                      side.admitter.admit(ids.length == 1 ? ids[0] : ids[rnd.nextInt(ids.length)]);
                  done.incrementAndGet();
                }
              },
              "jit-warmup-" + t);
      ts[t].start();
    }
    long start = System.nanoTime();
    long min = seconds * 1_000_000_000L;
    long max = Math.max(min, 120_000_000_000L);
    while (true) {
      long elapsed = System.nanoTime() - start;
      if (elapsed >= max || (elapsed >= min && done.get() >= admissions)) {
        break;
      }
      Thread.sleep(100);
    }
    stop.set(1);
    for (Thread t : ts) {
      t.join();
    }
    return done.get();
  }

  private static Point measure(
      Side side, String[] ids, int threads, int warmup, int seconds, boolean localServer)
      throws InterruptedException {
    long[][] latencies = new long[threads][];
    int[] counts = new int[threads];
    long[] denied = new long[threads];
    Thread[] ts = new Thread[threads];
    // 0: warm-up, 1: measured, 2: stop
    AtomicInteger phaseRef = new AtomicInteger();
    for (int t = 0; t < threads; t++) {
      int me = t;
      latencies[me] = new long[1 << 14];
      ts[t] =
          new Thread(
              () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int p;
                while ((p = phaseRef.get()) != 2) {
                  String user = ids.length == 1 ? ids[0] : ids[rnd.nextInt(ids.length)];
                  long t0 = System.nanoTime();
                  boolean ok = side.admitter.admit(user);
                  long took = System.nanoTime() - t0;
                  if (p == 1) {
                    if (!ok) {
                      denied[me]++;
                    }
                    if (counts[me] == latencies[me].length) {
                      latencies[me] = Arrays.copyOf(latencies[me], counts[me] * 2);
                    }
                    latencies[me][counts[me]++] = took;
                  }
                }
              },
              "bench-" + t);
      ts[t].start();
    }
    Thread.sleep(warmup * 1000L);
    side.counts.reset();
    long client0 = CpuTime.clientNanos();
    long server0 = localServer ? CpuTime.serverNanos() : -1;
    long start = System.nanoTime();
    phaseRef.set(1);
    Thread.sleep(seconds * 1000L);
    phaseRef.set(2);
    for (Thread t : ts) {
      t.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long client = CpuTime.clientNanos() - client0;
    long server = server0 < 0 ? -1 : CpuTime.serverNanos() - server0;
    long tx = side.counts.transactions();
    long st = side.counts.statements.sum();
    int n = 0;
    for (int c : counts) {
      n += c;
    }
    long[] all = new long[n];
    int at = 0;
    long deniedAll = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(latencies[t], 0, all, at, counts[t]);
      at += counts[t];
      deniedAll += denied[t];
    }
    Arrays.sort(all);
    long admitted = n - deniedAll;
    return new Point(
        side.admitter.name(),
        ids.length,
        threads,
        admitted,
        deniedAll,
        elapsed,
        percentile(all, 50) / 1e6,
        percentile(all, 99) / 1e6,
        n == 0 ? 0 : (double) tx / n,
        n == 0 ? 0 : (double) st / n,
        n == 0 ? 0 : client / 1e3 / n,
        n == 0 || server < 0 ? Double.NaN : server / 1e3 / n,
        load());
  }

  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** The load averages of /proc/loadavg (1, 5, 15 minutes), or "n/a". */
  static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", -1);
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || !a.contains("=")) {
        throw new IllegalArgumentException("options are --name=value, not " + a);
      }
      o.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    return o;
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }
}
