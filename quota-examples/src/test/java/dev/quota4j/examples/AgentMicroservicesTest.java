package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Usage;
import dev.quota4j.examples.AgentMicroservices.Exchange;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runs the example once and checks what it printed and returned. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("unchecked")
class AgentMicroservicesTest {
  private final Output<AgentMicroservices.Result> run = Output.of(AgentMicroservices::run);
  private final List<Exchange> x = run.result.exchanges();

  private Map<String, Object> body(int i) {
    return Json.parseObject(x.get(i).body());
  }

  private List<Map<String, Object>> rows(int i) {
    return (List<Map<String, Object>>) body(i).get("rows");
  }

  private static long num(Map<String, Object> m, String f) {
    return ((BigDecimal) m.get(f)).longValueExact();
  }

  @Test
  void workflowsRunOverHttpUntilTheDailyQuotaDenies() {
    assertEquals(
        List.of(200, 200, 429, 429, 400, 200, 200, 200, 200, 200, 200, 200, 404, 200),
        x.stream().map(Exchange::status).toList(),
        run.text);
    Map<String, Object> denied = body(2);
    assertEquals("DAILY_TOKEN_QUOTA_EXCEEDED", denied.get("error_code"));
    List<Map<String, Object>> done = (List<Map<String, Object>>) denied.get("steps");
    assertEquals("gmail_agent.search_emails", done.get(0).get("step"));
    assertEquals("field user_id must be a non-blank string", body(4).get("error"));
  }

  @Test
  void agentUsageIsRecordedWithItsModelAndTheEstimateWhenMissing() {
    List<Map<String, Object>> alice = (List<Map<String, Object>>) body(0).get("steps");
    assertEquals("gpt-3.5-turbo", alice.get(0).get("model"));
    assertEquals("agent", alice.get(0).get("usage_from"));
    assertEquals("error", alice.get(2).get("status"));
    List<Map<String, Object>> bob = (List<Map<String, Object>>) body(1).get("steps");
    assertEquals("gmail_agent.send_email", bob.get(1).get("step"));
    assertEquals("estimate", bob.get(1).get("usage_from"));
    assertEquals(
        BigDecimal.valueOf(AgentMicroservices.AGENT_MAX_OUTPUT),
        ((BigDecimal) bob.get(1).get("tokens"))
            .min(BigDecimal.valueOf(AgentMicroservices.AGENT_MAX_OUTPUT)),
        "the estimate includes the whole output budget");
  }

  /** Every analytics view adds up to the same tokens, and those are the ledger's. */
  @Test
  void analyticsAnswerJsonThatAddsUpToTheLedger() {
    long ledger =
        run.result.quotas().store().findEvents(EventQuery.all(10_000)).stream()
            .filter(e -> e.status() == EventStatus.SUCCESS || e.status() == EventStatus.ERROR)
            .mapToLong(UsageEvent::totalTokens)
            .sum();
    long byUser = sum(rows(5), "tokens");
    assertTrue(ledger > 0);
    assertEquals(ledger, byUser);
    assertEquals(ledger, sum(rows(6), "tokens"), "agents");
    assertEquals(ledger, sum(rows(7), "tokens"), "tools");
    assertEquals(ledger, sum(rows(8), "tokens"), "operations");
    assertEquals(ledger, sum(rows(9), "tokens"), "hours");
    assertEquals(ledger, sum(rows(10), "tokens"), "agent errors");
    assertEquals(List.of("alice", "bob"), rows(5).stream().map(r -> r.get("user_id")).toList());
    assertEquals(2, sum(rows(5), "denials"), "alice's third and fourth workflows");
    assertEquals(sum(rows(8), "calls"), sum(rows(6), "calls"), "every call named an agent");
  }

  @Test
  void agentErrorRatesAndToolsComeFromTheReports() {
    Map<String, Object> docs =
        rows(10).stream()
            .filter(r -> r.get("agent").equals("docs_agent"))
            .findFirst()
            .orElseThrow();
    assertEquals(1, num(docs, "errors"), docs.toString());
    assertEquals(1, num(docs, "denials"), "the summarise call of the third workflow");
    assertEquals(
        new BigDecimal(num(docs, "errors") * 100)
            .divide(BigDecimal.valueOf(num(docs, "calls")), 2, RoundingMode.HALF_UP),
        docs.get("error_rate_percent"));
    Map<String, Object> createDoc =
        rows(7).stream().filter(r -> "create_doc".equals(r.get("tool"))).findFirst().orElseThrow();
    assertEquals("docs_agent", createDoc.get("agent"));
    assertEquals(1, num(createDoc, "calls"));
    assertTrue(
        ((BigDecimal) createDoc.get("cost_usd")).signum() > 0, "billed tokens of a failed call");
    List<Map<String, Object>> hours = rows(9);
    assertEquals(24, hours.size(), "every hour of the last 24, empty ones as zero");
    assertTrue(
        hours.stream().anyMatch(h -> ((BigDecimal) h.get("capacity_percent")).signum() > 0),
        "a share of the system's hourly limit");
  }

  @Test
  void aWorkflowTraceListsItsCallsInOrder() {
    Map<String, Object> trace = body(11);
    assertEquals("wf-1", trace.get("workflow_id"));
    List<Map<String, Object>> events = (List<Map<String, Object>>) trace.get("events");
    assertEquals(
        List.of("SUCCESS", "SUCCESS", "ERROR", "RELEASED"),
        events.stream().map(e -> e.get("status")).toList(),
        "two calls, the failed one, then the workflow's slot released");
    assertEquals(List.of(1, 2, 3, 4), events.stream().map(e -> (int) num(e, "step")).toList());
    assertEquals("create_doc", events.get(2).get("tool"));
    assertEquals("ERROR", events.get(2).get("error_code"), "a failure given as text");
    assertTrue(num(events.get(2), "tokens") > 0, "what the provider billed");
    assertEquals("workflow", events.get(3).get("operation"));
  }

  /** Seed 001's admin summary: per user, the workflows executed, tokens and cost. */
  @Test
  void theSummaryCountsEachUsersWorkflows() {
    List<UsageEvent> events =
        run.result.quotas().store().findEvents(EventQuery.all(10_000)).stream()
            .filter(
                e ->
                    e.status() == EventStatus.SUCCESS
                        || e.status() == EventStatus.ERROR
                        || e.status() == EventStatus.QUOTA_EXCEEDED)
            .toList();
    List<Map<String, Object>> users = rows(13);
    assertEquals(List.of("alice", "bob"), users.stream().map(r -> r.get("user_id")).toList());
    for (Map<String, Object> u : users) {
      List<UsageEvent> own =
          events.stream().filter(e -> e.subject().id().equals(u.get("user_id"))).toList();
      assertEquals(
          own.stream().map(UsageEvent::workflowId).filter(w -> w != null).distinct().count(),
          num(u, "workflows_executed"),
          u.toString());
      assertEquals(
          own.stream()
              .filter(e -> e.status() != EventStatus.QUOTA_EXCEEDED)
              .mapToLong(UsageEvent::totalTokens)
              .sum(),
          num(u, "total_tokens"));
    }
    assertTrue(num(users.get(0), "workflows_executed") >= 2, users.toString());
  }

  private static long sum(List<Map<String, Object>> rows, String field) {
    return rows.stream().mapToLong(r -> num(r, field)).sum();
  }

  @Test
  void tokenUsageIsReadStrictly() {
    Usage u =
        AgentMicroservices.usageOf(
            Json.parse(
                "{\"prompt_tokens\":450,\"completion_tokens\":120,\"total_tokens\":570,"
                    + "\"model_used\":\"gpt-3.5-turbo\"}"));
    assertEquals(Usage.of(450, 120).withModel("gpt-3.5-turbo"), u);
    assertNull(AgentMicroservices.usageOf(null));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                AgentMicroservices.usageOf(
                    Json.parse("{\"prompt_tokens\":1.5,\"completion_tokens\":1}")));
    assertTrue(e.getMessage().contains("prompt_tokens must be whole"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AgentMicroservices.usageOf(
                Json.parse("{\"prompt_tokens\":-5,\"completion_tokens\":1}")));
  }
}
