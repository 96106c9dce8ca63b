package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Usage;
import dev.quota4j.examples.AgentMicroservices.Exchange;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runs the example once and checks what it printed and returned. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("unchecked")
class AgentMicroservicesTest {
  private final Output<List<Exchange>> run = Output.of(AgentMicroservices::run);
  private final List<Exchange> x = run.result;

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
        List.of(200, 200, 429, 429, 400, 200, 200, 200, 200, 200, 200, 200, 404),
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

  @Test
  void analyticsAnswerJsonThatAddsUp() {
    long byUser = rows(5).stream().mapToLong(r -> num(r, "tokens")).sum();
    long byAgent = rows(6).stream().mapToLong(r -> num(r, "tokens")).sum();
    long byTool = rows(7).stream().mapToLong(r -> num(r, "tokens")).sum();
    long byHour = rows(9).stream().mapToLong(r -> num(r, "tokens")).sum();
    assertTrue(byUser > 0);
    assertEquals(byUser, byAgent);
    assertEquals(byUser, byTool);
    assertEquals(byUser, byHour);
    Map<String, Object> docs =
        rows(10).stream()
            .filter(r -> r.get("agent").equals("docs_agent"))
            .findFirst()
            .orElseThrow();
    assertEquals(1, num(docs, "errors"), docs.toString());
    assertEquals(1, num(docs, "denials"), "the summarise call of the third workflow");
    Map<String, Object> createDoc =
        rows(7).stream()
            .filter(r -> r.get("tool").equals("docs_agent.create_doc"))
            .findFirst()
            .orElseThrow();
    assertEquals(new BigDecimal(100), createDoc.get("error_rate_percent"));
    assertTrue(
        ((BigDecimal) createDoc.get("cost_usd")).signum() > 0, "billed tokens of a failed call");
    assertEquals(2, rows(8).size() >= 1 ? rows(5).size() : -1, "alice and bob");
    assertTrue(rows(5).stream().anyMatch(r -> num(r, "denials") > 0), "denials are counted");
  }

  @Test
  void aWorkflowTraceListsItsCallsInOrder() {
    Map<String, Object> trace = body(11);
    assertEquals("wf-1", trace.get("workflow_id"));
    List<Map<String, Object>> events = (List<Map<String, Object>>) trace.get("events");
    assertEquals(
        List.of("SUCCESS", "SUCCESS", "ERROR"),
        events.stream().map(e -> e.get("status")).toList().subList(0, 3));
    assertEquals(
        "docs_agent.create_doc: HTTP 502 Docs API unavailable", events.get(2).get("error"));
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
