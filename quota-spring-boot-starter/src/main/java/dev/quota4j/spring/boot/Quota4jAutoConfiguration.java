package dev.quota4j.spring.boot;

import dev.quota4j.FailMode;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Retention;
import dev.quota4j.UsageJournal;
import dev.quota4j.http.Exposure;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.micrometer.QuotaMetrics;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spring.boot.web.QuotaExceptionHandler;
import dev.quota4j.spring.boot.web.QuotaHttpAnswers;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;

/**
 * quota4j on Spring Boot: a {@link QuotaManager} built from {@code quota4j.*} properties on a
 * {@link JdbcQuotaStore} over the application's {@link DataSource} (in memory, with a warning, when
 * there is none), with {@link UsageReports}, {@link QuotaAdmin}, scheduled {@link Retention},
 * Micrometer meters when Micrometer is present, and problem-detail answers in a servlet web
 * application. Every bean backs off when the application defines its own; {@code
 * quota4j.enabled=false} switches all of it off.
 *
 * <p>The manager hears every {@link QuotaListener} bean, and reads time from the application's
 * {@link Clock} bean when it has exactly one (the system UTC clock otherwise).
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration"
    })
@ConditionalOnBooleanProperty(name = "quota4j.enabled", matchIfMissing = true)
@EnableConfigurationProperties(Quota4jProperties.class)
public class Quota4jAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(Quota4jAutoConfiguration.class);

  /** Creates the auto-configuration. */
  public Quota4jAutoConfiguration() {}

  /** The policy from {@code quota4j.plans}, {@code quota4j.system-limits} and the defaults. */
  @Bean
  @ConditionalOnMissingBean
  public QuotaPolicy quotaPolicy(Quota4jProperties properties) {
    return Quota4jConfig.policy(properties);
  }

  /** The store on the application's data source. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean(DataSource.class)
  static class JdbcStoreConfiguration {
    @Bean
    @ConditionalOnMissingBean(QuotaStore.class)
    JdbcQuotaStore quotaStore(DataSource dataSource, Quota4jProperties properties) {
      JdbcQuotaStore.Builder b =
          JdbcQuotaStore.builder()
              .dataSource(dataSource)
              .schemaMode(properties.getStore().getSchemaMode())
              .reportCounters(properties.getStore().isReportCounters());
      return Quota4jConfig.tablePrefix(b, properties).build();
    }
  }

  /** An in-memory store, when the application has no data source. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean(DataSource.class)
  static class MemoryStoreConfiguration {
    @Bean
    @ConditionalOnMissingBean(QuotaStore.class)
    InMemoryQuotaStore quotaStore() {
      LOG.warn(
          "quota4j: the application has no DataSource, so usage is counted in memory: it is lost"
              + " on restart and not shared between instances");
      return new InMemoryQuotaStore();
    }
  }

  /** Micrometer meters, bound by Boot to every meter registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, QuotaMetrics.class})
  static class MetricsConfiguration {
    @Bean
    @ConditionalOnMissingBean
    QuotaMetrics quotaMetrics() {
      return new QuotaMetrics();
    }

    @Bean
    ManagerHook quotaMetricsHook(QuotaMetrics metrics) {
      return new ManagerHook() {
        @Override
        public QuotaStore store(QuotaStore store) {
          return metrics.timed(store);
        }

        @Override
        public void built(QuotaManager manager) {
          var unused = metrics.monitor(manager);
        }
      };
    }
  }

  /** What an optional part does to the manager as it is built (so that its classes stay apart). */
  interface ManagerHook {
    /** The store the manager is built on, in place of {@code store}. */
    QuotaStore store(QuotaStore store);

    /** Called once the manager is built. */
    void built(QuotaManager manager);
  }

  /** The manager. */
  @Bean
  @ConditionalOnMissingBean
  public QuotaManager quotaManager(
      QuotaPolicy policy,
      QuotaStore store,
      Quota4jProperties properties,
      ObjectProvider<QuotaListener> listeners,
      ObjectProvider<Clock> clock,
      ObjectProvider<ManagerHook> hooks) {
    QuotaManager.Builder b =
        QuotaManager.builder()
            .policy(policy)
            .clock(clock.getIfUnique(Clock::systemUTC))
            .failMode(properties.getFailMode())
            .leaseDuration(Quota4jConfig.lease(properties));
    for (QuotaListener l : listeners.orderedStream().toList()) {
      b.listener(l);
    }
    Path journal = properties.getJournalPath();
    if (journal != null) {
      if (properties.getFailMode() != FailMode.FAIL_OPEN) {
        throw Quota4jConfig.invalid(
            "quota4j.journal-path", journal, "is only used with quota4j.fail-mode=FAIL_OPEN");
      }
      b.journal(UsageJournal.file(journal));
    }
    List<ManagerHook> all = hooks.orderedStream().toList();
    QuotaStore used = store;
    for (ManagerHook h : all) {
      used = h.store(used);
    }
    QuotaManager manager = b.store(used).build();
    all.forEach(h -> h.built(manager));
    return manager;
  }

  /** Reports over the manager's store. */
  @Bean
  @ConditionalOnMissingBean
  public UsageReports usageReports(QuotaManager manager) {
    return UsageReports.of(manager);
  }

  /** Administration: plans, overrides, resets, migrations. */
  @Bean
  @ConditionalOnMissingBean
  public QuotaAdmin quotaAdmin(QuotaManager manager) {
    return QuotaAdmin.of(manager);
  }

  /** Headers and problem details, for any web stack. */
  @Bean
  @ConditionalOnMissingBean
  public QuotaHttpAnswers quotaHttpAnswers(QuotaManager manager, Quota4jProperties properties) {
    return new QuotaHttpAnswers(
        manager.clock(),
        new Exposure(properties.getHttp().getExposedSubjects()),
        properties.getHttp().getProblemTypeBase());
  }

  /** Retention, compaction, lease reclaim and journal replay on a schedule. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = "quota4j.retention.enabled", matchIfMissing = true)
  static class MaintenanceConfiguration {
    @Bean
    @ConditionalOnMissingBean
    Retention quotaRetention(QuotaManager manager, Quota4jProperties properties) {
      return Retention.of(manager, Quota4jConfig.retention(properties.getRetention()));
    }

    @Bean
    @ConditionalOnMissingBean
    Quota4jMaintenance quota4jMaintenance(
        Retention retention,
        QuotaManager manager,
        Quota4jProperties properties,
        ObjectProvider<TaskScheduler> scheduler) {
      Quota4jProperties.Retention r = properties.getRetention();
      return new Quota4jMaintenance(
          retention,
          manager,
          Quota4jConfig.positive("quota4j.retention.interval", r.getInterval()),
          Quota4jConfig.positive(
              "quota4j.retention.maintenance-interval", r.getMaintenanceInterval()),
          scheduler.getIfUnique());
    }
  }

  /** {@link dev.quota4j.QuotaExceededException} as a problem detail with headers. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
  @ConditionalOnBooleanProperty(name = "quota4j.http.problem-details", matchIfMissing = true)
  static class WebConfiguration {
    @Bean
    @ConditionalOnMissingBean
    QuotaExceptionHandler quotaExceptionHandler(QuotaHttpAnswers answers) {
      return new QuotaExceptionHandler(answers);
    }
  }
}
