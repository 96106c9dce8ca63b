package dev.quota4j.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelPriceTest {
  private static final LocalDate DAY = LocalDate.of(2025, 1, 1);

  private static ModelPrice price(String input, String output, String cached) {
    return new ModelPrice(
        "m", new BigDecimal(input), new BigDecimal(output), new BigDecimal(cached), DAY);
  }

  @ParameterizedTest(name = "{0}/{1}/{2} per 1M: {3} in ({5} cached), {4} out = {6} = {7} micros")
  @CsvSource({
    // input, output, cached, in, out, cached in, exact cost, micros
    "2.50, 10.00, 1.25, 1000, 500, 0, 0.0075, 7500",
    "2.00, 8.00, 0.50, 1000000, 0, 0, 2, 2000000",
    "2.00, 8.00, 0.50, 1000000, 1000000, 1000000, 8.5, 8500000",
    "3.00, 15.00, 0.30, 10000, 1000, 8000, 0.0234, 23400",
    "0.05, 0.08, 0.05, 1234567, 89012, 0, 0.06884931, 68849",
    // rounding: once, half up, to a whole micro-unit
    "0.15, 0.60, 0.075, 10, 0, 0, 0.0000015, 2",
    "0.15, 0.60, 0.075, 3, 0, 0, 0.00000045, 0",
    "0.05, 0.40, 0.005, 50, 0, 0, 0.0000025, 3",
    "1.10, 4.40, 0.275, 4, 0, 4, 0.0000011, 1",
    "0.15, 0.60, 0.075, 0, 0, 0, 0, 0"
  })
  void costsExactlyAndRoundsHalfUpOnce(
      String input,
      String output,
      String cached,
      long in,
      long out,
      long cachedIn,
      String exact,
      long micros) {
    ModelPrice p = price(input, output, cached);
    assertEquals(new BigDecimal(exact).stripTrailingZeros(), p.cost(in, out, cachedIn));
    assertEquals(micros, p.costMicros(in, out, cachedIn));
  }

  @Test
  void roundingIsOnceOverTheSumNotPerPart() {
    // 3 input at 0.15 = 0.45 and 1 output at 0.60 = 0.6; per part 0 + 1 = 1, the sum 1.05 → 1
    ModelPrice p = price("0.15", "0.60", "0.075");
    assertEquals(1, p.costMicros(3, 1, 0));
    // 5 input = 0.75 and 1 output = 0.6: per part 1 + 1 = 2, the sum 1.35 → 1
    assertEquals(1, p.costMicros(5, 1, 0));
  }

  @Test
  void rejectsBadAmounts() {
    ModelPrice p = price("2.50", "10.00", "1.25");
    assertEquals(
        "outputTokens must be zero or more, was -1",
        assertThrows(IllegalArgumentException.class, () -> p.costMicros(1, -1, 0)).getMessage());
    assertEquals(
        "cachedInputTokens must be a part of inputTokens, was 11 of 10",
        assertThrows(IllegalArgumentException.class, () -> p.costMicros(10, 0, 11)).getMessage());
    assertEquals(
        "cost of 9223372036854775807 input and 0 output tokens of 'm' overflows a long of"
            + " micro-units",
        assertThrows(IllegalArgumentException.class, () -> p.costMicros(Long.MAX_VALUE, 0, 0))
            .getMessage());
    assertEquals(
        "inputPerMillion must be zero or more, was -0.01",
        assertThrows(IllegalArgumentException.class, () -> price("-0.01", "1", "1")).getMessage());
  }
}
