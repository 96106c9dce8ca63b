package dev.quota4j;

import dev.quota4j.internal.Checks;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * What a call really used, as the provider reported it.
 *
 * @param inputTokens prompt tokens
 * @param outputTokens completion tokens
 * @param cachedInputTokens the part of the input tokens served from the provider's cache (cache
 *     reads)
 * @param cacheWriteTokens the part of the input tokens written into the provider's prompt cache,
 *     which some providers (Anthropic) bill above the input price; disjoint from the cached input
 *     tokens, so {@code cachedInputTokens + cacheWriteTokens <= inputTokens}
 * @param characters characters sent (Unicode code points); -1: take the request's figure
 * @param model the model actually used; null: the one asked for
 * @param cost the cost the provider billed; null: priced by the manager's {@code ModelPricing}
 */
public record Usage(
    long inputTokens,
    long outputTokens,
    long cachedInputTokens,
    long cacheWriteTokens,
    long characters,
    @Nullable String model,
    @Nullable BigDecimal cost) {

  /**
   * The largest amount a caller may hand in, 10^15: of tokens and characters in a {@code Usage} or
   * a {@link UsageRequest}, of cost in micro-units (10^15 micro-units is 10^9 in money), and of a
   * cost the manager computes from prices. Far beyond any real call, and small enough that no
   * call's charge can overflow a counter: a larger value is refused with an {@link
   * IllegalArgumentException} naming the field, before any store call.
   */
  public static final long MAX_AMOUNT = dev.quota4j.internal.Checks.MAX_AMOUNT;

  /** Nothing used. */
  public static final Usage NONE = new Usage(0, 0, 0, 0, 0, null, null);

  /**
   * Validates the amounts (each at most {@link #MAX_AMOUNT}) and the model name.
   *
   * @throws IllegalArgumentException naming the field and the value
   */
  public Usage {
    Checks.amount("inputTokens", inputTokens);
    Checks.amount("outputTokens", outputTokens);
    Checks.amount("cachedInputTokens", cachedInputTokens);
    Checks.amount("cacheWriteTokens", cacheWriteTokens);
    if (cachedInputTokens > inputTokens) { // (the message is built only when it fails)
      Checks.argument(
          false,
          "cachedInputTokens",
          "must not exceed inputTokens (" + inputTokens + ")",
          cachedInputTokens);
    }
    if (cacheWriteTokens > inputTokens - cachedInputTokens) {
      Checks.argument(
          false,
          "cacheWriteTokens",
          "must not exceed inputTokens less cachedInputTokens ("
              + inputTokens
              + " - "
              + cachedInputTokens
              + ")",
          cacheWriteTokens);
    }
    if (characters != -1) {
      Checks.amount("characters", characters);
    }
    Checks.optionalId("model", model);
    if (cost != null) {
      var unused = Money.amountToMicros("cost", cost);
    }
  }

  /**
   * The form without cache-write tokens (none were written), kept for callers written before they
   * existed.
   *
   * @throws IllegalArgumentException naming the field and the value
   */
  public Usage(
      long inputTokens,
      long outputTokens,
      long cachedInputTokens,
      long characters,
      @Nullable String model,
      @Nullable BigDecimal cost) {
    this(inputTokens, outputTokens, cachedInputTokens, 0, characters, model, cost);
  }

  /** Input and output tokens. */
  public static Usage of(long inputTokens, long outputTokens) {
    return new Usage(inputTokens, outputTokens, 0, 0, -1, null, null);
  }

  /** A total of tokens, counted as output (for providers that report only a total). */
  public static Usage tokens(long totalTokens) {
    return of(0, totalTokens);
  }

  /** The same usage with cached input tokens (cache reads, a part of the input tokens). */
  public Usage withCachedInputTokens(long cached) {
    return new Usage(inputTokens, outputTokens, cached, cacheWriteTokens, characters, model, cost);
  }

  /**
   * The same usage with cache-write tokens: the part of the input tokens written into the
   * provider's prompt cache.
   */
  public Usage withCacheWriteTokens(long written) {
    return new Usage(
        inputTokens, outputTokens, cachedInputTokens, written, characters, model, cost);
  }

  /** The same usage with a character count. */
  public Usage withCharacters(long count) {
    Checks.amount("characters", count);
    return new Usage(
        inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, count, model, cost);
  }

  /** The same usage for the model actually used. */
  public Usage withModel(String modelUsed) {
    return new Usage(
        inputTokens,
        outputTokens,
        cachedInputTokens,
        cacheWriteTokens,
        characters,
        modelUsed,
        cost);
  }

  /** The same usage with the cost the provider billed. */
  public Usage withCost(BigDecimal billed) {
    return new Usage(
        inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, characters, model, billed);
  }

  /** Input plus output tokens. */
  public long totalTokens() {
    return inputTokens + outputTokens;
  }
}
