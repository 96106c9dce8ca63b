package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Retention;
import dev.quota4j.RetentionPolicy;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.jdbc.JdbcDialect;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.HourLoad;
import dev.quota4j.reports.KeyState;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.TrendDirection;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.MutableClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every README code block other than the quick start (see {@link ReadmeSnippets}). */
class ReadmeSnippetsTest {
  @Test
  void environment() {
    QuotaManager q = ReadmeSnippets.fromEnvironment(new InMemoryQuotaStore());
    assertTrue(
        q.policy().limits().stream()
            .anyMatch(l -> l.name().equals(EnvironmentPolicy.SYSTEM_HOURLY_TOKENS)));
  }

  /** The recipe on H2, in a schema that already holds the host's table and Flyway history. */
  @Test
  void flywayBesideTheHostsOwn() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:readme-flyway;DB_CLOSE_DELAY=-1");
    try (java.sql.Connection c = ds.getConnection();
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)");
      st.execute("CREATE TABLE \"flyway_schema_history\" (\"installed_rank\" INT PRIMARY KEY)");
    }
    try (JdbcQuotaStore store = ReadmeSnippets.flyway(ds, JdbcDialect.H2)) {
      QuotaManager q = QuotaManager.builder().store(store).defaultLogging(false).build();
      assertTrue(ReadmeSnippets.record(q), "the store works on the migrated tables");
    }
  }

  @Test
  void hotLimit() {
    org.junit.jupiter.api.Assertions.assertEquals(32, ReadmeSnippets.hotLimit().storeStripes());
    org.junit.jupiter.api.Assertions.assertEquals(
        16,
        dev.quota4j.Limit.of("s", dev.quota4j.Metric.TOKENS, dev.quota4j.Window.HOUR, 1)
            .appliesTo(dev.quota4j.SubjectKind.SYSTEM)
            .storeStripes());
  }

  @Test
  void jdbc() throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:readme;DB_CLOSE_DELAY=-1");
    List<QuotaStore> stores = ReadmeSnippets.jdbc("jdbc:h2:mem:readme;DB_CLOSE_DELAY=-1", ds);
    QuotaManager q = QuotaManager.builder().store(stores.get(1)).defaultLogging(false).build();
    assertTrue(ReadmeSnippets.record(q), "the shared store works on the installed tables");
    for (QuotaStore s : stores) {
      s.close();
    }
  }

  @Test
  void listenerWorkflowAndRecord() {
    QuotaManager.Builder b =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .defaultLogging(false)
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder(QuotaPolicy.DEFAULT_PLAN)
                            .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 1_480))
                            .build())
                    .build());
    List<String> alerts = ReadmeSnippets.listener(b);
    QuotaManager q = b.build();
    assertEquals("ok", ReadmeSnippets.workflow(q));
    assertEquals(List.of(), alerts, "550 of 1,480");
    assertTrue(ReadmeSnippets.record(q));
    assertEquals(List.of("user:'u-42' is at 75 % of user-daily-tokens"), alerts, "1,120 of 1,480");
    assertFalse(ReadmeSnippets.record(q), "the same event id is recorded once");
    assertEquals(
        550 + 570,
        q.status(SubjectRef.user("u-42")).limit("user-daily-tokens").orElseThrow().used());
    ReadmeSnippets.Check pre = ReadmeSnippets.check(q); // 2,000 asked, 360 left
    assertEquals(java.util.OptionalLong.of(1_480 - 1_120), pre.left());
    assertEquals(
        List.of(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED),
        pre.reasons().stream().map(QuotaDenial::code).toList());
    String denied = ReadmeSnippets.workflow(q); // 1,120 used: 1,400 more do not fit
    assertTrue(denied.startsWith("{\"error_code\":\"DAILY_TOKEN_QUOTA_EXCEEDED\""), denied);
  }

  /**
   * The reports, CSV, admin and retention snippets, in that order, on a day of recorded usage: each
   * figure they give is checked against what was recorded.
   */
  @Test
  void reportsCsvAdminAndRetention(@TempDir Path dir) throws IOException {
    MutableClock clock = MutableClock.at("2026-11-25T12:00:00Z");
    QuotaManager q =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .clock(clock)
            .defaultLogging(false)
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 5_000))
                            .build())
                    .plan(
                        Plan.builder("pro")
                            .limit(
                                Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 100_000))
                            .build())
                    .plan(
                        Plan.builder("anonymous")
                            .limit(Limit.of("session-daily-tokens", Metric.TOKENS, Window.DAY, 900))
                            .build())
                    .defaultPlan("free")
                    .defaultPlan(SubjectKind.ANONYMOUS, "anonymous")
                    .limit(
                        Limit.of("key-daily-characters", Metric.CHARACTERS, Window.DAY, 10_000)
                            .appliesTo(SubjectKind.PROVIDER_KEY))
                    .build())
            .build();
    assertTrue(
        q.record(
            "e-1",
            UsageRequest.forUser("u-42").agent("gmail_agent").providerKey("groq_1").build(),
            Usage.of(400, 200).withCharacters(4_000)));
    assertTrue(
        q.record(
            "e-2", UsageRequest.forUser("u-7").agent("docs_agent").build(), Usage.of(100, 50)));
    assertTrue(q.record("e-3", UsageRequest.forAnonymous("s-1").build(), Usage.of(200, 100)));
    clock.advance(Duration.ofMinutes(1));

    ReadmeSnippets.Reports r = ReadmeSnippets.reports(q);
    assertEquals(
        List.of("s-1:300", "u-42:600", "u-7:150"),
        r.perUserPerDay().stream()
            .map(d -> d.subject().id() + ":" + d.totalTokens())
            .sorted()
            .toList());
    assertEquals("gmail_agent", r.topAgents().get(0).agent());
    assertEquals(600, r.topAgents().get(0).totalTokens());
    assertEquals(25, r.load().size(), "every hour the range touches: 11:00 yesterday to 12:00");
    assertEquals(1_050, r.load().stream().mapToLong(HourLoad::totalTokens).sum());
    assertEquals(TrendDirection.STABLE, r.trend().direction(), "no full day yet");
    assertEquals(new BigDecimal("60.0"), r.keys().get(0).remainingPercent(), "4,000 of 10,000");
    assertEquals(KeyState.AVAILABLE, r.keys().get(0).state());

    Instant to = clock.instant();
    Path file = dir.resolve("daily.csv");
    ReadmeSnippets.csv(UsageReports.of(q), to.minus(Duration.ofDays(7)), to, file);
    List<List<String>> csv = Csv.parse(Files.readString(file));
    assertEquals(SubjectDay.HEADER, csv.get(0));
    assertEquals(
        r.perUserPerDay().stream().map(SubjectDay::csvValues).toList(), csv.subList(1, csv.size()));

    Instant from = to.minus(Duration.ofDays(7));
    assertEquals(3, ReadmeSnippets.paging(UsageReports.of(q), from, to));
    Path export = dir.resolve("export.csv");
    assertEquals(3, ReadmeSnippets.export(UsageReports.of(q), from, to, export));
    assertEquals(Files.readString(file), Files.readString(export), "the same CSV as the list");

    ReadmeSnippets.admin(q, "s-1");
    LimitStatus u42 = q.status(SubjectRef.user("u-42")).limit("user-daily-tokens").orElseThrow();
    assertEquals("pro", q.status(SubjectRef.user("u-42")).plan());
    assertEquals(100_000, u42.limit());
    assertEquals(600 + 300, u42.used(), "its own usage and the session's");
    assertEquals(
        50_000 + 10_000,
        q.status(SubjectRef.user("u-7")).limit("user-daily-tokens").orElseThrow().limit());
    assertEquals(
        0,
        q.status(SubjectRef.providerKey("groq_1"))
            .limit("key-daily-characters")
            .orElseThrow()
            .used());
    QuotaDecision inactive = q.tryReserve(UsageRequest.forUser("u-13").estimatedTokens(10, 10));
    assertEquals(DenialCodes.USER_INACTIVE, inactive.denial().code());

    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try {
      ScheduledFuture<?> job = ReadmeSnippets.retention(q, executor);
      assertFalse(job.isDone(), "runs every hour until cancelled");
      job.cancel(false);
    } finally {
      executor.shutdownNow();
    }
    Instant day = Instant.parse("2026-11-25T00:00:00Z"); // whole days: purged ones are read by day
    List<SubjectDay> before = UsageReports.of(q).dailyBySubject(day, day.plus(Duration.ofDays(1)));
    clock.advance(Duration.ofDays(91));
    Retention.Result purged = Retention.of(q, RetentionPolicy.defaults()).runOnce();
    assertEquals(
        Instant.parse("2026-11-26T00:00:00Z"), // 2027-02-24T12:01 less 90 days, down to midnight
        purged.eventCutoff());
    assertTrue(purged.eventsPurged() >= 3, purged.toString());
    assertEquals(
        before,
        UsageReports.of(q).dailyBySubject(day, day.plus(Duration.ofDays(1))),
        "a purged day is read from its summary");
  }
}
