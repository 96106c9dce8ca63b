package dev.quota4j.pricing;

import dev.quota4j.internal.Checks;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;

/**
 * Prices of one model per million tokens, in the currency's whole units (for example US dollars).
 *
 * @param model the model name or prefix the price is for
 * @param inputPerMillion price of one million input tokens
 * @param outputPerMillion price of one million output tokens
 * @param cachedInputPerMillion price of one million cached input tokens
 * @param effectiveFrom the first day the price applies
 */
public record ModelPrice(
    String model,
    BigDecimal inputPerMillion,
    BigDecimal outputPerMillion,
    BigDecimal cachedInputPerMillion,
    LocalDate effectiveFrom) {

  /** Validates the prices. */
  public ModelPrice {
    Checks.id("model", model);
    Checks.nonNegative("inputPerMillion", inputPerMillion);
    Checks.nonNegative("outputPerMillion", outputPerMillion);
    Checks.nonNegative("cachedInputPerMillion", cachedInputPerMillion);
  }

  /**
   * Exact cost in micro-units of the currency: cached input tokens (a part of {@code inputTokens})
   * at the cached price, the rest of the input at the input price, output at the output price. The
   * exact sum is rounded once, half up, to a whole micro-unit.
   */
  public long costMicros(long inputTokens, long outputTokens, long cachedInputTokens) {
    Checks.nonNegative("inputTokens", inputTokens);
    Checks.nonNegative("outputTokens", outputTokens);
    Checks.nonNegative("cachedInputTokens", cachedInputTokens);
    long cached = Math.min(cachedInputTokens, inputTokens);
    // price per million tokens in whole units == price per token in micro-units
    BigDecimal micros =
        inputPerMillion
            .multiply(BigDecimal.valueOf(inputTokens - cached))
            .add(cachedInputPerMillion.multiply(BigDecimal.valueOf(cached)))
            .add(outputPerMillion.multiply(BigDecimal.valueOf(outputTokens)));
    return micros.setScale(0, RoundingMode.HALF_UP).longValueExact();
  }
}
