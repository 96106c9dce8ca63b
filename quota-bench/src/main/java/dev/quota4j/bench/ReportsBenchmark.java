package dev.quota4j.bench;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Window;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.jdbc.SchemaMode;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.Page;
import dev.quota4j.reports.PageRequest;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.TopBy;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Dimension;
import dev.quota4j.testing.MutableClock;
import java.io.Writer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Every report of {@link UsageReports} over a ledger of {@code N} events (default 1,000,000) on
 * PostgreSQL. Loads the ledger in tables of a random prefix (ledger rows by batched inserts, as the
 * store writes them: not rolled up), times {@link JdbcQuotaStore#compactEvents} over all of them in
 * batches of {@code -Dbench.compactBatch} (default 5,000) events, then times each report over 90
 * days and, where the seeds ask, 30 and 7 days: one warm-up, then {@code RUNS} runs; prints min,
 * median and max. Checks that every rollup and the ledger give the same totals, and drops the
 * tables at the end (unless {@code -Dbench.keep=true}).
 *
 * <pre>
 * QUOTA4J_BENCH_POSTGRES_URL='jdbc:postgresql://127.0.0.1:5432/test?user=postgres' \
 *   java -cp ... dev.quota4j.bench.ReportsBenchmark [events]
 * </pre>
 */
public final class ReportsBenchmark {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final int DAYS = 90;
  private static final int RUNS = 7;
  private static final String[] AGENTS = new String[20];
  private static final String[] TOOLS = new String[30];
  private static final String[][] MODELS = {
    {"openai", "gpt-4o"},
    {"openai", "gpt-4o-mini"},
    {"openai", "o3"},
    {"anthropic", "claude-3-5-sonnet"},
    {"groq", "llama-3.1-70b"},
    {"groq", "llama-3.1-8b"}
  };
  private static final String[] OPERATIONS = {
    "planning", "agent_call", "classification", "conversation", "summarize", "embed"
  };
  private static final String[] KEYS = {"groq_1", "groq_2", "groq_3", "openai_main", "openai_2"};
  private static final int USERS = 5_000;
  private static final String[] DENIAL_CODES = {
    "DAILY_TOKEN_QUOTA_EXCEEDED", "MONTHLY_COST_QUOTA_EXCEEDED", "SYSTEM_HOURLY_LIMIT_EXCEEDED"
  };

  static {
    for (int i = 0; i < AGENTS.length; i++) {
      AGENTS[i] = "agent-" + i;
    }
    for (int i = 0; i < TOOLS.length; i++) {
      TOOLS[i] = "tool-" + i;
    }
  }

  private ReportsBenchmark() {}

  public static void main(String[] args) throws Exception {
    String url = System.getenv("QUOTA4J_BENCH_POSTGRES_URL");
    if (url == null || url.isBlank()) {
      url = System.getenv("QUOTA4J_TEST_POSTGRES_URL");
    }
    if (url == null || url.isBlank()) {
      System.err.println("set QUOTA4J_BENCH_POSTGRES_URL to a PostgreSQL JDBC URL");
      System.exit(2);
      return;
    }
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    String prefix = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    System.out.printf(
        Locale.ROOT,
        "quota4j reports benchmark: %,d events over %d days, %,d users, prefix %s%n",
        events,
        DAYS,
        USERS,
        prefix);
    System.out.println(
        "JVM "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.version")
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs");
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder()
            .url(url)
            .tablePrefix(prefix)
            .schemaMode(SchemaMode.INSTALL)
            .maxPoolSize(4)
            .build()) {
      try {
        long t0 = System.nanoTime();
        String workflow = load(url, prefix, events);
        System.out.printf(
            Locale.ROOT, "loaded in %.1f s (with ANALYZE)%n", (System.nanoTime() - t0) / 1e9);
        int batch = Integer.getInteger("bench.compactBatch", 5_000);
        long t1 = System.nanoTime();
        long compacted = 0;
        for (int n = store.compactEvents(batch); n > 0; n = store.compactEvents(batch)) {
          compacted += n;
        }
        double s = (System.nanoTime() - t1) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "compacted %,d events in %.1f s, batches of %,d: %,.0f events/s%n",
            compacted,
            s,
            batch,
            compacted / s);
        analyze(url, prefix);
        run(store, workflow);
      } finally {
        if (Boolean.getBoolean("bench.keep")) {
          System.out.println("kept the tables of prefix " + prefix + " (-Dbench.keep=true)");
        } else {
          dropTables(url, prefix);
        }
      }
    }
  }

  private static void dropTables(String url, String prefix) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      for (String t :
          List.of(
              "schema_version",
              "subjects",
              "counters",
              "reservations",
              "usage_events",
              "usage_hourly",
              "usage_daily",
              "usage_subject_daily",
              "usage_agent_daily")) {
        st.execute("DROP TABLE IF EXISTS " + prefix + t);
      }
    }
  }

  private static void run(JdbcQuotaStore store, String workflow) {
    MutableClock clock = MutableClock.at(NOW);
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(
                Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, 50_000_000)
                    .appliesTo(SubjectKind.SYSTEM))
            .limit(
                Limit.of("key-daily-chars", Metric.CHARACTERS, Window.DAY, 10_000_000)
                    .appliesTo(SubjectKind.PROVIDER_KEY))
            .build();
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(policy)
            .clock(clock)
            .defaultLogging(false)
            .build();
    UsageReports r = UsageReports.of(m);
    Instant from = NOW.minus(Duration.ofDays(DAYS));
    Instant lastWeek = NOW.minus(Duration.ofDays(7));
    SubjectRef user = SubjectRef.user("u-42");
    LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
    System.out.println();
    System.out.println(
        "report                                               rows      min   median      max  (ms)");
    Instant lastMonth = NOW.minus(Duration.ofDays(30));
    pagesTopsAndExport(r, from, lastMonth, lastWeek);
    if (Boolean.getBoolean("bench.pagesOnly")) {
      return;
    }
    time("dailyBySubject, 90 days", () -> r.dailyBySubject(from, NOW).size());
    time("dailyBySubject, 30 days", () -> r.dailyBySubject(lastMonth, NOW).size());
    time("dailyBySubject, 7 days", () -> r.dailyBySubject(lastWeek, NOW).size());
    time("topAgents, 90 days", () -> r.topAgents(from, NOW, 10).size());
    time("topAgents, 7 days", () -> r.topAgents(lastWeek, NOW, 10).size());
    time("topTools (agent, tool), 90 days", () -> r.topTools(from, NOW, 10).size());
    time("topTools (agent, tool), 7 days", () -> r.topTools(lastWeek, NOW, 10).size());
    time("activityByOperation, 90 days", () -> r.activityByOperation(from, NOW).size());
    time("activityByOperation, 30 days", () -> r.activityByOperation(lastMonth, NOW).size());
    time("activityByOperation, 7 days", () -> r.activityByOperation(lastWeek, NOW).size());
    time("subjectStats, users, 90 days", () -> r.subjectStats(SubjectKind.USER, from, NOW).size());
    time(
        "subjectStats, users, 30 days",
        () -> r.subjectStats(SubjectKind.USER, lastMonth, NOW).size());
    time(
        "subjectStats, users, 7 days",
        () -> r.subjectStats(SubjectKind.USER, lastWeek, NOW).size());
    time(
        "systemHourlyLoad, 24 hours",
        () -> r.systemHourlyLoad(NOW.minus(Duration.ofHours(24)), NOW).size());
    time("systemHourlyLoad, 90 days", () -> r.systemHourlyLoad(from, NOW).size());
    time("workflowTrace", () -> r.workflowTrace(workflow).size());
    time("agentStats, 90 days", () -> r.agentStats(from, NOW).size());
    time("agentStats, 7 days", () -> r.agentStats(lastWeek, NOW).size());
    time("periodStats, everyone, 90 days", () -> r.periodStats(null, from, NOW).rows().size());
    time("periodStats, one user, 90 days", () -> r.periodStats(user, from, NOW).rows().size());
    time("trend, everyone, 30 days", () -> r.trend(null, 30).history().size());
    time("trend, one user, 30 days", () -> r.trend(user, 30).history().size());
    time("history, everyone, 90 days", () -> r.history(null, today.minusDays(89), today).size());
    time(
        "monthly, everyone, 4 months",
        () -> r.monthly(null, YearMonth.of(2026, 8), YearMonth.of(2026, 11)).size());
    time("providerKeys, 5 keys", () -> r.providerKeys(Arrays.asList(KEYS)).size());
    time(
        "chooseProviderKey, 5 keys",
        () -> r.chooseProviderKey(Arrays.asList(KEYS)).isPresent() ? 1 : 0);
    time("health, one user", () -> r.health(user).limits().size());

    // every rollup and the ledger agree: totals through each of them
    List<List<AggregateRow>> totals = new ArrayList<>();
    totals.add(store.aggregate(AggregateQuery.between(from, NOW))); // hourly
    totals.add(sum(store.aggregate(AggregateQuery.between(from, NOW).groupBy(Dimension.AGENT))));
    totals.add(sum(store.aggregate(AggregateQuery.between(from, NOW).groupBy(Dimension.SUBJECT))));
    totals.add(sum(store.aggregate(AggregateQuery.between(from, NOW).groupBy(Dimension.STATUS))));
    System.out.println();
    System.out.println(
        "hourly, agent and subject rollups == ledger over 90 days: "
            + totals.stream().distinct().count()
            + " distinct total(s) "
            + totals.get(0));
  }

  /**
   * Pages (the first, and one from the middle of the range), top lists, denials by code, each for
   * 90, 30 and 7 days, then the 90-day per-subject-per-day export streamed into a writer that
   * counts characters: rows per second and heap growth (used heap sampled every 10,000 rows, after
   * a GC before the export).
   */
  private static void pagesTopsAndExport(
      UsageReports r, Instant from, Instant lastMonth, Instant lastWeek) {
    for (Instant f : new Instant[] {from, lastMonth, lastWeek}) {
      long days = Duration.between(f, NOW).toDays();
      time(
          "page 1 of dailyBySubject, " + days + " days",
          () -> r.dailyBySubject(f, NOW, PageRequest.first()).rows().size());
      // the middle: half the rows, paged by the largest size
      int total = 0;
      String cursor = null;
      List<String> cursors = new ArrayList<>();
      do {
        Page<SubjectDay> p =
            r.dailyBySubject(f, NOW, new PageRequest(PageRequest.MAX_SIZE, cursor));
        total += p.rows().size();
        cursor = p.next();
        if (cursor != null) {
          cursors.add(cursor);
        }
      } while (cursor != null);
      String middle = cursors.get(cursors.size() / 2);
      time(
          "middle page of dailyBySubject, " + days + " days (" + total + " rows)",
          () -> r.dailyBySubject(f, NOW, PageRequest.after(middle)).rows().size());
      time(
          "page 1 of activityByOperation, " + days + " days",
          () -> r.activityByOperation(f, NOW, PageRequest.first()).rows().size());
      time(
          "page 1 of subjectStats, users, " + days + " days",
          () -> r.subjectStats(SubjectKind.USER, f, NOW, PageRequest.first()).rows().size());
      for (TopBy by : TopBy.values()) {
        time(
            "topSubjects by " + by + ", 10, " + days + " days",
            () -> r.topSubjects(by, null, f, NOW, 10).size());
      }
      time("denialsByCode, " + days + " days", () -> r.denialsByCode(f, NOW).size());
      time("denialsByCodeAndKind, " + days + " days", () -> r.denialsByCodeAndKind(f, NOW).size());
    }
    for (int run = 0; run < 2; run++) {
      Runtime rt = Runtime.getRuntime();
      System.gc();
      long before = rt.totalMemory() - rt.freeMemory();
      long[] peak = {before};
      long[] chars = {0};
      Writer sink =
          new Writer() {
            @Override
            public void write(char[] buf, int off, int len) {
              chars[0] += len;
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
          };
      long t = System.nanoTime();
      long rows;
      try (Stream<SubjectDay> stream =
          r.streamDailyBySubject(from, NOW)
              .peek(
                  new java.util.function.Consumer<SubjectDay>() {
                    private long n;

                    @Override
                    public void accept(SubjectDay d) {
                      if (++n % 10_000 == 0) {
                        peak[0] = Math.max(peak[0], rt.totalMemory() - rt.freeMemory());
                      }
                    }
                  })) {
        rows = Csv.write(sink, SubjectDay.HEADER, stream);
      }
      double s = (System.nanoTime() - t) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "export dailyBySubject, 90 days, run %d: %,d rows (%,d chars) in %.2f s = %,.0f rows/s;"
              + " heap before %,d KB, peak %,d KB, growth %,d KB (max heap %,d MB)%n",
          run + 1,
          rows,
          chars[0],
          s,
          rows / s,
          before / 1024,
          peak[0] / 1024,
          (peak[0] - before) / 1024,
          rt.maxMemory() / (1024 * 1024));
    }
  }

  /** The rows' sums in one row without keys. */
  private static List<AggregateRow> sum(List<AggregateRow> rows) {
    AggregateRow total =
        new AggregateRow(
            null, null, null, null, null, null, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0);
    for (AggregateRow r : rows) {
      total =
          total.plus(
              new AggregateRow(
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  r.calls(),
                  r.errors(),
                  r.denials(),
                  r.inputTokens(),
                  r.outputTokens(),
                  r.cachedInputTokens(),
                  r.characters(),
                  r.costMicros()));
    }
    return List.of(total);
  }

  private static void time(String name, Callable<Integer> report) {
    try {
      int rows = report.call();
      long[] ms = new long[RUNS];
      for (int i = 0; i < RUNS; i++) {
        long t = System.nanoTime();
        rows = report.call();
        ms[i] = (System.nanoTime() - t) / 1_000;
      }
      Arrays.sort(ms);
      System.out.printf(
          Locale.ROOT,
          "%-48s %8d %8.1f %8.1f %8.1f%n",
          name,
          rows,
          ms[0] / 1e3,
          ms[RUNS / 2] / 1e3,
          ms[RUNS - 1] / 1e3);
    } catch (Exception e) {
      throw new IllegalStateException(name + " failed", e);
    }
  }

  /** Loads the ledger, nothing rolled up; returns the id of one workflow. */
  private static String load(String url, String prefix, int events) throws Exception {
    Random rnd = new Random(1);
    Instant start = NOW.minus(Duration.ofDays(DAYS));
    long span = ChronoUnit.MICROS.between(start, NOW);
    String sql =
        "INSERT INTO "
            + prefix
            + "usage_events (event_id, event_time, status, subject_kind, subject_id, provider_key,"
            + " workflow_id, operation, provider, model, agent, tool, input_tokens, output_tokens,"
            + " cached_tokens, characters, cost_micros, estimated_tokens, error_code, tags)"
            + " VALUES (?, ?, ?, 'USER', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')";
    String sep = url.contains("?") ? "&" : "?";
    try (Connection c = DriverManager.getConnection(url + sep + "reWriteBatchedInserts=true")) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < events; i++) {
          Instant t = start.plus(rnd.nextLong(span), ChronoUnit.MICROS);
          int p = rnd.nextInt(100);
          String status = p < 90 ? "SUCCESS" : p < 96 ? "ERROR" : "QUOTA_EXCEEDED";
          boolean usage = !status.equals("QUOTA_EXCEEDED");
          String[] pm = MODELS[rnd.nextInt(MODELS.length)];
          String op = OPERATIONS[rnd.nextInt(OPERATIONS.length)];
          long in = usage ? 1 + rnd.nextInt(4000) : 0;
          long out = usage ? rnd.nextInt(2000) : 0;
          long cost = in * 3 + out * 11;
          ps.setString(1, "e-" + i);
          ps.setObject(2, LocalDateTime.ofInstant(t, ZoneOffset.UTC));
          ps.setString(3, status);
          ps.setString(4, "u-" + rnd.nextInt(USERS));
          ps.setString(5, KEYS[rnd.nextInt(KEYS.length)]);
          ps.setString(6, i % 10 == 0 ? "wf-" + (i / 100) : null);
          ps.setString(7, op);
          ps.setString(8, pm[0]);
          ps.setString(9, pm[1]);
          ps.setString(10, rnd.nextInt(5) == 0 ? null : AGENTS[rnd.nextInt(AGENTS.length)]);
          ps.setString(11, rnd.nextInt(3) == 0 ? null : TOOLS[rnd.nextInt(TOOLS.length)]);
          ps.setLong(12, in);
          ps.setLong(13, out);
          ps.setLong(14, in / 4);
          ps.setLong(15, in * 4);
          ps.setLong(16, cost);
          ps.setLong(17, in + out);
          ps.setString(
              18,
              status.equals("ERROR")
                  ? "TimeoutException"
                  : usage ? null : DENIAL_CODES[Math.floorMod(i, DENIAL_CODES.length)]);
          ps.addBatch();
          if (i % 5_000 == 4_999) {
            ps.executeBatch();
            c.commit();
          }
        }
        ps.executeBatch();
        c.commit();
      }
      c.setAutoCommit(true);
    }
    analyze(url, prefix);
    return "wf-42";
  }

  private static void analyze(String url, String prefix) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      for (String t :
          List.of("usage_events", "usage_hourly", "usage_subject_daily", "usage_agent_daily")) {
        st.execute("VACUUM ANALYZE " + prefix + t);
      }
    }
  }
}
