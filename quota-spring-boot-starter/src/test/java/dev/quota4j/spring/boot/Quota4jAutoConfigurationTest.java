package dev.quota4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota4j.FailMode;
import dev.quota4j.Limit;
import dev.quota4j.LimitMode;
import dev.quota4j.Metric;
import dev.quota4j.Overshoot;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.Retention;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.UnknownSubjects;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.micrometer.QuotaMetrics;
import dev.quota4j.micrometer.TimedQuotaStore;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spring.boot.web.QuotaExceptionHandler;
import dev.quota4j.spring.boot.web.QuotaHttpAnswers;
import dev.quota4j.testing.MutableClock;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The auto-configuration, against Spring Boot's own context runner: groups, conditions, values. */
class Quota4jAutoConfigurationTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(Quota4jAutoConfiguration.class))
          .withBean(Clock.class, () -> clock)
          .withPropertyValues("quota4j.retention.enabled=false");

  private static DataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:boot" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  // ---------------------------------------------------------------- conditions

  @Test
  void withoutADataSourceTheStoreIsInMemoryAndEveryBeanIsThere() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx).hasSingleBean(InMemoryQuotaStore.class);
          assertThat(ctx).hasSingleBean(QuotaManager.class);
          assertThat(ctx).hasSingleBean(UsageReports.class);
          assertThat(ctx).hasSingleBean(QuotaAdmin.class);
          assertThat(ctx).hasSingleBean(QuotaHttpAnswers.class);
          assertThat(ctx).hasSingleBean(QuotaMetrics.class);
          assertThat(ctx.getBean(QuotaManager.class).clock()).isSameAs(clock);
        });
  }

  @Test
  void withADataSourceTheStoreIsJdbcAndInstallsItsSchemaWhenAsked() {
    runner
        .withBean(DataSource.class, Quota4jAutoConfigurationTest::h2)
        .withPropertyValues("quota4j.store.schema-mode=install", "quota4j.store.table-prefix=qb_")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx).hasSingleBean(JdbcQuotaStore.class);
              assertThat(ctx).doesNotHaveBean(InMemoryQuotaStore.class);
              QuotaManager m = ctx.getBean(QuotaManager.class);
              try (var conn = ctx.getBean(DataSource.class).getConnection();
                  var rs = conn.getMetaData().getTables(null, null, "QB_COUNTERS", null)) {
                assertThat(rs.next()).as("table with the configured prefix").isTrue();
              }
              m.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0)).close();
            });
  }

  @Test
  void theDefaultSchemaModeValidatesAndFailsOnAnEmptyDatabase() {
    runner
        .withBean(DataSource.class, Quota4jAutoConfigurationTest::h2)
        .run(ctx -> assertThat(ctx).hasFailed());
  }

  @Test
  void enabledFalseSwitchesEverythingOff() {
    runner
        .withPropertyValues("quota4j.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx).doesNotHaveBean(QuotaManager.class);
              assertThat(ctx).doesNotHaveBean(QuotaStore.class);
              assertThat(ctx).doesNotHaveBean(QuotaPolicy.class);
            });
  }

  @Test
  void everyBeanBacksOffForTheApplicationsOwn() {
    InMemoryQuotaStore own = new InMemoryQuotaStore();
    QuotaPolicy policy = QuotaPolicy.builder().build();
    runner
        .withBean(QuotaStore.class, () -> own)
        .withBean(QuotaPolicy.class, () -> policy)
        .withBean(
            QuotaHttpAnswers.class,
            () -> new QuotaHttpAnswers(clock, dev.quota4j.http.Exposure.CALLER, null))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx.getBean(QuotaStore.class)).isSameAs(own);
              assertThat(ctx.getBean(QuotaPolicy.class)).isSameAs(policy);
              QuotaManager m = ctx.getBean(QuotaManager.class);
              assertThat(m.policy()).isSameAs(policy);
              assertThat(((TimedQuotaStore) m.store()).delegate()).isSameAs(own);
            });
  }

  @Test
  void withMicrometerTheStoreIsTimedAndWithoutItNot() {
    runner.run(
        ctx ->
            assertThat(ctx.getBean(QuotaManager.class).store())
                .isInstanceOf(TimedQuotaStore.class));
    runner
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx).doesNotHaveBean(QuotaMetrics.class);
              assertThat(ctx.getBean(QuotaManager.class).store())
                  .isInstanceOf(InMemoryQuotaStore.class);
            });
  }

  @Test
  void theManagerHearsEveryListenerBean() {
    List<String> heard = new ArrayList<>();
    QuotaListener listener =
        new QuotaListener() {
          @Override
          public void onAdmitted(UsageRequest request, Reservation reservation) {
            heard.add("admitted");
          }
        };
    runner
        .withBean(QuotaListener.class, () -> listener)
        .run(
            ctx -> {
              ctx.getBean(QuotaManager.class)
                  .reserve(UsageRequest.forUser("u").estimatedTokens(1, 0))
                  .close();
              assertThat(heard).containsExactly("admitted");
            });
  }

  @Test
  void aServletWebApplicationGetsTheProblemHandlerUnlessSwitchedOff() {
    WebApplicationContextRunner web =
        new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(Quota4jAutoConfiguration.class))
            .withPropertyValues("quota4j.retention.enabled=false");
    web.run(ctx -> assertThat(ctx).hasSingleBean(QuotaExceptionHandler.class));
    web.withPropertyValues("quota4j.http.problem-details=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean(QuotaExceptionHandler.class));
    runner.run(ctx -> assertThat(ctx).doesNotHaveBean(QuotaExceptionHandler.class));
  }

  // ---------------------------------------------------------------- property groups

  @Test
  void plansLimitsGatesAndDefaultPlans() {
    runner
        .withPropertyValues(
            "quota4j.plans.free.limits.daily-tokens.amount=10000",
            "quota4j.plans.free.limits.daily-tokens.thresholds=80,100",
            "quota4j.plans.free.limits.hourly-requests.metric=requests",
            "quota4j.plans.free.limits.hourly-requests.window=hour",
            "quota4j.plans.free.limits.hourly-requests.amount=20",
            "quota4j.plans.free.limits.hourly-requests.mode=soft",
            "quota4j.plans.free.deny-operations=planning",
            "quota4j.plans.free.deny-models=gpt-5",
            "quota4j.plans.pro.limits.monthly-cost.metric=cost",
            "quota4j.plans.pro.limits.monthly-cost.window=month",
            "quota4j.plans.pro.limits.monthly-cost.cost=25.50",
            "quota4j.plans.pro.limits.gpt4o-tokens.amount=5000",
            "quota4j.plans.pro.limits.gpt4o-tokens.models=gpt-4o",
            "quota4j.plans.pro.limits.gpt4o-tokens.overshoot=clamp",
            "quota4j.default-plan=free",
            "quota4j.default-plans.api-key=pro")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              QuotaPolicy p = ctx.getBean(QuotaPolicy.class);
              Plan free = p.plan("free");
              Limit tokens = free.limit("daily-tokens");
              assertThat(tokens.metric()).isEqualTo(Metric.TOKENS);
              assertThat(tokens.window()).isEqualTo(Window.DAY);
              assertThat(tokens.amount()).isEqualTo(10_000);
              assertThat(tokens.thresholds()).containsExactly(80, 100);
              Limit requests = free.limit("hourly-requests");
              assertThat(requests.metric()).isEqualTo(Metric.REQUESTS);
              assertThat(requests.window()).isEqualTo(Window.HOUR);
              assertThat(requests.mode()).isEqualTo(LimitMode.SOFT);
              assertThat(free.allowsOperation("planning")).isFalse();
              assertThat(free.allowsModel("gpt-5-mini")).isFalse();
              Plan pro = p.plan("pro");
              assertThat(pro.limit("monthly-cost").amount()).isEqualTo(25_500_000L);
              assertThat(pro.limit("gpt4o-tokens").models()).containsExactly("gpt-4o");
              assertThat(pro.limit("gpt4o-tokens").overshoot()).isEqualTo(Overshoot.CLAMP);
              assertThat(p.defaultPlan()).isEqualTo("free");
              assertThat(p.defaultPlanFor(SubjectKind.API_KEY)).isEqualTo("pro");

              QuotaManager m = ctx.getBean(QuotaManager.class);
              QuotaDecision d = m.tryReserve(UsageRequest.forUser("u").estimatedTokens(10_001, 0));
              assertThat(d.allowed()).isFalse();
              assertThat(d.denial().limitName()).isEqualTo("daily-tokens");
            });
  }

  @Test
  void systemLimitsZoneAndUnknownSubjects() {
    runner
        .withPropertyValues(
            "quota4j.system-limits.system-hourly-tokens.window=hour",
            "quota4j.system-limits.system-hourly-tokens.amount=60000",
            "quota4j.zone=Europe/Berlin",
            "quota4j.unknown-subjects=deny")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              QuotaPolicy p = ctx.getBean(QuotaPolicy.class);
              Limit system = p.limits().get(0);
              assertThat(system.name()).isEqualTo("system-hourly-tokens");
              assertThat(system.appliesTo()).isEqualTo(SubjectKind.SYSTEM);
              assertThat(system.amount()).isEqualTo(60_000);
              assertThat(p.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
              assertThat(p.unknownSubjects()).isEqualTo(UnknownSubjects.DENY);
              assertThat(
                      ctx.getBean(QuotaManager.class)
                          .tryReserve(UsageRequest.forUser("nobody").estimatedTokens(1, 0))
                          .denial()
                          .code())
                  .isEqualTo("USER_NOT_FOUND");
            });
  }

  @Test
  void failModeJournalAndLease(@TempDir Path dir) {
    runner
        .withPropertyValues(
            "quota4j.fail-mode=fail-open",
            "quota4j.journal-path=" + dir.resolve("journal.log"),
            "quota4j.lease=90s")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              QuotaManager m = ctx.getBean(QuotaManager.class);
              try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0))) {
                assertThat(r.leaseUntil()).isEqualTo(clock.instant().plus(Duration.ofSeconds(90)));
              }
              assertThat(dir.resolve("journal.log")).exists();
              assertThat(ctx.getBean(Quota4jProperties.class).getFailMode())
                  .isEqualTo(FailMode.FAIL_OPEN);
            });
  }

  @Test
  void retentionIsScheduledOnTheApplicationsSchedulerAndCanBeSwitchedOff() {
    RecordingScheduler scheduler = new RecordingScheduler();
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(Quota4jAutoConfiguration.class))
        .withBean(Clock.class, () -> clock)
        .withBean(org.springframework.scheduling.TaskScheduler.class, () -> scheduler)
        .withPropertyValues(
            "quota4j.retention.event-age=30d",
            "quota4j.retention.counter-age=2d",
            "quota4j.retention.interval=2h",
            "quota4j.retention.maintenance-interval=30s")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              Retention r = ctx.getBean(Retention.class);
              assertThat(r.policy().eventAge()).isEqualTo(Duration.ofDays(30));
              assertThat(r.policy().counterAge()).isEqualTo(Duration.ofDays(2));
              assertThat(scheduler.delays)
                  .containsExactly(Duration.ofHours(2), Duration.ofSeconds(30));
              scheduler.tasks.forEach(Runnable::run); // a run on an empty store does no harm
            });
    assertThat(scheduler.cancelled).isEqualTo(2);
    runner.run(ctx -> assertThat(ctx).doesNotHaveBean(Quota4jMaintenance.class));
  }

  @Test
  void httpExposureAndProblemTypes() {
    runner
        .withPropertyValues(
            "quota4j.http.exposed-subjects=user,tenant",
            "quota4j.http.problem-type-base=https://api.example.com/problems/",
            "quota4j.plans.default.limits.daily.amount=5")
        .run(
            ctx -> {
              QuotaManager m = ctx.getBean(QuotaManager.class);
              var denial = m.tryReserve(UsageRequest.forUser("u").estimatedTokens(6, 0)).denial();
              var problem = ctx.getBean(QuotaHttpAnswers.class).problem(denial);
              assertThat(problem.type().toString())
                  .isEqualTo("https://api.example.com/problems/daily-token-quota-exceeded");
              assertThat(problem.properties()).containsEntry("limit", "daily");
              assertThat(m.status(SubjectRef.user("u")).limits()).isNotEmpty();
            });
  }

  // ---------------------------------------------------------------- bad values

  private void failsNaming(String property, String value, String... more) {
    List<String> props = new ArrayList<>(List.of(more));
    props.add(property + "=" + value);
    runner
        .withPropertyValues(props.toArray(String[]::new))
        .run(ctx -> assertFailureNames(ctx, property, value));
  }

  private static void assertFailureNames(
      AssertableApplicationContext ctx, String property, String value) {
    assertThat(ctx).hasFailed();
    StringBuilder chain = new StringBuilder();
    for (Throwable t = ctx.getStartupFailure(); t != null; t = t.getCause()) {
      chain.append(t.getMessage()).append('\n');
    }
    assertThat(chain.toString()).contains(property).contains(value);
  }

  @Test
  void badValuesFailStartUpNamingThePropertyAndTheValue() {
    failsNaming("quota4j.lease", "-5s");
    failsNaming("quota4j.zone", "Mars/Olympus");
    failsNaming("quota4j.fail-mode", "sometimes");
    failsNaming("quota4j.unknown-subjects", "ignore");
    failsNaming("quota4j.plans.free.limits.daily.amount", "-5");
    failsNaming(
        "quota4j.plans.free.limits.daily.window",
        "fortnight",
        "quota4j.plans.free.limits.daily.amount=5");
    failsNaming(
        "quota4j.plans.free.limits.daily.metric",
        "bytes",
        "quota4j.plans.free.limits.daily.amount=5");
    failsNaming(
        "quota4j.plans.free.limits.daily.thresholds",
        "0",
        "quota4j.plans.free.limits.daily.amount=5");
    failsNaming(
        "quota4j.plans.free.limits.daily.cost",
        "-1",
        "quota4j.plans.free.limits.daily.metric=cost");
    failsNaming("quota4j.default-plan", "gold", "quota4j.plans.free.limits.daily.amount=5");
    failsNaming("quota4j.default-plans.user", "gold", "quota4j.plans.free.limits.daily.amount=5");
    failsNaming("quota4j.system-limits.cap.amount", "0");
    failsNaming("quota4j.journal-path", "/tmp/j.log");
    failsNaming("quota4j.retention.event-age", "1h", "quota4j.retention.enabled=true");
    failsNaming("quota4j.retention.interval", "0s", "quota4j.retention.enabled=true");
    runner
        .withBean(DataSource.class, Quota4jAutoConfigurationTest::h2)
        .withPropertyValues("quota4j.store.table-prefix=Bad-Prefix")
        .run(ctx -> assertFailureNames(ctx, "quota4j.store.table-prefix", "Bad-Prefix"));
    failsNaming("quota4j.store.schema-mode", "drop");
  }

  @Test
  void aLimitWithoutAnAmountIsNamed() {
    runner
        .withPropertyValues("quota4j.plans.free.limits.daily.window=day")
        .run(ctx -> assertFailureNames(ctx, "quota4j.plans.free.limits.daily.amount", "(unset)"));
    runner
        .withPropertyValues(
            "quota4j.plans.free.limits.daily.metric=cost",
            "quota4j.plans.free.limits.daily.amount=5")
        .run(ctx -> assertFailureNames(ctx, "quota4j.plans.free.limits.daily.cost", "(unset)"));
  }
}
