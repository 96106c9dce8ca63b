package dev.quota4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The example service over real HTTP: 200 with headers, 429 with a problem, health, metrics. */
class ExampleServiceHttpTest {
  private static ConfigurableApplicationContext app;
  private static String base;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    app =
        SpringApplication.run(
            QuotaExampleApplication.class,
            "--server.port=0",
            "--spring.datasource.url=jdbc:h2:mem:example-http;DB_CLOSE_DELAY=-1");
    int port = ((WebServerApplicationContext) app).getWebServer().getPort();
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static HttpResponse<String> chat(String user, String prompt) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + "/chat"))
            .header("X-User", user)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(prompt))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAdmittedCallAnswers200WithRateLimitHeaders() throws Exception {
    HttpResponse<String> r = chat("alice", "x".repeat(400)); // 100 input + 200 output reserved
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("1000", r.headers().firstValue("x-ratelimit-limit-tokens").orElseThrow());
    assertEquals("700", r.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
    assertEquals("99", r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
    assertTrue(r.headers().firstValue("x-ratelimit-reset-tokens").orElseThrow().endsWith("s"));
    String policy = r.headers().firstValue("RateLimit-Policy").orElseThrow();
    assertTrue(policy.contains("\"daily-tokens\";q=1000;w=86400"), policy);
    assertFalse(policy.contains("system"), "the system cap stays hidden: " + policy);
    assertTrue(r.headers().firstValue("RateLimit").orElseThrow().contains(";r=700;t="));
    assertTrue(r.body().contains("a fine answer"), r.body());
  }

  @Test
  void aDeniedCallAnswers429WithAProblemAndRetryAfter() throws Exception {
    assertEquals(200, chat("bob", "x".repeat(2_800)).statusCode()); // 700 + 200
    HttpResponse<String> r = chat("bob", "x".repeat(400));
    assertEquals(429, r.statusCode(), r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElseThrow());
    long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter > 0 && retryAfter <= 86_400, "whole seconds: " + retryAfter);
    String body = r.body();
    assertTrue(body.contains("\"status\":429"), body);
    assertTrue(body.contains("\"code\":\"DAILY_TOKEN_QUOTA_EXCEEDED\""), body);
    assertTrue(body.contains("\"limit\":\"daily-tokens\""), body);
    assertTrue(body.contains("\"remaining\":"), body);
    assertTrue(body.contains("\"resetsAt\":"), body);
    assertTrue(body.contains("\"upgradeAvailable\":true"), body);
    assertTrue(body.contains("\"upgradePlans\":[\"pro\"]"), body);
    assertFalse(body.contains("bob"), "no subject id: " + body);
  }

  @Test
  void healthShowsTheQuotaStore() throws Exception {
    HttpResponse<String> r = get("/actuator/health");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"quota4j\""), r.body());
    assertTrue(r.body().contains("\"store\":\"reachable\""), r.body());
  }

  @Test
  void prometheusShowsQuotaMetersThatMoved() throws Exception {
    double before = admitted(get("/actuator/prometheus").body());
    assertEquals(200, chat("carol", "hello").statusCode());
    String after = get("/actuator/prometheus").body();
    assertEquals(before + 1, admitted(after), 0.0001);
    assertTrue(after.contains("quota4j_store_duration_seconds_count{"), "store timer");
    assertTrue(after.contains("quota4j_tokens_total{"), "tokens");
  }

  @Test
  void theQuota4jEndpointShowsASubjectAndRecentDenials() throws Exception {
    assertEquals(200, chat("dave", "hi").statusCode());
    HttpResponse<String> s = get("/actuator/quota4j/user/dave");
    assertEquals(200, s.statusCode(), s.body());
    assertTrue(s.body().contains("\"daily-tokens\""), s.body());
    HttpResponse<String> summary = get("/actuator/quota4j");
    assertEquals(200, summary.statusCode(), summary.body());
    assertTrue(summary.body().contains("\"deniedLastHour\""), summary.body());
  }

  private static double admitted(String prometheus) {
    Matcher m =
        Pattern.compile("quota4j_admissions_total\\{[^}]*outcome=\"admitted\"[^}]*\\} ([0-9.E]+)")
            .matcher(prometheus);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
