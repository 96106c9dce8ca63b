package dev.quota4j.examples;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRecorder;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.examples.FakeLlm.ChatResult;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.reports.HealthLimit;
import dev.quota4j.reports.HealthSummary;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Seed 004, anonymous and signed-in users: an anonymous session may send 50 messages a day; free
 * and pro users have daily and monthly request, token and cost budgets, plus provider- and
 * model-specific limits; on sign-up the session's usage of the day moves to the user; each call
 * reserves its estimate and commits what it really used; a background sync of finished tasks is
 * retried after a failure and counts each task once.
 */
public final class AnonymousAndSignedIn {
  private AnonymousAndSignedIn() {}

  /** The anonymous plan's daily message limit. */
  public static final String ANON_MESSAGES = "anonymous-daily-messages";

  /** The model-specific limit: requests to claude-3-opus per day. */
  public static final String OPUS_REQUESTS = "daily-claude-3-opus-requests";

  /** The provider-specific limit: what Anthropic calls may cost per day. */
  public static final String ANTHROPIC_COST = "daily-anthropic-cost";

  /**
   * The seed's plans: anonymous (the plan of new sessions: 50 messages a day), free (the plan of
   * new users) and pro. On sign-up, {@link QuotaAdmin#migrateAnonymous} charges each of the user's
   * limits what the session's calls would have charged it in its current window, under its own
   * metric and filters, although the anonymous plan counts messages only.
   */
  public static QuotaPolicy policy() {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("anonymous")
                .limit(Limit.of(ANON_MESSAGES, Metric.REQUESTS, Window.DAY, 50))
                .allowModels("gpt-4o-mini")
                .build())
        .plan(userPlan("free", 1))
        .plan(userPlan("pro", 10))
        .defaultPlan("free") // users who sign up
        .defaultPlan(SubjectKind.ANONYMOUS, "anonymous") // sessions seen for the first time
        .build();
  }

  private static Plan userPlan(String name, int x) {
    return Plan.builder(name)
        .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 500L * x))
        .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 100_000L * x))
        .limit(Limit.ofCost("daily-cost", Window.DAY, new BigDecimal("5.00").multiply(n(x))))
        .limit(Limit.of("monthly-requests", Metric.REQUESTS, Window.MONTH, 5_000L * x))
        .limit(Limit.of("monthly-tokens", Metric.TOKENS, Window.MONTH, 1_000_000L * x))
        .limit(Limit.ofCost("monthly-cost", Window.MONTH, new BigDecimal("50.00").multiply(n(x))))
        .limit(
            Limit.of(OPUS_REQUESTS, Metric.REQUESTS, Window.DAY, 2L * x)
                .forModels("claude-3-opus-20240229"))
        .limit(
            Limit.ofCost(ANTHROPIC_COST, Window.DAY, new BigDecimal("0.05").multiply(n(x)))
                .forProviders("anthropic"))
        .build();
  }

  private static BigDecimal n(int x) {
    return BigDecimal.valueOf(x);
  }

  /**
   * Sign-up: moves the session's usage to the user, counted once, and closes the session. The
   * migration's id is derived from the session, so a retried sign-up moves nothing twice. Returns
   * whether this call moved it.
   */
  public static boolean signUp(QuotaManager quotas, String sessionId, String userId) {
    QuotaAdmin admin = QuotaAdmin.of(quotas);
    SubjectRef session = SubjectRef.anonymous(sessionId);
    boolean moved = admin.migrateAnonymous(session, SubjectRef.user(userId), "signup-" + sessionId);
    admin.deactivate(session); // the session is over
    return moved;
  }

  /** A finished background task whose usage the sync reports. */
  public record TaskUsage(String taskId, String userId, String model, long input, long output) {}

  /**
   * The seed's usage sync: reports finished tasks in a batch through a recorder, retrying the batch
   * up to {@code attempts} times. Each task is recorded under its task id, so a batch that failed
   * half-way and is sent again counts every task once. Returns {new, already recorded}.
   */
  public static int[] sync(UsageRecorder recorder, List<TaskUsage> batch, int attempts) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      int fresh = 0;
      int again = 0;
      try {
        for (TaskUsage t : batch) {
          boolean recorded =
              recorder.record(
                  "task-" + t.taskId(),
                  UsageRequest.forUser(t.userId())
                      .model(t.model())
                      .provider("openai")
                      .operation("background_task")
                      .build(),
                  Usage.of(t.input(), t.output()).withModel(t.model()));
          if (recorded) {
            fresh++;
          } else {
            again++;
          }
        }
        return new int[] {fresh, again, attempt};
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw new IllegalStateException("usage sync failed " + attempts + " times", last);
  }

  /** What {@link #run} returns for its test. */
  public record Result(
      List<String> codes,
      int anonymousAdmitted,
      boolean migratedFirst,
      boolean migratedAgain,
      long userDailyRequestsAfterMigration,
      int sessionEventsAfterMigration,
      int userEventsAfterMigration,
      long estimated,
      long actual,
      long dailyTokensAfterReconciliation,
      List<Integer> syncOutcome,
      long dailyTokensAfterSync,
      HealthSummary health,
      QuotaManager quotas) {}

  /** Runs the scenario, printing what happens to {@code out}. */
  public static Result run(PrintStream out) {
    MutableClock clock = MutableClock.at("2026-11-25T08:00:00Z");
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .policy(policy())
            .pricing(PriceTable.defaults())
            .tokenCounter(Tokens.COUNTER)
            .clock(clock)
            .defaultLogging(false)
            .build();
    FakeLlm mini = new FakeLlm(Tokens.COUNTER, "gpt-4o-mini", p -> "A helpful reply. ".repeat(40));
    List<String> codes = new ArrayList<>();

    out.println("-- an anonymous visitor: 50 messages a day");
    String session = "anon-7f3a";
    int admitted = 0;
    while (true) {
      QuotaDecision d =
          quotas.tryReserve(
              UsageRequest.forAnonymous(session)
                  .provider("openai")
                  .model("gpt-4o-mini")
                  .operation("chat")
                  .estimatedTokens("hello, message " + admitted, 400));
      if (!d.allowed()) {
        codes.add(d.denial().code());
        out.printf(
            Locale.ROOT,
            "  message %d: %s (%s) -> show the sign-up dialog%n",
            admitted + 1,
            d.denial().code(),
            d.denial().limitName());
        break;
      }
      try (Reservation r = d.reservation()) {
        ChatResult a = mini.call("hello, message " + admitted, r.grantedMaxOutputTokens());
        r.commit(Usage.of(a.promptTokens(), a.completionTokens()));
      }
      admitted++;
      clock.advance(Duration.ofMinutes(2));
    }
    out.printf(Locale.ROOT, "  %d messages admitted%n", admitted);

    out.println("-- the visitor signs up as u-1001 (free, the users' default plan)");
    boolean moved = signUp(quotas, session, "u-1001");
    boolean movedAgain = signUp(quotas, session, "u-1001"); // a retried sign-up
    long requests =
        quotas.status(SubjectRef.user("u-1001")).limit("daily-requests").orElseThrow().used();
    Instant dayStart = clock.instant().truncatedTo(ChronoUnit.DAYS);
    EventQuery today =
        new EventQuery(dayStart, dayStart.plus(Duration.ofDays(1)), null, null, 10_000);
    int sessionEvents =
        quotas.store().findEvents(today.forSubject(SubjectRef.anonymous(session))).size();
    int userEvents = quotas.store().findEvents(today.forSubject(SubjectRef.user("u-1001"))).size();
    out.printf(
        Locale.ROOT,
        "  moved: %s (retried: %s); u-1001 on %s, daily-requests used %d of 500;"
            + " ledger events today: session %d, u-1001 %d%n",
        moved,
        movedAgain,
        quotas.status(SubjectRef.user("u-1001")).plan(),
        requests,
        sessionEvents,
        userEvents);
    QuotaDecision old =
        quotas.check(UsageRequest.forAnonymous(session).model("gpt-4o-mini").estimatedTokens(1, 1));
    codes.add(old.allowed() ? "OK" : old.denial().code());
    out.println("  the old session now: " + codes.get(codes.size() - 1));

    out.println("-- model- and provider-specific limits of the free plan");
    for (int i = 1; i <= 3; i++) {
      codes.add(call(quotas, out, "claude-3-opus-20240229", "anthropic", 200));
    }
    for (int i = 1; i <= 4; i++) {
      codes.add(call(quotas, out, "claude-3-5-sonnet-20241022", "anthropic", 1_000));
    }
    codes.add(call(quotas, out, "gpt-4o-mini", "openai", 1_000));

    out.println("-- estimate versus actual: reserve 2,000 output tokens, use fewer");
    long before =
        quotas.status(SubjectRef.user("u-1001")).limit("daily-tokens").orElseThrow().used();
    String prompt = "Summarise the attached meeting notes for the team. ".repeat(20);
    long estimated;
    long actual;
    String id;
    try (Reservation r =
        quotas.reserve(
            UsageRequest.forUser("u-1001")
                .provider("openai")
                .model("gpt-4o-mini")
                .operation("chat")
                .estimatedTokens(prompt, 2_000))) {
      estimated = r.estimatedInputTokens() + r.grantedMaxOutputTokens();
      ChatResult a = mini.call(prompt, r.grantedMaxOutputTokens());
      actual = a.totalTokens();
      r.commit(Usage.of(a.promptTokens(), a.completionTokens()));
      id = r.id();
    }
    long after =
        quotas.status(SubjectRef.user("u-1001")).limit("daily-tokens").orElseThrow().used();
    UsageEvent ledger =
        quotas.store().findEvents(EventQuery.all(10_000)).stream()
            .filter(e -> e.eventId().equals(id))
            .findFirst()
            .orElseThrow();
    out.printf(
        Locale.ROOT,
        "  estimated %d, actual %d (ledger: estimated %d, used %d); daily-tokens %d -> %d%n",
        estimated,
        actual,
        ledger.estimatedTokens(),
        ledger.totalTokens(),
        before,
        after);

    out.println("-- a background sync of finished tasks, retried after a network error");
    List<TaskUsage> batch =
        List.of(
            new TaskUsage("t-1", "u-1001", "gpt-4o-mini", 1_200, 300),
            new TaskUsage("t-2", "u-1001", "gpt-4o-mini", 800, 200),
            new TaskUsage("t-3", "u-1001", "gpt-4o-mini", 2_000, 500));
    int[] calls = {0};
    UsageRecorder flaky =
        (eventId, request, usage) -> {
          if (++calls[0] == 3) {
            throw new IllegalStateException("connection reset"); // the third call of attempt 1
          }
          return quotas.record(eventId, request, usage);
        };
    int[] outcome = sync(flaky, batch, 5);
    long afterSync =
        quotas.status(SubjectRef.user("u-1001")).limit("daily-tokens").orElseThrow().used();
    out.printf(
        Locale.ROOT,
        "  attempt %d succeeded: %d new, %d already recorded; daily-tokens %d -> %d (+%d)%n",
        outcome[2],
        outcome[0],
        outcome[1],
        after,
        afterSync,
        afterSync - after);

    out.println("-- u-1001's usage status (seed 004's /api/usage/status)");
    HealthSummary health = UsageReports.of(quotas).health(SubjectRef.user("u-1001"));
    for (HealthLimit l : health.limits()) {
      out.printf(
          Locale.ROOT,
          "  %-28s %-8s %10d / %-10d %5s %%  %s%n",
          l.limitName(),
          l.metric(),
          l.used(),
          l.limit(),
          l.percent().toPlainString(),
          l.level());
    }
    out.printf(
        Locale.ROOT,
        "  healthy: %s, level %s, alerts: %s%n",
        health.healthy(),
        health.level(),
        health.alerts().stream().map(HealthLimit::limitName).toList());
    return new Result(
        codes,
        admitted,
        moved,
        movedAgain,
        requests,
        sessionEvents,
        userEvents,
        estimated,
        actual,
        after - before,
        List.of(outcome[0], outcome[1], outcome[2]),
        afterSync - after,
        health,
        quotas);
  }

  private static String call(
      QuotaManager quotas, PrintStream out, String model, String provider, long maxOutput) {
    QuotaDecision d =
        quotas.tryReserve(
            UsageRequest.forUser("u-1001")
                .provider(provider)
                .model(model)
                .operation("chat")
                .estimatedTokens("Explain the plan in detail.", maxOutput));
    if (!d.allowed()) {
      out.printf(Locale.ROOT, "  %s: %s (%s)%n", model, d.denial().code(), d.denial().limitName());
      return d.denial().code();
    }
    try (Reservation r = d.reservation()) {
      r.commit(Usage.of(20, r.grantedMaxOutputTokens() / 2));
    }
    out.printf(Locale.ROOT, "  %s: admitted%n", model);
    return "OK";
  }

  /** Runs the scenario on standard output. */
  public static void main(String[] args) {
    var unused = run(System.out);
  }
}
