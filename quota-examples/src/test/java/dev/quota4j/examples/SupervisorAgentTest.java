package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.SubjectRef;
import dev.quota4j.examples.SupervisorAgent.Response;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runs the example once and checks what it printed and returned. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SupervisorAgentTest {
  private final Output<SupervisorAgent.Result> run = Output.of(SupervisorAgent::run);
  private final List<Response> responses = run.result.responses();

  @Test
  void eachSeedLimitDeniesWithItsCode() {
    assertEquals(
        List.of(
            "OK",
            "REQUEST_TOKEN_LIMIT_EXCEEDED",
            "USER_NOT_FOUND",
            "USER_INACTIVE",
            "DAILY_TOKEN_QUOTA_EXCEEDED",
            "OK",
            "DAILY_REQUEST_QUOTA_EXCEEDED",
            "WORKFLOW_STEP_LIMIT_EXCEEDED",
            "CONCURRENT_WORKFLOW_LIMIT_EXCEEDED",
            "OK"),
        run.result.codes().subList(0, 10),
        run.text);
    List<String> busyHour = run.result.codes().subList(10, 22);
    int firstDenied = busyHour.indexOf("SYSTEM_HOURLY_LIMIT_EXCEEDED");
    assertTrue(firstDenied > 0, busyHour.toString());
    assertTrue(
        busyHour.subList(firstDenied, 12).stream()
            .allMatch(c -> c.equals("SYSTEM_HOURLY_LIMIT_EXCEEDED")),
        "once the hour is full every workflow is denied: " + busyHour);
    assertEquals("OK", run.result.codes().get(22), "a new hour admits again");
    assertEquals("OK", run.result.codes().get(23), "a new day admits bob again");
    assertEquals(24, responses.size());
  }

  @Test
  void theStatusOfAnUnknownUserSaysNotFound() {
    SupervisorAgent supervisor = new SupervisorAgent(run.result.quotas());
    assertEquals("{\"error\":\"User not found\"}", supervisor.quotaStatus("mallory"));
    assertTrue(supervisor.quotaStatus("alice").contains("\"user_id\":\"alice\""));
  }

  @Test
  void statusCodesFollowTheDenial() {
    assertEquals(
        List.of(200, 429, 404, 403, 429, 200, 429, 429, 429, 200),
        responses.subList(0, 10).stream().map(Response::status).toList());
  }

  @Test
  void a429BodyCarriesTheSeedsDetails() {
    Response bob = responses.get(4);
    Map<String, Object> body = Json.parseObject(bob.body());
    assertEquals("DAILY_TOKEN_QUOTA_EXCEEDED", body.get("error_code"));
    @SuppressWarnings("unchecked")
    Map<String, Object> d = (Map<String, Object>) body.get("details");
    assertEquals("user-daily-tokens", d.get("limit_name"));
    assertEquals(new BigDecimal(3000), d.get("limit"), "bob's own daily limit, an override");
    long used = ((BigDecimal) d.get("used")).longValueExact();
    long reserved = ((BigDecimal) d.get("reserved")).longValueExact();
    long requested = ((BigDecimal) d.get("requested")).longValueExact();
    long overBy = ((BigDecimal) d.get("over_by")).longValueExact();
    long remaining = ((BigDecimal) d.get("remaining")).longValueExact();
    assertEquals(used + reserved + requested - 3000, overBy);
    assertEquals(3000 - used - reserved, remaining);
    assertTrue(requested > remaining);
    assertEquals("2026-11-26T00:00:00Z", d.get("resets_at"));
    // denied at 09:04 + the two calls that ran; reset at midnight: 14.9 or 15.0 hours
    BigDecimal hours = (BigDecimal) d.get("hours_until_reset");
    assertTrue(hours.compareTo(new BigDecimal("14.8")) > 0, hours.toString());
    assertEquals(Boolean.FALSE, d.get("requires_upgrade"));
    assertEquals(List.of("gmail_agent.search_emails"), body.get("completed_steps"));
    assertEquals(List.of("gmail_agent.search_emails"), bob.completedSteps());
  }

  @Test
  void committedTokensAreWhatTheLedgerSays() {
    List<UsageEvent> bobs =
        run.result
            .quotas()
            .store()
            .findEvents(
                new EventQuery(
                        Instant.parse("2026-11-25T00:00:00Z"),
                        Instant.parse("2026-11-26T00:00:00Z"),
                        null,
                        null,
                        1000)
                    .forSubject(SubjectRef.user("bob")));
    long ledger =
        bobs.stream()
            .filter(e -> e.status() == EventStatus.SUCCESS)
            .mapToLong(UsageEvent::totalTokens)
            .sum();
    Map<String, Object> status = Json.parseObject(run.result.bobStatusBeforeMidnight());
    @SuppressWarnings("unchecked")
    Map<String, Object> daily = ((List<Map<String, Object>>) status.get("limits")).get(0);
    assertEquals(EnvironmentPolicy.USER_DAILY_TOKENS, daily.get("limit"));
    assertEquals(BigDecimal.valueOf(ledger), daily.get("used"));
    assertTrue(ledger > 1000, "planning plus one search: " + ledger);
    assertTrue(
        bobs.stream().anyMatch(e -> e.status() == EventStatus.QUOTA_EXCEEDED),
        "the denial is in the ledger too");
    assertTrue(
        bobs.stream()
            .filter(e -> e.status() == EventStatus.SUCCESS)
            .allMatch(e -> e.workflowId() != null && e.operation() != null));
  }

  @Test
  void thePlannerAnswerIsParsedStrictly() {
    assertEquals(
        List.of(new SupervisorAgent.Step("docs_agent", "create_doc", "write it")),
        SupervisorAgent.parsePlan("docs_agent.create_doc: write it\n"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SupervisorAgent.parsePlan("no plan today"));
    assertTrue(e.getMessage().contains("not a step"), e.getMessage());
  }

  @Test
  void printsEachRequestAndResponse() {
    assertTrue(run.text.contains("POST /workflow user=bob"), run.text);
    assertTrue(run.text.contains("-> 429 {\"error_code\":\"DAILY_TOKEN_QUOTA_EXCEEDED\""));
    assertTrue(run.text.contains("GET /quota/status?user_id=bob -> {\"user_id\":\"bob\""));
  }
}
