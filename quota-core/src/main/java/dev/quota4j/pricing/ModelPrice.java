package dev.quota4j.pricing;

import dev.quota4j.internal.Checks;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;

/**
 * Prices of one model per million tokens, in the currency's whole units (for example US dollars).
 *
 * <p>Cost is computed exactly: a price per million tokens in whole units is a price per token in
 * micro-units, so {@code tokens × price} is the exact cost in micro-units (1e-6 of the currency).
 * {@link #cost} returns that exact amount in whole units; {@link #costMicros} rounds it once, half
 * up, to a whole micro-unit. For example 10 input tokens of a model at 0.15 per million cost
 * exactly 1.5 micro-units, stored as 2.
 *
 * @param model the model name or pattern the price is for ({@code gpt-4o*} for a family, {@code *}
 *     for a default price)
 * @param inputPerMillion price of one million input tokens that were not cached
 * @param outputPerMillion price of one million output tokens
 * @param cachedInputPerMillion price of one million cached input tokens (prompt-cache reads)
 * @param cacheWritePerMillion price of one million input tokens written into the prompt cache
 *     (Anthropic bills them at 1.25 times the input price for its 5-minute cache); a price given
 *     without one takes the input price, which is what cache writes cost where they cost nothing
 *     extra (OpenAI)
 * @param effectiveFrom the first day (UTC) the price applies
 */
public record ModelPrice(
    String model,
    BigDecimal inputPerMillion,
    BigDecimal outputPerMillion,
    BigDecimal cachedInputPerMillion,
    BigDecimal cacheWritePerMillion,
    LocalDate effectiveFrom) {

  /** Validates the prices. */
  public ModelPrice {
    Checks.id("model", model);
    Checks.argument(inputPerMillion != null, "inputPerMillion", "must not be null", "null");
    Checks.argument(outputPerMillion != null, "outputPerMillion", "must not be null", "null");
    Checks.argument(
        cachedInputPerMillion != null, "cachedInputPerMillion", "must not be null", "null");
    Checks.argument(
        cacheWritePerMillion != null, "cacheWritePerMillion", "must not be null", "null");
    Checks.argument(effectiveFrom != null, "effectiveFrom", "must not be null", "null");
    Checks.nonNegative("inputPerMillion", inputPerMillion);
    Checks.nonNegative("outputPerMillion", outputPerMillion);
    Checks.nonNegative("cachedInputPerMillion", cachedInputPerMillion);
    Checks.nonNegative("cacheWritePerMillion", cacheWritePerMillion);
  }

  /**
   * A price whose cache writes cost the input price.
   *
   * @throws IllegalArgumentException naming the field and the value
   */
  public ModelPrice(
      String model,
      BigDecimal inputPerMillion,
      BigDecimal outputPerMillion,
      BigDecimal cachedInputPerMillion,
      LocalDate effectiveFrom) {
    this(
        model,
        inputPerMillion,
        outputPerMillion,
        cachedInputPerMillion,
        inputPerMillion,
        effectiveFrom);
  }

  /**
   * {@link #costMicros(long, long, long, long)} with no cache writes.
   *
   * @throws IllegalArgumentException if an amount is negative, {@code cachedInputTokens} exceeds
   *     {@code inputTokens}, or the cost does not fit in a long
   */
  public long costMicros(long inputTokens, long outputTokens, long cachedInputTokens) {
    return costMicros(inputTokens, outputTokens, cachedInputTokens, 0);
  }

  /**
   * {@link #cost(long, long, long, long)} with no cache writes.
   *
   * @throws IllegalArgumentException if an amount is negative or {@code cachedInputTokens} exceeds
   *     {@code inputTokens}
   */
  public BigDecimal cost(long inputTokens, long outputTokens, long cachedInputTokens) {
    return cost(inputTokens, outputTokens, cachedInputTokens, 0);
  }

  /**
   * Exact cost in micro-units of the currency: cached input tokens and cache-write tokens (disjoint
   * parts of {@code inputTokens}) at the cached and cache-write prices, the rest of the input at
   * the input price, output at the output price. The exact sum is rounded once, half up, to a whole
   * micro-unit.
   *
   * @throws IllegalArgumentException if an amount is negative, {@code cachedInputTokens +
   *     cacheWriteTokens} exceeds {@code inputTokens}, or the cost does not fit in a long
   */
  public long costMicros(
      long inputTokens, long outputTokens, long cachedInputTokens, long cacheWriteTokens) {
    BigDecimal micros = exactMicros(inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens);
    try {
      return micros.setScale(0, RoundingMode.HALF_UP).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "cost of "
              + inputTokens
              + " input and "
              + outputTokens
              + " output tokens of "
              + Checks.show(model)
              + " overflows a long of micro-units",
          e);
    }
  }

  /**
   * The exact cost in whole units of the currency, unrounded, with trailing zeros stripped: for
   * 1,000 input and 500 output tokens at 2.50 and 10.00 per million, {@code 0.0075}.
   *
   * @throws IllegalArgumentException if an amount is negative or {@code cachedInputTokens +
   *     cacheWriteTokens} exceeds {@code inputTokens}
   */
  public BigDecimal cost(
      long inputTokens, long outputTokens, long cachedInputTokens, long cacheWriteTokens) {
    return exactMicros(inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens)
        .movePointLeft(6)
        .stripTrailingZeros();
  }

  private BigDecimal exactMicros(
      long inputTokens, long outputTokens, long cachedInputTokens, long cacheWriteTokens) {
    Checks.nonNegative("inputTokens", inputTokens);
    Checks.nonNegative("outputTokens", outputTokens);
    Checks.nonNegative("cachedInputTokens", cachedInputTokens);
    Checks.nonNegative("cacheWriteTokens", cacheWriteTokens);
    if (cachedInputTokens > inputTokens) {
      throw new IllegalArgumentException(
          "cachedInputTokens must be a part of inputTokens, was "
              + cachedInputTokens
              + " of "
              + inputTokens);
    }
    if (cacheWriteTokens > inputTokens - cachedInputTokens) {
      throw new IllegalArgumentException(
          "cacheWriteTokens must be a part of inputTokens apart from cachedInputTokens, was "
              + cacheWriteTokens
              + " of "
              + inputTokens
              + " with "
              + cachedInputTokens
              + " cached");
    }
    // price per million tokens in whole units == price per token in micro-units
    return inputPerMillion
        .multiply(BigDecimal.valueOf(inputTokens - cachedInputTokens - cacheWriteTokens))
        .add(cachedInputPerMillion.multiply(BigDecimal.valueOf(cachedInputTokens)))
        .add(cacheWritePerMillion.multiply(BigDecimal.valueOf(cacheWriteTokens)))
        .add(outputPerMillion.multiply(BigDecimal.valueOf(outputTokens)));
  }
}
