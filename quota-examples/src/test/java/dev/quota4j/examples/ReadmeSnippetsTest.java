package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.SubjectRef;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** Runs every README code block other than the quick start (see {@link ReadmeSnippets}). */
class ReadmeSnippetsTest {
  @Test
  void environment() {
    QuotaManager q = ReadmeSnippets.fromEnvironment(new InMemoryQuotaStore());
    assertTrue(
        q.policy().limits().stream()
            .anyMatch(l -> l.name().equals(EnvironmentPolicy.SYSTEM_HOURLY_TOKENS)));
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
    String denied = ReadmeSnippets.workflow(q); // 1,120 used: 1,400 more do not fit
    assertTrue(denied.startsWith("{\"error_code\":\"DAILY_TOKEN_QUOTA_EXCEEDED\""), denied);
  }
}
