package dev.quota4j.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PriceTableTest {
  private static final Instant DEC_2025 = Instant.parse("2025-12-01T12:00:00Z");
  private final PriceTable defaults = PriceTable.defaults();

  private ModelPrice priceOf(String model, Instant at) {
    return defaults.find(model, at).orElseThrow(() -> new AssertionError("no price: " + model));
  }

  @Test
  void theDefaultTableSaysWhenItWasTrue() {
    assertEquals(Optional.of(LocalDate.of(2025, 11, 24)), defaults.asOf());
    assertFalse(defaults.denyUnknownModels());
    assertEquals(UnknownModelPolicy.Kind.ZERO_WITH_WARNING, defaults.unknownModelPolicy().kind());
  }

  @ParameterizedTest(name = "{0}: {1} / {2} / {3}")
  @CsvSource({
    // OpenAI: aliases, dated snapshots, case
    "gpt-4o, 2.50, 10.00, 1.25",
    "gpt-4o-2024-11-20, 2.50, 10.00, 1.25",
    "gpt-4o-2024-05-13, 5.00, 15.00, 5.00",
    "GPT-4o-Mini, 0.15, 0.60, 0.075",
    "gpt-4.1, 2.00, 8.00, 0.50",
    "gpt-4.1-nano-2025-04-14, 0.10, 0.40, 0.025",
    "gpt-5-mini, 0.25, 2.00, 0.025",
    "o4-mini, 1.10, 4.40, 0.275",
    "text-embedding-3-small, 0.02, 0.00, 0.02",
    // Anthropic
    "claude-sonnet-4-5-20250929, 3.00, 15.00, 0.30",
    "claude-opus-4-20250514, 15.00, 75.00, 1.50",
    "claude-opus-4-5-20251101, 5.00, 25.00, 0.50",
    "claude-haiku-4-5, 1.00, 5.00, 0.10",
    "claude-3-5-haiku-20241022, 0.80, 4.00, 0.08",
    // Groq and Hugging Face
    "llama-3.3-70b-versatile, 0.59, 0.79, 0.59",
    "meta-llama/Llama-3.3-70B-Instruct, 0.59, 0.79, 0.59",
    "Qwen/Qwen3-32B, 0.29, 0.59, 0.29",
    "openai/gpt-oss-120b, 0.15, 0.60, 0.15"
  })
  void pricesWidelyUsedModels(String model, String input, String output, String cached) {
    ModelPrice p = priceOf(model, DEC_2025);
    assertEquals(new BigDecimal(input), p.inputPerMillion());
    assertEquals(new BigDecimal(output), p.outputPerMillion());
    assertEquals(new BigDecimal(cached), p.cachedInputPerMillion());
  }

  /** Exact costs of whole requests through the default table, one of them rounded. */
  @ParameterizedTest(name = "{0}: {1} in ({3} cached) + {2} out = {4} micros")
  @CsvSource({
    "gpt-4o, 1000, 500, 0, 7500",
    "gpt-4o-mini, 400, 100, 0, 120",
    "gpt-4.1, 1000000, 0, 0, 2000000",
    "claude-sonnet-4-5, 10000, 1000, 8000, 23400",
    "claude-haiku-4-5, 2000, 300, 0, 3500",
    "llama-3.1-8b-instant, 1234567, 89012, 0, 68849",
    "gpt-5-nano, 50, 0, 0, 3"
  })
  void costsRequestsInMicroUnits(String model, long in, long out, long cached, long micros) {
    assertEquals(micros, priceOf(model, DEC_2025).costMicros(in, out, cached));
  }

  @Test
  void seed002sExampleCostsSevenAndAHalfTenthsOfACent() {
    // ModelCost.calculate_cost("gpt-4o", input_tokens=1000, output_tokens=500)
    assertEquals(new BigDecimal("0.0075"), priceOf("gpt-4o", DEC_2025).cost(1000, 500, 0));
  }

  @Test
  void choosesThePriceInEffectOnTheRequestsUtcDay() {
    // o3 was cut from 10/40 to 2/8 on 2025-06-10
    assertEquals(
        new BigDecimal("10.00"),
        priceOf("o3", Instant.parse("2025-06-09T23:59:59Z")).inputPerMillion());
    assertEquals(
        new BigDecimal("2.00"),
        priceOf("o3-2025-04-16", Instant.parse("2025-06-10T00:00:00Z")).inputPerMillion());
    // gpt-4o: 5/15 until the alias moved to the cheaper snapshot on 2024-10-02
    assertEquals(
        new BigDecimal("5.00"),
        priceOf("gpt-4o", Instant.parse("2024-06-01T00:00:00Z")).inputPerMillion());
    assertEquals(
        7_500, priceOf("gpt-4o", Instant.parse("2024-10-02T00:00:00Z")).costMicros(1000, 500, 0));
    // before a model existed it has no price
    assertEquals(Optional.empty(), defaults.find("gpt-4.1", Instant.parse("2025-01-01T00:00:00Z")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"gpt-4o-realtime-preview", "o3-pro", "gpt-5.4", "claude-opus-4-6", "acme-llm"})
  void pricesNoNewVariantLikeItsCousin(String model) {
    assertEquals(Optional.empty(), defaults.find(model, DEC_2025));
  }

  @Test
  void unknownModelsFollowThePolicy() {
    PriceTable deny =
        PriceTable.builder().addDefaults().onUnknownModel(UnknownModelPolicy.deny()).build();
    assertTrue(deny.denyUnknownModels());
    assertEquals(Optional.empty(), deny.find("acme-llm", DEC_2025));
    assertEquals(
        new BigDecimal("2.50"), deny.find("gpt-4o", DEC_2025).orElseThrow().inputPerMillion());

    PriceTable fallback =
        PriceTable.builder()
            .addDefaults()
            .onUnknownModel(
                UnknownModelPolicy.defaultPrice(
                    new BigDecimal("1.00"), new BigDecimal("3.00"), new BigDecimal("0.50")))
            .build();
    assertFalse(fallback.denyUnknownModels());
    ModelPrice p = fallback.find("acme-llm", DEC_2025).orElseThrow();
    assertEquals("*", p.model());
    assertEquals(4_000, p.costMicros(1000, 1000, 0));
    assertEquals(
        new BigDecimal("0.59"),
        fallback.find("llama-3.3-70b-versatile", DEC_2025).orElseThrow().inputPerMillion());

    PriceTable zero = PriceTable.builder().addDefaults().build();
    assertFalse(zero.denyUnknownModels());
    assertEquals(Optional.empty(), zero.find("acme-llm", DEC_2025));
  }

  @Test
  void aMoreSpecificPatternDecidesOnceItsPriceIsInEffect() {
    PriceTable t =
        PriceTable.builder()
            .price("acme-*", "1.00", "2.00", "1.00", LocalDate.of(2020, 1, 1))
            .price("acme-pro", "4.00", "8.00", "4.00", LocalDate.of(2025, 1, 1))
            .build();
    Instant y2024 = Instant.parse("2024-06-01T00:00:00Z");
    Instant y2025 = Instant.parse("2025-06-01T00:00:00Z");
    assertEquals(new BigDecimal("1.00"), t.find("acme-pro", y2024).orElseThrow().inputPerMillion());
    assertEquals(new BigDecimal("4.00"), t.find("acme-pro", y2025).orElseThrow().inputPerMillion());
    assertEquals(
        new BigDecimal("1.00"), t.find("ACME-lite", y2025).orElseThrow().inputPerMillion());
    assertEquals(Optional.empty(), t.find("acme", y2025));
  }

  @Test
  void aHostExtendsTheDefaults() {
    PriceTable t =
        PriceTable.defaults().toBuilder()
            .price("gpt-4o", "2.00", "8.00", "1.00", LocalDate.of(2026, 1, 1))
            .price("my-model", "0.10", "0.20", "0.10", LocalDate.of(2020, 1, 1))
            .build();
    assertEquals(
        new BigDecimal("2.50"), t.find("gpt-4o", DEC_2025).orElseThrow().inputPerMillion());
    assertEquals(
        new BigDecimal("2.00"),
        t.find("gpt-4o", Instant.parse("2026-02-01T00:00:00Z")).orElseThrow().inputPerMillion());
    assertEquals(300, t.find("my-model", DEC_2025).orElseThrow().costMicros(1000, 1000, 0));
    assertEquals(defaults.asOf(), t.asOf());
  }

  @Test
  void aHostReplacesTheTableWithItsOwnFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("prices.csv");
    Files.writeString(
        file,
        """
        # our negotiated prices
        as-of: 2026-11-01

        gpt-4o | gpt-4o-2*, 2.00, 8.00, 1.00, 2026-01-01
        claude-*,           2.50, 12.00, 0.25, 2026-01-01
        """,
        StandardCharsets.UTF_8);
    PriceTable t = PriceTable.load(file);
    assertEquals(Optional.of(LocalDate.of(2026, 11, 1)), t.asOf());
    Instant at = Instant.parse("2026-11-02T00:00:00Z");
    assertEquals(6_000, t.find("gpt-4o-2024-08-06", at).orElseThrow().costMicros(1000, 500, 0));
    assertEquals(8_500, t.find("claude-sonnet-4-5", at).orElseThrow().costMicros(1000, 500, 0));
    assertEquals(Optional.empty(), t.find("gpt-4.1", at));
    assertEquals(3, t.prices().size());

    PriceTable fromStream = PriceTable.load(new ByteArrayInputStream(Files.readAllBytes(file)));
    assertEquals(t.prices(), fromStream.prices());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiterString = " => ",
      value = {
        "price table line 2: a price row must have 5 cells (pattern(s), input, output, cached"
            + " input, effective from) or 6 (with cache write before effective from), was"
            + " 'gpt-4o, 2.50, 10.00, 2024-10-02'"
            + " => # x\\ngpt-4o, 2.50, 10.00, 2024-10-02",
        "price table line 1: input must be a decimal number, was 'two'"
            + " => gpt-4o, two, 10.00, 1.25, 2024-10-02",
        "price table line 1: effective from must be a date like 2025-01-31, was '2024-13-01'"
            + " => gpt-4o, 2.50, 10.00, 1.25, 2024-13-01",
        "price table line 1: inputPerMillion must be zero or more, was -2.50"
            + " => gpt-4o, -2.50, 10.00, 1.25, 2024-10-02",
        "price table line 1: model must not be blank, was ''"
            + " => gpt-4o||x, 2.50, 10.00, 1.25, 2024-10-02",
        "price table line 2: as-of must appear once, was 'as-of: 2025-02-02'"
            + " => as-of: 2025-01-01\\nas-of: 2025-02-02",
        "price table line 2: price of gpt-4o must have one price per effective date, has two"
            + " on 2024-10-02, was 'GPT-4o' => gpt-4o, 2.50, 10.00, 1.25, 2024-10-02\\nGPT-4o, 3, 10, 1,"
            + " 2024-10-02"
      })
  void rejectsMalformedFilesNamingTheLine(String expected, String content) {
    byte[] bytes = content.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8);
    assertEquals(expected, message(() -> PriceTable.load(new ByteArrayInputStream(bytes))));
  }

  @Test
  void everyDefaultPriceIsPlausible() {
    assertTrue(defaults.prices().size() > 50, "prices: " + defaults.prices().size());
    LocalDate asOf = defaults.asOf().orElseThrow();
    for (ModelPrice p : defaults.prices()) {
      assertTrue(
          p.cachedInputPerMillion().compareTo(p.inputPerMillion()) <= 0,
          p + ": a cache hit costs more than input");
      assertTrue(p.inputPerMillion().signum() > 0, p + ": free input");
      assertFalse(p.effectiveFrom().isAfter(asOf), p + ": effective after the as-of date");
    }
  }

  @Test
  void rejectsBadArguments() {
    assertEquals("model must not be null", message(() -> defaults.find(nullString(), DEC_2025)));
    assertEquals(
        "at must not be null, was 'null'", message(() -> defaults.find("gpt-4o", nullInstant())));
  }

  private static String message(Supplier<?> call) {
    return String.valueOf(
        assertThrows(IllegalArgumentException.class, () -> call.get()).getMessage());
  }

  @SuppressWarnings("NullAway")
  private static String nullString() {
    return null;
  }

  @SuppressWarnings("NullAway")
  private static Instant nullInstant() {
    return null;
  }
}
