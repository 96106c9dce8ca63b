package dev.quota4j.examples;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.QuotaStatus;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo the README runs: a day of traffic from 06:00 to 06:00 the next day on an embedded H2
 * file database. Dozens of users on three plans run workflows (a planning call, then agent calls
 * with tools and models); some are denied; the clock crosses midnight. It ends with a report: each
 * user's status, top agents and tools, denials by code and the system's hourly load.
 */
public final class Demo {
  private Demo() {}

  /** The demo's database file name, without H2's {@code .mv.db}. */
  public static final String DATABASE = "quota4j-demo";

  /** The CSV file the demo writes next to the database: usage per user per UTC day. */
  public static final String CSV = "usage-by-user-per-day.csv";

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
        .build();
  }

  /** What the demo did, for its test. */
  public record Summary(int workflows, int calls, int denied, Map<String, Long> denialsByCode) {}

  /**
   * Runs the demo on an H2 file database in {@code directory}, removing the previous run's file
   * first, and prints the day and the report to {@code out}.
   */
  public static Summary run(Path directory, PrintStream out) {
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
              .defaultLogging(false)
              .build();
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
      Traffic t = new Traffic(quotas, new Random(20261124), out);
      for (Instant tick = START;
          tick.isBefore(START.plus(Duration.ofDays(1)));
          tick = tick.plus(Duration.ofMinutes(10))) {
        clock.set(tick);
        int hour = tick.atZone(java.time.ZoneOffset.UTC).getHour();
        int load = hour >= 10 && hour < 12 ? 10 : hour >= 8 && hour < 18 ? 6 : hour < 23 ? 2 : 1;
        int workflows = t.random.nextInt(load + 1);
        for (int w = 0; w < workflows; w++) {
          t.workflow(users.get(t.random.nextInt(users.size())));
          clock.advance(Duration.ofSeconds(30));
        }
      }
      out.println();
      report(quotas, users, directory, out);
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
    int shown;

    Traffic(QuotaManager quotas, Random random, PrintStream out) {
      this.quotas = quotas;
      this.random = random;
      this.out = out;
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
        @org.jspecify.annotations.Nullable String agent,
        @org.jspecify.annotations.Nullable String tool,
        String prompt,
        long maxOutput) {
      UsageRequest.Builder req =
          UsageRequest.forUser(user)
              .workflow(workflowId)
              .operation(operation)
              .model(model)
              .provider(model.startsWith("claude") ? "anthropic" : "openai")
              .estimatedTokens(prompt, maxOutput);
      if (agent != null && tool != null) {
        req.agent(agent).tool(tool);
      }
      QuotaDecision d = quotas.tryReserve(req);
      if (!d.allowed()) {
        denied++;
        if (shown++ < 12) {
          out.printf(
              Locale.ROOT,
              "%s %s %-12s DENIED %s%n",
              quotas.clock().instant(),
              user,
              operation,
              d.denial().code());
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
        } else {
          r.commit(Usage.of(a.promptTokens(), a.completionTokens()).withModel(model));
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
    out.printf(Locale.ROOT, "== Report for %s to %s, from UsageReports%n%n", from, to);

    out.println("-- per user: both UTC days of the run; 'now' is the new day's status");
    out.println("user  plan  calls denied   tokens   cost $   now: daily tokens  level");
    List<SubjectDay> days = reports.dailyBySubject(from, to);
    for (String u : users) {
      SubjectRef user = SubjectRef.user(u);
      List<SubjectDay> mine = days.stream().filter(d -> d.subject().equals(user)).toList();
      QuotaStatus st = quotas.status(user);
      LimitStatus tokens = st.limit("daily-tokens").orElseThrow();
      out.printf(
          Locale.ROOT,
          "%-5s %-5s %5d %6d %8d %8s   %7d / %-7d  %s%n",
          u,
          st.plan(),
          mine.stream().mapToLong(SubjectDay::calls).sum(),
          mine.stream().mapToLong(SubjectDay::denials).sum(),
          mine.stream().mapToLong(SubjectDay::totalTokens).sum(),
          cents(mine.stream().map(SubjectDay::cost).reduce(BigDecimal.ZERO, BigDecimal::add)),
          tokens.used(),
          tokens.limit(),
          st.level());
    }

    out.println();
    out.println("-- top agents");
    for (AgentStats a : top(reports.agentStats(from, to), 5)) {
      out.printf(
          Locale.ROOT,
          "  %-26s %5d calls %8d tokens  $%s  errors %s %%  denied %d%n",
          a.agent(),
          a.calls(),
          a.totalTokens(),
          cents(a.cost()),
          a.errorRatePercent().toPlainString(),
          a.denials());
    }
    out.println("-- top tools");
    for (TopEntry t : reports.topTools(from, to, 5)) {
      out.printf(
          Locale.ROOT,
          "  %-26s %5d calls %8d tokens  $%s  %s a call%n",
          t.agent() + "." + t.tool(),
          t.calls(),
          t.totalTokens(),
          cents(t.cost()),
          t.averageTokens().toPlainString());
    }
    out.println("-- by model");
    for (StatsRow m : reports.periodStats(null, from, to).byProviderModel()) {
      out.printf(
          Locale.ROOT,
          "  %-36s %5d calls %8d tokens  $%s  errors %d%n",
          m.provider() + "/" + m.model(),
          m.calls(),
          m.totalTokens(),
          cents(m.cost()),
          m.errors());
    }

    out.println("-- denials by code");
    denialsByCode(quotas, from, to)
        .forEach((code, n) -> out.printf(Locale.ROOT, "  %-36s %5d%n", code, n));

    out.printf(Locale.ROOT, "-- system hourly load (cap %,d tokens)%n", SYSTEM_HOURLY_TOKENS);
    for (HourLoad h : reports.systemHourlyLoad(from, to)) {
      BigDecimal percent = h.capacityPercent() == null ? BigDecimal.ZERO : h.capacityPercent();
      out.printf(
          Locale.ROOT,
          "  %s %7d tokens %5s %% %4d calls %3d denied |%s%n",
          h.hour().toString().substring(0, 16),
          h.totalTokens(),
          percent.toPlainString(),
          h.calls(),
          h.denials(),
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

  /** Money to the cent. */
  private static String cents(BigDecimal amount) {
    return amount.setScale(2, RoundingMode.HALF_UP).toPlainString();
  }

  /**
   * Runs the demo. The one argument is the directory of the H2 database file; the README's command
   * passes {@code quota-examples/target/demo}.
   */
  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/demo");
    long start = System.nanoTime();
    Summary s = run(dir, System.out);
    System.out.printf(
        Locale.ROOT,
        "%nDone: %d workflows, %d calls admitted, %d denied, in %.1f s. The database stays at %s%n",
        s.workflows(),
        s.calls(),
        s.denied(),
        (System.nanoTime() - start) / 1e9,
        dir.toAbsolutePath().normalize().resolve(DATABASE + ".mv.db"));
  }
}
