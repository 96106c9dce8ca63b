package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.pricing.ModelPrice;
import dev.quota4j.pricing.ModelPricing;
import dev.quota4j.tokens.OperationEstimates;
import dev.quota4j.tokens.TokenCounter;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** Estimates at admission and actual usage at settlement: token counts and prices. */
final class Estimator {
  private static final String MODEL_WHEN_NONE_GIVEN = "gpt-4o";

  private final TokenCounter tokenCounter;
  private final OperationEstimates operationEstimates;
  private final ModelPricing pricing;
  private final boolean warnUnpriced;
  private final Listeners listeners;

  /** Models already warned about as unpriced ({@code ""}: calls naming none), at most 1,024. */
  private final java.util.Set<String> warnedUnpriced = ConcurrentHashMap.newKeySet();

  Estimator(Engine engine, Listeners listeners) {
    this.tokenCounter = engine.tokenCounter();
    this.operationEstimates = engine.operationEstimates();
    this.pricing = engine.pricing();
    this.warnUnpriced = engine.warnUnpriced();
    this.listeners = listeners;
  }

  ModelPricing pricing() {
    return pricing;
  }

  Estimate estimate(UsageRequest request, Instant now) {
    String prompt = request.prompt();
    String model = request.model();
    long input = request.inputTokens();
    long maxOutput = Math.max(0, request.maxOutputTokens());
    if (input == UsageRequest.UNKNOWN) {
      if (prompt != null) {
        // a request that names no model is counted as the most common current one (o200k_base)
        input = tokenCounter.count(prompt, model != null ? model : MODEL_WHEN_NONE_GIVEN);
        Checks.amount("inputTokens counted from the prompt by the TokenCounter", input);
      } else {
        OptionalLong op =
            request.operation() == null
                ? OptionalLong.empty()
                : operationEstimates.tokensFor(request.operation());
        input = 0;
        if (op.isPresent() && request.maxOutputTokens() == UsageRequest.UNKNOWN) {
          // an operation estimate is a total; count it as output so that CLAMP can shrink it
          maxOutput = op.getAsLong();
        } else if (op.isPresent()) {
          input = Math.max(0, op.getAsLong() - maxOutput);
        }
      }
    }
    long chars = request.characters();
    if (chars == UsageRequest.UNKNOWN) {
      chars = prompt != null ? TokenCounter.characters(prompt) : 0;
    }
    // input and output are each at most Usage.MAX_AMOUNT: their sum cannot overflow
    long costMicros;
    java.math.BigDecimal given = request.estimatedCost();
    if (given != null) {
      costMicros = Money.toMicros("estimatedCost", given);
      return new Estimate(input, maxOutput, chars, costMicros, null, false);
    }
    ModelPrice price = priceOf(model, now);
    return new Estimate(input, maxOutput, chars, 0, price, price == null);
  }

  /** The price of {@code model} (null: of a call naming none), or null when there is none. */
  private @Nullable ModelPrice priceOf(@Nullable String model, Instant now) {
    return model == null
        ? pricing.findUnnamed(now).orElse(null)
        : pricing.find(model, now).orElse(null);
  }

  Actual actual(UsageRequest request, Estimate est, Usage usage, Instant now) {
    long costMicros;
    java.math.BigDecimal billed = usage.cost();
    if (billed != null) {
      costMicros = Money.toMicros("cost", billed);
    } else {
      // usage that happened is never refused for want of a price, whatever the policy: it is
      // priced at zero and listeners are warned
      String model = usage.model() != null ? usage.model() : request.model();
      ModelPrice price = priceOf(model, now);
      if (price == null && warnUnpriced) {
        warnUnpriced(model);
      }
      costMicros =
          price == null
              ? 0
              : pricedCost(
                  "cost",
                  price,
                  usage.inputTokens(),
                  usage.outputTokens(),
                  usage.cachedInputTokens(),
                  usage.cacheWriteTokens());
    }
    long chars = usage.characters() >= 0 ? usage.characters() : est.characters;
    return new Actual(usage, chars, costMicros);
  }

  /**
   * Tells listeners (and so the log, through the default {@link LoggingQuotaListener}) that usage
   * of {@code model} (null: of calls naming none) counts as zero cost: once per model name and
   * manager, for up to 1,024 names, then for each further name each time.
   */
  private void warnUnpriced(@Nullable String model) {
    String key = model == null ? "" : model;
    boolean first =
        warnedUnpriced.size() < 1_024 ? warnedUnpriced.add(key) : !warnedUnpriced.contains(key);
    if (!first) {
      return;
    }
    String message =
        model == null
            ? "A call that names no model has no price; its cost counts as zero"
            : "Model " + Checks.show(model) + " has no price; its cost counts as zero";
    listeners.fire(l -> l.onWarning("UNKNOWN_MODEL_PRICE", message));
  }

  /**
   * The cost of tokens at a price, in micro-units, refused (naming {@code field}) when it is more
   * than {@link Usage#MAX_AMOUNT}: like an amount a caller hands in, it must not overflow a
   * counter.
   */
  static long pricedCost(String field, ModelPrice price, long input, long output, long cached) {
    return pricedCost(field, price, input, output, cached, 0);
  }

  /** {@link #pricedCost(String, ModelPrice, long, long, long)} with cache-write tokens. */
  static long pricedCost(
      String field, ModelPrice price, long input, long output, long cached, long cacheWrite) {
    long micros = price.costMicros(input, output, cached, cacheWrite);
    if (micros > Usage.MAX_AMOUNT) {
      throw new IllegalArgumentException(
          field
              + " of "
              + input
              + " input and "
              + output
              + " output tokens at the price of "
              + Checks.show(price.model())
              + " must be at most "
              + Usage.MAX_AMOUNT
              + " micro-units (Usage.MAX_AMOUNT), was "
              + micros);
    }
    return micros;
  }
}
