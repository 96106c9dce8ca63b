package dev.quota4j.examples;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.Retention;
import dev.quota4j.RetentionPolicy;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.Workflow;
import dev.quota4j.jdbc.JdbcDialect;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.jdbc.SchemaMode;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.HourLoad;
import dev.quota4j.reports.Page;
import dev.quota4j.reports.PageRequest;
import dev.quota4j.reports.ProviderKeyStatus;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.TopEntry;
import dev.quota4j.reports.Trend;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.FixedTokenCounter;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.testing.RecordingListener;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The code blocks of the README other than the quick start, each between {@code README-START} and
 * {@code README-END}; {@code ReadmeTest} checks that the README shows exactly these, and {@code
 * ReadmeSnippetsTest} runs them.
 */
public final class ReadmeSnippets {
  private ReadmeSnippets() {}

  /** Configuration from the seed services' environment variables. */
  public static QuotaManager fromEnvironment(QuotaStore store) {
    // README-START environment
    QuotaManager quotas =
        QuotaManager.builder()
            .store(store)
            .policy(EnvironmentPolicy.fromEnvironment()) // MAX_TOKENS_PER_PLANNING, ...
            .build();
    // README-END
    return quotas;
  }

  /** A hot limit kept in stripes. */
  public static Limit hotLimit() {
    // README-START hot-limit
    Limit system =
        Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, 2_000_000)
            .appliesTo(SubjectKind.SYSTEM) // limits on SYSTEM use 16 stripes unless told otherwise
            .stripes(32); // any limit: 1 keeps one row, 0 is the default
    // README-END
    return system;
  }

  /** A JDBC store from a URL (it owns its pool), then one on the caller's data source. */
  public static List<QuotaStore> jdbc(String jdbcUrl, DataSource dataSource) {
    // README-START jdbc
    // builds and owns a small HikariCP pool; creates the tables that are missing
    JdbcQuotaStore owned =
        JdbcQuotaStore.builder()
            .url(jdbcUrl) // jdbc:h2:file:./data/quota, jdbc:postgresql://..., jdbc:mariadb://...
            .schemaMode(SchemaMode.INSTALL)
            .build();

    // or: your own pool, which quota4j never closes; VALIDATE (the default) checks the tables
    JdbcQuotaStore shared = JdbcQuotaStore.builder().dataSource(dataSource).build();
    // README-END
    return List.of(owned, shared);
  }

  /** quota4j's scripts through a Flyway of their own, in a schema the host migrates with Flyway. */
  public static JdbcQuotaStore flyway(DataSource dataSource, JdbcDialect dialect) {
    // README-START flyway
    Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:" + dialect.schemaLocation()) // every V<n>__*.sql of the folder
        .table("quota_flyway_history") // a history of its own, beside your flyway_schema_history
        .baselineOnMigrate(true) // your tables are in the schema already,
        .baselineVersion("0") // and quota4j's V1 must still run
        .placeholders(Map.of("table_prefix", "quota_"))
        .load()
        .migrate();
    JdbcQuotaStore store = JdbcQuotaStore.builder().dataSource(dataSource).build(); // VALIDATE
    // README-END
    return store;
  }

  /** Thresholds to your alerting. */
  public static List<String> listener(QuotaManager.Builder builder) {
    List<String> alerts = new ArrayList<>();
    // README-START listener
    builder.listener(
        new QuotaListener() {
          @Override
          public void onThreshold(ThresholdEvent e) { // 75, 90, 100 % by default, once a window
            alerts.add(e.subject() + " is at " + e.percent() + " % of " + e.limitName());
          }
        });
    // README-END
    return alerts;
  }

  /** What {@link #unitTest} saw: the answers a host's test asserts on. */
  public record UnitTestOutcome(boolean fits, String code, boolean tomorrow) {}

  /** A host's unit test with the fakes of {@code dev.quota4j.testing}, minus its assertions. */
  public static UnitTestOutcome unitTest() {
    // README-START testing
    MutableClock clock = MutableClock.at("2026-11-25T23:59:00Z"); // moves only when told
    RecordingListener heard = new RecordingListener(); // keeps what listeners were told
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                            .build())
                    .build())
            .clock(clock)
            .tokenCounter(FixedTokenCounter.always(600)) // every prompt counts as 600 tokens
            .listener(heard)
            .build();
    UsageRequest ask = UsageRequest.forUser("u-42").estimatedTokens("any prompt", 0).build();
    try (Reservation r = quotas.reserve(ask)) {
      r.commit(Usage.of(600, 0)); // 600 of 1,000 used
    }
    boolean fits = quotas.tryReserve(ask).allowed(); // false: 600 more do not fit today
    String code = heard.denials().get(0).code(); // DAILY_TOKEN_QUOTA_EXCEEDED
    clock.advance(Duration.ofMinutes(1)); // midnight UTC: a new window, no sleeping
    boolean tomorrow = quotas.check(ask).allowed(); // true
    // README-END
    return new UnitTestOutcome(fits, code, tomorrow);
  }

  /** A supervisor's workflow: a concurrency slot, and each call a step. */
  public static String workflow(QuotaManager quotas) {
    // README-START workflow
    try (Workflow wf = quotas.openWorkflow(SubjectRef.user("u-42"))) { // max concurrent workflows
      QuotaDecision d =
          wf.tryReserve( // one step of max steps per workflow
              UsageRequest.forUser("u-42")
                  .operation("agent_call")
                  .agent("gmail_agent")
                  .tool("search_emails")
                  .estimatedTokens(400, 1_000));
      if (!d.allowed()) {
        return Denials.body(d.denial(), quotas.clock().instant()).toString(); // a 429 body
      }
      try (Reservation r = d.reservation()) {
        r.commit(Usage.of(420, 130).withModel("gpt-4o-mini"));
      }
    }
    // README-END
    return "ok";
  }

  /** Usage that was never reserved: an agent service reports it, a sync retries it. */
  public static boolean record(QuotaManager quotas) {
    // README-START record
    boolean firstTime =
        quotas.record(
            "chatcmpl-8f2c", // the provider's response id: a retry records nothing twice
            UsageRequest.forUser("u-42").agent("gmail_agent").build(),
            Usage.of(450, 120).withModel("gpt-3.5-turbo"));
    // README-END
    return firstTime;
  }

  /** What {@link #check} says. */
  public record Check(OptionalLong left, List<QuotaDenial> reasons) {}

  /** A pre-flight check: what is left, and every reason it would be denied. */
  public static Check check(QuotaManager quotas) {
    // README-START check
    QuotaDecision pre = quotas.check(UsageRequest.forUser("u-42").estimatedTokens(1_200, 800));
    OptionalLong left = pre.remaining("user-daily-tokens"); // before this call
    List<QuotaDenial> reasons = pre.denials(); // empty when allowed
    // README-END
    return new Check(left, reasons);
  }

  /** What {@link #reports} read. */
  public record Reports(
      List<SubjectDay> perUserPerDay,
      List<TopEntry> topAgents,
      List<HourLoad> load,
      Trend trend,
      List<ProviderKeyStatus> keys) {}

  /** Reports over the last seven days. */
  public static Reports reports(QuotaManager quotas) {
    // README-START reports
    UsageReports reports = UsageReports.of(quotas);
    Instant to = quotas.clock().instant();
    Instant from = to.minus(Duration.ofDays(7)); // from <= time < to
    List<SubjectDay> perUserPerDay = reports.dailyBySubject(from, to);
    List<TopEntry> topAgents = reports.topAgents(from, to, 10);
    List<HourLoad> load = reports.systemHourlyLoad(to.minus(Duration.ofDays(1)), to);
    Trend trend = reports.trend(SubjectRef.user("u-42"), 14); // the last 14 full days
    List<ProviderKeyStatus> keys = reports.providerKeys(List.of("groq_1", "groq_2"));
    // README-END
    return new Reports(perUserPerDay, topAgents, load, trend, keys);
  }

  /** A report as a CSV file. */
  public static void csv(UsageReports reports, Instant from, Instant to, Path file)
      throws IOException {
    // README-START csv
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      Csv.write(out, SubjectDay.HEADER, reports.dailyBySubject(from, to)); // RFC 4180
    }
    // README-END
  }

  /** Every page of the per-subject-per-day report; returns how many rows they held. */
  public static int paging(UsageReports reports, Instant from, Instant to) {
    int rows = 0;
    // README-START paging
    String cursor = null; // null: the first page
    do {
      Page<SubjectDay> page = reports.dailyBySubject(from, to, new PageRequest(500, cursor));
      rows += page.rows().size(); // show them; hand page.next() to whoever asks for more
      cursor = page.next(); // opaque; null after the last page
    } while (cursor != null);
    // README-END
    return rows;
  }

  /** The per-subject-per-day report exported as CSV, read as it is written. */
  public static long export(UsageReports reports, Instant from, Instant to, Path file)
      throws IOException {
    long written;
    // README-START export
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        Stream<SubjectDay> rows = reports.streamDailyBySubject(from, to)) {
      written = Csv.write(out, SubjectDay.HEADER, rows); // memory flat in the number of rows
    }
    // README-END
    return written;
  }

  /** An operator's changes. */
  public static void admin(QuotaManager quotas, String sessionId) {
    // README-START admin
    QuotaAdmin admin = QuotaAdmin.of(quotas); // each change applies to the next request
    admin.assignPlan(SubjectRef.user("u-42"), "pro"); // an upgrade; the day's usage stays counted
    admin.setOverride(SubjectRef.user("u-7"), "user-daily-tokens", 50_000); // u-7's own limit
    admin.temporaryIncrease(SubjectRef.user("u-7"), "user-daily-tokens", 10_000); // today only
    admin.deactivate(SubjectRef.user("u-13")); // denied with USER_INACTIVE until activate
    admin.reset(SubjectRef.providerKey("groq_1"), "key-daily-characters", "ticket-4711");
    admin.resetProviderKeys(List.of("groq_1", "groq_2"), "ticket-4712"); // every limit of each
    admin.migrateAnonymous( // sign-up: the session's usage becomes the user's, counted once
        SubjectRef.anonymous(sessionId), SubjectRef.user("u-42"), "signup-" + sessionId);
    // README-END
  }

  /** Retention on the caller's executor. */
  public static ScheduledFuture<?> retention(
      QuotaManager quotas, ScheduledExecutorService executor) {
    // README-START retention
    Retention retention =
        Retention.of(quotas, RetentionPolicy.defaults()); // 90 days of events, 7 of counters
    ScheduledFuture<?> job = retention.schedule(executor, Duration.ofHours(1)); // your executor
    // ... job.cancel(false) on shutdown; or call retention.runOnce() from your own scheduler
    // README-END
    return job;
  }
}
