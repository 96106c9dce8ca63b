package dev.quota4j.examples;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Workflow;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.jdbc.SchemaMode;
import dev.quota4j.spi.QuotaStore;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

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
}
