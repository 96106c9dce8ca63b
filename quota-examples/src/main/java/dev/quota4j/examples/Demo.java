package dev.quota4j.examples;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageLevel;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.dashboard.UsageDashboard;
import dev.quota4j.examples.FakeLlm.ChatResult;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.jdbc.SchemaMode;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.reports.AgentStats;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.HourLoad;
import dev.quota4j.reports.StatsRow;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.TopEntry;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The demo the README runs: a day of traffic from 06:00 to 06:00 the next day on an embedded H2
 * file database. Dozens of users on three plans run workflows (a planning call, then agent calls
 * with tools and models); some are denied; the clock crosses midnight. It shows its progress every
 * two simulated hours and the first denial of each code as it happens, then a report: each user's
 * busiest day against their daily limit, top agents and tools, cost by model, every denial by code
 * and the system's hourly load; a few of the lines quota4j itself logged; and the usage dashboard
 * it wrote.
 */
public final class Demo {
  private Demo() {}

  /** The demo's database file name, without H2's {@code .mv.db}. */
  public static final String DATABASE = "quota4j-demo";

  /** The CSV file the demo writes next to the database: usage per user per UTC day. */
  public static final String CSV = "usage-by-user-per-day.csv";

  /** The usage dashboard the demo writes next to the database. */
  public static final String DASHBOARD = "dashboard.html";

  /** The file quota4j's own log lines go to when the demo runs from {@link #main}. */
  public static final String LOG = "quota4j.log";

  /** The provider keys the demo's calls go through; each has a daily request budget. */
  static final List<String> PROVIDER_KEYS = List.of("anthropic_1", "openai_1", "openai_2");

  /** The system-wide hourly token cap, low enough that the busiest hours meet it. */
  public static final long SYSTEM_HOURLY_TOKENS = 60_000;

  static final Instant START = Instant.parse("2026-11-24T06:00:00Z");

  private static final String[][] AGENTS = {
    {"gmail_agent", "search_emails"},
    {"gmail_agent", "send_email"},
    {"docs_agent", "summarise_doc"},
    {"docs_agent", "create_doc"},
    {"calendar_agent", "find_slot"},
    {"search_agent", "web_search"},
    {"search_agent", "read_page"},
  };

  /** The demo's plans: free, pro and team, plus the system cap and per-request caps. */
  public static QuotaPolicy policy() {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("free")
                .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 12_000))
                .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 40))
                .allowModels("gpt-4o-mini", "claude-3-haiku-20240307")
                .denyOperations("complex_reasoning")
                .build())
        .plan(
            Plan.builder("pro")
                .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 60_000))
                .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 200))
                .limit(Limit.ofCost("monthly-cost", Window.MONTH, new BigDecimal("20.00")))
                .build())
        .plan(
            Plan.builder("team")
                .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 200_000))
                .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 1_000))
                .build())
        .defaultPlan("free")
        .limit(
            Limit.of("max-tokens-per-planning", Metric.TOKENS, Window.PER_REQUEST, 8_000)
                .forOperations("planning"))
        .limit(
            Limit.of("max-tokens-per-agent-call", Metric.TOKENS, Window.PER_REQUEST, 4_000)
                .forOperations("agent_call"))
        .limit(
            Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, SYSTEM_HOURLY_TOKENS)
                .appliesTo(SubjectKind.SYSTEM))
        .limit(
            Limit.of("key-daily-requests", Metric.REQUESTS, Window.DAY, 600)
                .appliesTo(SubjectKind.PROVIDER_KEY))
        .build();
  }

  /** What the demo did, for its test. */
  public record Summary(int workflows, int calls, int denied, Map<String, Long> denialsByCode) {}

  /**
   * Runs the demo on an H2 file database in {@code directory}, removing the previous run's file
   * first, and prints the day and the report to {@code out}.
   */
  public static Summary run(Path directory, PrintStream out) {
    return run(directory, out, null);
  }

  /**
   * {@link #run(Path, PrintStream)}, then shows a few of the lines quota4j logged to {@code log}
   * (SLF4J Simple's file), when given.
   */
  public static Summary run(Path directory, PrintStream out, @Nullable Path log) {
    Path file = directory.resolve(DATABASE + ".mv.db");
    try {
      Files.createDirectories(directory);
      boolean existed = Files.deleteIfExists(file);
      Files.deleteIfExists(directory.resolve(DATABASE + ".trace.db"));
      out.println("quota4j demo: one day of LLM traffic, 06:00 to 06:00 UTC, on H2");
      out.println(
          "database: "
              + file.toAbsolutePath().normalize()
              + (existed ? " (the previous run's file was removed: a clean start)" : " (new)"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the demo database in " + directory, e);
    }
    String url = "jdbc:h2:file:" + directory.toAbsolutePath().resolve(DATABASE);
    MutableClock clock = MutableClock.at(START);
    AtomicLong ids = new AtomicLong();
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder().url(url).schemaMode(SchemaMode.INSTALL).maxPoolSize(2).build()) {
      QuotaManager quotas =
          QuotaManager.builder()
              .store(store)
              .policy(policy())
              .pricing(PriceTable.defaults())
              .tokenCounter(Tokens.COUNTER)
              .clock(clock)
              .idGenerator(() -> Long.toString(ids.incrementAndGet()))
              .build(); // with quota4j's own logging: thresholds and denials, through SLF4J
      QuotaAdmin admin = QuotaAdmin.of(quotas);
      List<String> users = new ArrayList<>();
      for (int i = 1; i <= 36; i++) {
        String id = String.format(Locale.ROOT, "u-%02d", i);
        String plan = i <= 20 ? "free" : (i <= 32 ? "pro" : "team");
        admin.assignPlan(SubjectRef.user(id), plan);
        users.add(id);
      }
      out.printf(
          Locale.ROOT,
          "users: %d (20 free, 12 pro, 4 team); system cap %,d tokens an hour%n%n",
          users.size(),
          SYSTEM_HOURLY_TOKENS);
      out.println("every two simulated hours, and the first denial of each code as it happens:");
      Traffic t = new Traffic(quotas, new Random(20261124), out);
      for (Instant tick = START;
          tick.isBefore(START.plus(Duration.ofDays(1)));
          tick = tick.plus(Duration.ofMinutes(10))) {
        clock.set(tick);
        int hour = tick.atZone(ZoneOffset.UTC).getHour();
        if (tick.getEpochSecond() % 7200 == 0 && !tick.equals(START)) {
          t.progress(tick);
        }
        int load = hour >= 10 && hour < 12 ? 10 : hour >= 8 && hour < 18 ? 6 : hour < 23 ? 2 : 1;
        int workflows = t.random.nextInt(load + 1);
        for (int w = 0; w < workflows; w++) {
          t.workflow(users.get(t.random.nextInt(users.size())));
          clock.advance(Duration.ofSeconds(30));
        }
      }
      t.progress(START.plus(Duration.ofDays(1)));
      out.println();
      report(quotas, users, directory, out);
      if (log != null) {
        showLog(log, out);
      }
      Path page = directory.resolve(DASHBOARD);
      try {
        UsageDashboard.builder(quotas)
            .title("quota4j demo: one day of LLM traffic")
            .providerKeys(PROVIDER_KEYS)
            .build()
            .write(page, START, START.plus(Duration.ofDays(1)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + page, e);
      }
      out.printf(
          Locale.ROOT,
          "%n-- the usage dashboard: open %s%n",
          page.toAbsolutePath().normalize().toUri());
      return new Summary(
          t.workflows,
          t.calls,
          t.denied,
          denialsByCode(quotas, START, START.plus(Duration.ofDays(1))));
    }
  }

  /** Generates the workflows and prints the notable moments. */
  private static final class Traffic {
    final QuotaManager quotas;
    final Random random;
    final PrintStream out;
    int workflows;
    int calls;
    int denied;
    long tokens;
    final Map<String, Long> byCode = new TreeMap<>();
    private Instant periodStart = START;
    private int periodWorkflows;
    private int periodCalls;
    private int periodDenied;
    private long periodTokens;

    Traffic(QuotaManager quotas, Random random, PrintStream out) {
      this.quotas = quotas;
      this.random = random;
      this.out = out;
    }

    /** One line for the period that ends at {@code end}. */
    void progress(Instant end) {
      out.printf(
          Locale.ROOT,
          "  %s-%s  %,4d workflows %,5d calls %,4d denied %,9d tokens%n",
          CLOCK.format(periodStart),
          CLOCK.format(end),
          workflows - periodWorkflows,
          calls - periodCalls,
          denied - periodDenied,
          tokens - periodTokens);
      periodStart = end;
      periodWorkflows = workflows;
      periodCalls = calls;
      periodDenied = denied;
      periodTokens = tokens;
    }

    void workflow(String user) {
      workflows++;
      String plan = quotas.status(SubjectRef.user(user)).plan();
      boolean premium = !"free".equals(plan);
      String planner = premium ? "gpt-4o" : "gpt-4o-mini";
      // some free users ask for what their plan lacks; some paste whole documents
      String operation = random.nextInt(25) == 0 ? "complex_reasoning" : "planning";
      String input =
          "Help me with task "
              + workflows
              + ". "
              + "Context line. ".repeat(20 + random.nextInt(60));
      if (random.nextInt(40) == 0) {
        input += "A pasted report. ".repeat(2_500);
      }
      String workflowId = "wf-" + workflows;
      if (!call(user, workflowId, operation, planner, null, null, input, 1_500)) {
        return;
      }
      int steps = 1 + random.nextInt(3);
      for (int s = 0; s < steps; s++) {
        String[] at = AGENTS[random.nextInt(AGENTS.length)];
        String model =
            premium
                ? (random.nextBoolean() ? "claude-3-5-sonnet-20241022" : "gpt-4o-mini")
                : (random.nextBoolean() ? "claude-3-haiku-20240307" : "gpt-4o-mini");
        String prompt = at[0] + "." + at[1] + " for " + workflowId + ". " + "Data. ".repeat(40);
        if (!call(user, workflowId, "agent_call", model, at[0], at[1], prompt, 1_000)) {
          return;
        }
      }
    }

    boolean call(
        String user,
        String workflowId,
        String operation,
        String model,
        @Nullable String agent,
        @Nullable String tool,
        String prompt,
        long maxOutput) {
      boolean anthropic = model.startsWith("claude");
      UsageRequest.Builder req =
          UsageRequest.forUser(user)
              .workflow(workflowId)
              .operation(operation)
              .model(model)
              .provider(anthropic ? "anthropic" : "openai")
              .providerKey(
                  anthropic ? "anthropic_1" : (workflows % 3 == 0 ? "openai_2" : "openai_1"))
              .estimatedTokens(prompt, maxOutput);
      if (agent != null && tool != null) {
        req.agent(agent).tool(tool);
      }
      QuotaDecision d = quotas.tryReserve(req);
      if (!d.allowed()) {
        denied++;
        QuotaDenial denial = d.denial();
        if (byCode.merge(denial.code(), 1L, Long::sum) == 1L) {
          out.printf(
              Locale.ROOT,
              "    %s %s %s denied %s: %s%n",
              CLOCK.format(quotas.clock().instant()),
              user,
              operation,
              denial.code(),
              denial.message());
        }
        return false;
      }
      calls++;
      try (Reservation r = d.reservation()) {
        FakeLlm llm =
            new FakeLlm(Tokens.COUNTER, model, p -> "Result line. ".repeat(60 + p.length() % 150));
        ChatResult a = llm.call(prompt, r.grantedMaxOutputTokens());
        if (random.nextInt(30) == 0) {
          r.fail("upstream timeout", Usage.of(a.promptTokens(), 0)); // billed the prompt only
          tokens += a.promptTokens();
        } else {
          r.commit(Usage.of(a.promptTokens(), a.completionTokens()).withModel(model));
          tokens += a.promptTokens() + a.completionTokens();
        }
      }
      return true;
    }
  }

  private static void report(
      QuotaManager quotas, List<String> users, Path directory, PrintStream out) {
    Instant from = START;
    Instant to = START.plus(Duration.ofDays(1));
    UsageReports reports = UsageReports.of(quotas);
    out.printf(
        Locale.ROOT,
        "== Report for %s to %s UTC, from UsageReports%n%n",
        DAY.format(from),
        DAY.format(to));

    out.println("-- per user: the run's totals, and the busiest UTC day against the daily limit");
    out.println(
        "user  plan   calls denied    tokens     cost   busiest day: tokens / limit  level");
    List<SubjectDay> days = reports.dailyBySubject(from, to);
    Map<UsageLevel, Integer> levels = new TreeMap<>();
    for (String u : users) {
      SubjectRef user = SubjectRef.user(u);
      List<SubjectDay> mine = days.stream().filter(d -> d.subject().equals(user)).toList();
      String plan = quotas.status(user).plan();
      Plan onPlan = quotas.policy().plan(plan == null ? "free" : plan);
      Limit daily = onPlan == null ? null : onPlan.limit("daily-tokens");
      long peak = mine.stream().mapToLong(SubjectDay::totalTokens).max().orElse(0);
      long limit = daily == null ? 0 : daily.amount();
      UsageLevel level =
          UsageLevel.of(peak, limit, daily == null ? Limit.DEFAULT_THRESHOLDS : daily.thresholds());
      levels.merge(level, 1, Integer::sum);
      out.printf(
          Locale.ROOT,
          "%-5s %-5s %6s %6s %9s %8s   %,11d / %,-11d %s%n",
          u,
          plan,
          count(mine.stream().mapToLong(SubjectDay::calls).sum()),
          count(mine.stream().mapToLong(SubjectDay::denials).sum()),
          count(mine.stream().mapToLong(SubjectDay::totalTokens).sum()),
          dollars(mine.stream().map(SubjectDay::cost).reduce(BigDecimal.ZERO, BigDecimal::add)),
          peak,
          limit,
          level);
    }
    out.println("   busiest days: " + levels);

    out.println();
    out.println("-- top agents");
    for (AgentStats a : top(reports.agentStats(from, to), 5)) {
      out.printf(
          Locale.ROOT,
          "  %-28s %6s calls %9s tokens %8s  errors %5s %%  denied %s%n",
          a.agent(),
          count(a.calls()),
          count(a.totalTokens()),
          dollars(a.cost()),
          a.errorRatePercent().toPlainString(),
          count(a.denials()));
    }
    out.println("-- top tools");
    for (TopEntry t : reports.topTools(from, to, 5)) {
      out.printf(
          Locale.ROOT,
          "  %-28s %6s calls %9s tokens %8s  %s tokens a call%n",
          t.agent() + "." + t.tool(),
          count(t.calls()),
          count(t.totalTokens()),
          dollars(t.cost()),
          t.averageTokens().setScale(0, RoundingMode.HALF_UP).toPlainString());
    }
    out.println("-- by model");
    for (StatsRow m : reports.periodStats(null, from, to).byProviderModel()) {
      out.printf(
          Locale.ROOT,
          "  %-38s %6s calls %9s tokens %8s  errors %s%n",
          m.provider() + "/" + m.model(),
          count(m.calls()),
          count(m.totalTokens()),
          dollars(m.cost()),
          count(m.errors()));
    }

    Map<String, Long> byCode = denialsByCode(quotas, from, to);
    out.println("-- denials by code");
    byCode.forEach((code, n) -> out.printf(Locale.ROOT, "  %-38s %6s%n", code, count(n)));
    out.printf(
        Locale.ROOT,
        "  %-38s %6s%n",
        "all",
        count(byCode.values().stream().mapToLong(Long::longValue).sum()));

    out.printf(Locale.ROOT, "-- system hourly load (cap %s tokens)%n", count(SYSTEM_HOURLY_TOKENS));
    for (HourLoad h : reports.systemHourlyLoad(from, to)) {
      BigDecimal percent = h.capacityPercent() == null ? BigDecimal.ZERO : h.capacityPercent();
      out.printf(
          Locale.ROOT,
          "  %s %7s tokens %5s %% %4s calls %3s denied |%s%n",
          DAY.format(h.hour()),
          count(h.totalTokens()),
          percent.setScale(1, RoundingMode.HALF_UP).toPlainString(),
          count(h.calls()),
          count(h.denials()),
          "#".repeat(Math.min(40, percent.intValue() * 40 / 100)));
    }

    Path csv = directory.resolve(CSV);
    try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
      Csv.write(w, SubjectDay.HEADER, days);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + csv, e);
    }
    out.printf(
        Locale.ROOT,
        "%n-- per user per day as CSV: %s (%d rows)%n",
        csv.toAbsolutePath().normalize(),
        days.size());
  }

  /**
   * A few of the lines quota4j logged: the first of each kind (a threshold reached, a denial, a
   * warning), then how many there were in all.
   */
  static void showLog(Path log, PrintStream out) {
    List<String> lines;
    try {
      lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + log, e);
    }
    out.printf(
        Locale.ROOT,
        "%n-- what quota4j logged: %s lines in %s; the first of each kind:%n",
        count(lines.size()),
        log.toAbsolutePath().normalize());
    Map<String, String> firsts = new LinkedHashMap<>();
    for (String line : lines) {
      if (!line.contains(" dev.quota4j")) {
        continue; // the connection pool's lines, for one
      }
      String kind =
          line.contains(" reached ")
              ? (line.startsWith("WARN") ? "threshold, warn" : "threshold, info")
              : line.contains(" denied ")
                  ? "denied " + line.replaceAll(".* denied ([A-Z_]+).*", "$1")
                  : line.startsWith("WARN") ? "warning" : "other";
      firsts.putIfAbsent(kind, line);
    }
    firsts.values().stream()
        .limit(8)
        .forEach(l -> out.println("  " + (l.length() > 160 ? l.substring(0, 157) + "..." : l)));
  }

  /**
   * Denials counted by code, most first, from the ledger: the reports count denials but do not
   * group them by code.
   */
  static Map<String, Long> denialsByCode(QuotaManager quotas, Instant from, Instant to) {
    Map<String, Long> counts = new TreeMap<>();
    for (UsageEvent e :
        quotas.store().findEvents(new EventQuery(from, to, null, null, 1_000_000))) {
      if (e.status() == EventStatus.QUOTA_EXCEEDED && e.errorCode() != null) {
        counts.merge(e.errorCode(), 1L, Long::sum);
      }
    }
    Map<String, Long> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(en -> sorted.put(en.getKey(), en.getValue()));
    return sorted;
  }

  private static <T> List<T> top(List<T> rows, int n) {
    return rows.subList(0, Math.min(n, rows.size()));
  }

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** A whole number with thousands separators, as every count in the output. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Money in dollars to the cent, as every amount in the output: {@code $1,234.56}. */
  static String dollars(BigDecimal amount) {
    return String.format(Locale.ROOT, "$%,.2f", amount.setScale(2, RoundingMode.HALF_UP));
  }

  /**
   * Runs the demo. The one argument is the directory of the H2 database file; {@code ./demo} and
   * the README's Maven command pass {@code quota-examples/target/demo}. quota4j's own log lines go
   * to {@value #LOG} there (when SLF4J Simple is the logger, as in {@code ./demo}).
   */
  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/demo");
    Path log = dir.resolve(LOG);
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
    // before the first logger is made: SLF4J Simple reads these once
    System.setProperty("org.slf4j.simpleLogger.logFile", log.toString());
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    long start = System.nanoTime();
    Summary s = run(dir, System.out, log);
    System.out.printf(
        Locale.ROOT,
        "%nDone: %s workflows, %s calls admitted, %s denied, in %.1f s.%n",
        count(s.workflows()),
        count(s.calls()),
        count(s.denied()),
        (System.nanoTime() - start) / 1e9);
  }
}
