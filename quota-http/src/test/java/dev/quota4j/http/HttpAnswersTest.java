package dev.quota4j.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.testing.MutableClock;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Headers and problem details from real admissions on the in-memory store. */
class HttpAnswersTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00.250Z");

  private final QuotaPolicy policy =
      QuotaPolicy.builder()
          .plan(
              Plan.builder("free")
                  .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                  .limit(Limit.of("hourly-requests", Metric.REQUESTS, Window.HOUR, 10))
                  .build())
          .plan(
              Plan.builder("pro")
                  .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 100_000))
                  .build())
          .defaultPlan("free")
          .limit(
              Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, 1_500)
                  .appliesTo(SubjectKind.SYSTEM))
          .build();

  private final QuotaManager quotas =
      QuotaManager.builder()
          .store(new InMemoryQuotaStore())
          .policy(policy)
          .clock(clock)
          .defaultLogging(false)
          .build();

  private final RateLimitHeaders headers = RateLimitHeaders.of(clock);

  @Test
  void anAdmittedCallGetsOpenAiAndIetfHeadersOfItsOwnLimitsOnly() {
    try (Reservation r = quotas.reserve(UsageRequest.forUser("u-1").estimatedTokens(300, 100))) {
      Map<String, String> h = headers.forReservation(r);
      assertEquals("10", h.get("x-ratelimit-limit-requests"));
      assertEquals("9", h.get("x-ratelimit-remaining-requests"));
      assertEquals("45m0s", h.get("x-ratelimit-reset-requests"), "rounded up to whole seconds");
      assertEquals("1000", h.get("x-ratelimit-limit-tokens"));
      assertEquals("600", h.get("x-ratelimit-remaining-tokens"));
      assertEquals("13h45m0s", h.get("x-ratelimit-reset-tokens"));
      assertEquals(
          "\"daily-tokens\";q=1000;w=86400, \"hourly-requests\";q=10;w=3600",
          h.get("RateLimit-Policy"));
      assertEquals(
          "\"daily-tokens\";r=600;t=49500, \"hourly-requests\";r=9;t=2700", h.get("RateLimit"));
      h.values().forEach(v -> assertFalse(v.contains("system"), "the system cap stays hidden"));
      r.commit(Usage.of(300, 50));
    }
  }

  @Test
  void aDenialOfTheCallersLimitIsAProblemWithCodeLimitRemainingResetAndUpgrade() {
    quotas.reserve(UsageRequest.forUser("u-2").estimatedTokens(900, 0)).commit(Usage.of(900, 0));
    QuotaDenial d = quotas.tryReserve(UsageRequest.forUser("u-2").estimatedTokens(200, 0)).denial();

    QuotaProblem p = QuotaProblem.of(d, clock);
    assertEquals(429, p.status());
    assertEquals("about:blank", p.type().toString());
    assertEquals(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED, p.properties().get("code"));
    assertEquals("daily-tokens", p.properties().get("limit"));
    assertEquals(100L, p.properties().get("remaining"));
    assertEquals("2026-11-26T00:00:00Z", p.properties().get("resetsAt"));
    assertEquals(49_500L, p.properties().get("retryAfterSeconds"));
    assertEquals(true, p.properties().get("upgradeAvailable"));
    assertEquals(java.util.List.of("pro"), p.properties().get("upgradePlans"));
    assertFalse(p.toJson().contains("u-2"), "no subject id: " + p.toJson());
    assertTrue(
        p.toJson()
            .startsWith(
                "{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"),
        p.toJson());

    Map<String, String> h = headers.forDenial(d);
    assertEquals("49500", h.get("Retry-After"));
    assertEquals("100", h.get("x-ratelimit-remaining-tokens"));
    assertEquals("\"daily-tokens\";r=100;t=49500", h.get("RateLimit"));

    QuotaProblem typed =
        QuotaProblem.of(d, clock, Exposure.CALLER, URI.create("https://api.example.com/problems/"));
    assertEquals(
        "https://api.example.com/problems/daily-token-quota-exceeded", typed.type().toString());
  }

  @Test
  void aSystemCapDenialNamesNeitherTheSystemNorItsLimit() {
    quotas.reserve(UsageRequest.forUser("a").estimatedTokens(900, 0)).commit(Usage.of(900, 0));
    quotas.reserve(UsageRequest.forUser("b").estimatedTokens(500, 0)).commit(Usage.of(500, 0));
    QuotaDenial d = quotas.tryReserve(UsageRequest.forUser("c").estimatedTokens(200, 0)).denial();
    assertEquals(SubjectKind.SYSTEM, d.subject().kind());

    QuotaProblem p = QuotaProblem.of(d, clock);
    String json = p.toJson();
    assertEquals(429, p.status());
    assertFalse(json.contains("system"), json);
    assertFalse(json.contains("1500"), "the system's raw limit: " + json);
    assertFalse(json.contains("remaining"), json);
    assertNull(p.properties().get("limit"));
    assertEquals(2_700L, p.properties().get("retryAfterSeconds"));
    assertEquals("The service is at capacity. Retry in 2700 s.", p.detail());

    Map<String, String> h = headers.forDenial(d);
    assertEquals(Map.of("Retry-After", "2700"), h);
  }

  @Test
  void statusesFollowWhatARetryWouldChange() {
    assertEquals(404, QuotaProblem.status(DenialCodes.USER_NOT_FOUND));
    assertEquals(403, QuotaProblem.status(DenialCodes.FEATURE_NOT_IN_PLAN));
    assertEquals(403, QuotaProblem.status(DenialCodes.USER_INACTIVE));
    assertEquals(413, QuotaProblem.status(DenialCodes.REQUEST_TOKEN_LIMIT_EXCEEDED));
    assertEquals(429, QuotaProblem.status(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED));
  }

  @Test
  void formsAreExact() {
    assertEquals("0s", RateLimitHeaders.duration(0));
    assertEquals("59s", RateLimitHeaders.duration(59));
    assertEquals("1m0s", RateLimitHeaders.duration(60));
    assertEquals("1h0m1s", RateLimitHeaders.duration(3_601));
    assertEquals("\"a\\\"b?\"", RateLimitHeaders.sfString("a\"b\n"));
    assertEquals(1, RateLimitHeaders.seconds(java.time.Duration.ofMillis(1)));
    assertEquals(0, RateLimitHeaders.seconds(java.time.Duration.ofSeconds(-3)));
  }
}
