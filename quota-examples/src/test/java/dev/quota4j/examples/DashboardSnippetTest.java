package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.testing.MutableClock;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's dashboard block writes the page and serves it. */
class DashboardSnippetTest {
  @Test
  void writesAndServesThePage(@TempDir Path dir) throws Exception {
    MutableClock clock = MutableClock.at("2026-11-25T12:30:00Z");
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .clock(clock)
            .defaultLogging(false)
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 10_000))
                            .build())
                    .build())
            .build();
    try (Reservation r =
        quotas.reserve(UsageRequest.forUser("u-42").agent("docs").estimatedTokens(100, 100))) {
      r.commit(Usage.of(100, 50));
    }
    Instant to = Instant.parse("2026-11-25T13:00:00Z");
    Path file = dir.resolve("usage.html");
    HttpServer server =
        DashboardSnippet.dashboard(quotas, to.minus(Duration.ofHours(24)), to, file, 0);
    try {
      String page = Files.readString(file, StandardCharsets.UTF_8);
      assertTrue(page.contains("data-key=\"u-42\" data-value=\"150\""), "u-42's 150 tokens");
      URI uri =
          URI.create(
              "http://127.0.0.1:" + server.getAddress().getPort() + "/quota/dashboard?hours=24");
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      assertEquals(200, c.getResponseCode());
      try (InputStream in = c.getInputStream()) {
        assertEquals(page, new String(in.readAllBytes(), StandardCharsets.UTF_8), "same range");
      }
    } finally {
      server.stop(0);
    }
  }
}
