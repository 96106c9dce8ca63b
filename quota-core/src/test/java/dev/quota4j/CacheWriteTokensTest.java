package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quota4j.FailModeTest.Switchable;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.ModelPrice;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input tokens written into a provider's prompt cache: validated as a part of the input apart from
 * the cached tokens, priced at the cache-write price, kept in the ledger and the fail-open journal.
 */
class CacheWriteTokensTest {
  @TempDir Path dir;

  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");

  @Test
  void cacheWritesAreAPartOfTheInputApartFromCacheReads() {
    Usage u = Usage.of(1_000, 10).withCachedInputTokens(600).withCacheWriteTokens(400);
    assertEquals(400, u.cacheWriteTokens());
    assertEquals(1_010, u.totalTokens());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> u.withCacheWriteTokens(401));
    assertEquals(
        "cacheWriteTokens must not exceed inputTokens less cachedInputTokens (1000 - 600), was '401'",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Usage.of(10, 0).withCacheWriteTokens(-1));
    // the constructor without cache writes still works and writes none
    assertEquals(0, new Usage(5, 1, 2, -1, null, null).cacheWriteTokens());
    assertEquals(Usage.NONE, new Usage(0, 0, 0, 0, null, null));
  }

  @Test
  void aPriceWithoutACacheWritePriceChargesWritesAsInput() {
    ModelPrice old =
        new ModelPrice(
            "m",
            new BigDecimal("3.00"),
            new BigDecimal("15.00"),
            new BigDecimal("0.30"),
            LocalDate.EPOCH);
    assertEquals(new BigDecimal("3.00"), old.cacheWritePerMillion());
    ModelPrice p =
        new ModelPrice(
            "m",
            new BigDecimal("3.00"),
            new BigDecimal("15.00"),
            new BigDecimal("0.30"),
            new BigDecimal("3.75"),
            LocalDate.EPOCH);
    // 100 plain input at 3, 1,000 reads at 0.30, 2,000 writes at 3.75, 50 output at 15 (micros)
    assertEquals(300 + 300 + 7_500 + 750, p.costMicros(3_100, 50, 1_000, 2_000));
    assertEquals(new BigDecimal("0.00885"), p.cost(3_100, 50, 1_000, 2_000));
    assertEquals(p.costMicros(3_100, 50, 1_000, 0), p.costMicros(3_100, 50, 1_000));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> p.costMicros(10, 0, 6, 5));
    assertEquals(
        "cacheWriteTokens must be a part of inputTokens apart from cachedInputTokens, was 5 of 10"
            + " with 6 cached",
        e.getMessage());
  }

  @Test
  void theBundledTablePricesAnthropicCacheWritesAtOneAndAQuarterTimesInput() {
    ModelPrice sonnet =
        PriceTable.defaults()
            .find("claude-sonnet-4-5", Instant.parse("2026-01-01T00:00:00Z"))
            .orElseThrow();
    assertEquals(new BigDecimal("3.75"), sonnet.cacheWritePerMillion());
    for (ModelPrice p : PriceTable.defaults().prices()) {
      BigDecimal expected =
          p.model().startsWith("claude")
              ? p.inputPerMillion().multiply(new BigDecimal("1.25"))
              : p.inputPerMillion();
      if (p.model().equals("claude-3-haiku-2*")) {
        expected = new BigDecimal("0.30"); // Anthropic lists 0.30, not 1.25 x 0.25, for Haiku 3
      }
      assertEquals(0, expected.compareTo(p.cacheWritePerMillion()), p.model());
    }
  }

  @Test
  void aTableRowMayGiveACacheWritePrice() {
    PriceTable t =
        PriceTable.load(
            new ByteArrayInputStream(
                ("a, 1.00, 2.00, 0.10, 1.25, 2025-01-01\nb, 1.00, 2.00, 0.10, 2025-01-01\n")
                    .getBytes(StandardCharsets.UTF_8)));
    Instant at = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals(new BigDecimal("1.25"), t.find("a", at).orElseThrow().cacheWritePerMillion());
    assertEquals(new BigDecimal("1.00"), t.find("b", at).orElseThrow().cacheWritePerMillion());
    PriceTable built =
        PriceTable.builder().price("c", "1", "2", "0.1", "2.5", LocalDate.EPOCH).build();
    assertEquals(new BigDecimal("2.5"), built.find("c", at).orElseThrow().cacheWritePerMillion());
  }

  @Test
  void aCommitWithCacheWritesIsPricedAndKeptInTheLedger() {
    InMemoryQuotaStore store = new InMemoryQuotaStore();
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(EnvironmentPolicy.from(Map.of()))
            .clock(clock)
            .pricing(PriceTable.defaults())
            .defaultLogging(false)
            .build();
    try (Reservation r =
        m.reserve(UsageRequest.forUser("u").model("claude-sonnet-4-5").estimatedTokens(10, 10))) {
      var unused =
          r.commit(Usage.of(3_100, 50).withCachedInputTokens(1_000).withCacheWriteTokens(2_000));
    }
    var unused =
        m.record(
            "rec",
            UsageRequest.forUser("u").model("claude-sonnet-4-5").build(),
            Usage.of(2_000, 0).withCacheWriteTokens(2_000));
    List<UsageEvent> events = store.findEvents(EventQuery.all(10));
    assertEquals(2, events.size());
    assertEquals(2_000, events.get(0).cacheWriteTokens());
    assertEquals(1_000, events.get(0).cachedInputTokens());
    assertEquals(8_850, events.get(0).costMicros());
    assertEquals(7_500, events.get(1).costMicros());
    assertEquals(2_000, events.get(0).toBuilder().build().cacheWriteTokens());
  }

  @Test
  void theJournalKeepsCacheWritesAndReadsLinesWrittenWithoutThem() throws Exception {
    Path file = dir.resolve("journal.log");
    InMemoryQuotaStore real = new InMemoryQuotaStore();
    Switchable down = new Switchable(real);
    down.down = true;
    try (UsageJournal journal = UsageJournal.file(file)) {
      QuotaManager m = failOpen(down, journal);
      var unused =
          m.record(
              "with-writes",
              UsageRequest.forUser("u").build(),
              Usage.of(100, 1).withCacheWriteTokens(60));
      var unused2 = m.record("without", UsageRequest.forUser("u").build(), Usage.of(5, 1));
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String without = lines.stream().filter(l -> l.contains("without")).findFirst().orElseThrow();
    String withWrites =
        lines.stream().filter(l -> l.contains("with-writes")).findFirst().orElseThrow();
    // a line without cache writes has exactly the fields of the format before they existed
    assertEquals(without.split("\t", -1).length + 1, withWrites.split("\t", -1).length);
    down.down = false;
    try (UsageJournal journal = UsageJournal.file(file)) {
      assertEquals(0, failOpen(down, journal).replayPending());
    }
    List<UsageEvent> events = real.findEvents(EventQuery.all(10));
    assertEquals(60, events.get(0).cacheWriteTokens());
    assertEquals(0, events.get(1).cacheWriteTokens());
  }

  private QuotaManager failOpen(Switchable store, UsageJournal journal) {
    return QuotaManager.builder()
        .store(store)
        .policy(EnvironmentPolicy.from(Map.of()))
        .clock(clock)
        .failMode(FailMode.FAIL_OPEN)
        .journal(journal)
        .defaultLogging(false)
        .build();
  }
}
