package dev.quota4j;

import dev.quota4j.pricing.ModelPrice;
import org.jspecify.annotations.Nullable;

/** What admission estimated. */
final class Estimate {
  final long inputTokens;
  final long maxOutputTokens;
  final long characters;
  final long givenCostMicros;
  final @Nullable ModelPrice price;

  /** Neither a price nor a cost was found for the call: its cost counts as zero. */
  final boolean unpriced;

  Estimate(
      long inputTokens,
      long maxOutputTokens,
      long characters,
      long givenCostMicros,
      @Nullable ModelPrice price,
      boolean unpriced) {
    this.inputTokens = inputTokens;
    this.maxOutputTokens = maxOutputTokens;
    this.characters = characters;
    this.givenCostMicros = givenCostMicros;
    this.price = price;
    this.unpriced = unpriced;
  }

  long amount(Metric metric, long maxOutput) {
    return switch (metric) {
      case TOKENS -> inputTokens + maxOutput;
      case INPUT_TOKENS -> inputTokens;
      case OUTPUT_TOKENS -> maxOutput;
      case REQUESTS -> 1;
      case CHARACTERS -> characters;
      case COST ->
          price == null
              ? givenCostMicros
              : Estimator.pricedCost("estimated cost", price, inputTokens, maxOutput, 0);
    };
  }
}
