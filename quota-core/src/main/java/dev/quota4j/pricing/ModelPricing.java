package dev.quota4j.pricing;

import java.time.Instant;
import java.util.Optional;

/** Finds the price of a model. Implementations are thread-safe. */
public interface ModelPricing {

  /**
   * The price in effect for {@code model} at {@code at}. An implementation that prices unknown
   * models at a default price returns that price here.
   */
  Optional<ModelPrice> find(String model, Instant at);

  /**
   * Whether a call with no price must be denied with {@code UNKNOWN_MODEL_PRICE}: a call naming a
   * model with no price always; a call naming no model, with no {@linkplain #findUnnamed price for
   * such calls}, when an ENFORCE or SOFT COST limit counts it (a SHADOW one only reports the denial
   * that would have happened). When false, or when the call is admitted anyway, it is priced at
   * zero and listeners are warned, once per model name (and once for calls naming none). Usage that
   * already happened ({@code commit}, {@code fail}, {@code record}) is never refused for want of a
   * price: it is priced at zero with that warning.
   */
  default boolean denyUnknownModels() {
    return false;
  }

  /**
   * The price of a call that names no model. None by default: such a call is unpriced, like a model
   * with no price (see {@link #denyUnknownModels}). A {@link PriceTable} with a {@linkplain
   * UnknownModelPolicy#defaultPrice default price} returns that price, so that a flat rate (seed
   * 000 prices every call at $0.02 per 1,000 tokens) applies to calls that do not say which model
   * they use.
   */
  default Optional<ModelPrice> findUnnamed(Instant at) {
    return Optional.empty();
  }

  /**
   * Prices nothing: every cost is zero. A manager with no pricing uses it and warns of nothing; set
   * explicitly, every model is unpriced and warned about once.
   */
  static ModelPricing none() {
    return (model, at) -> Optional.empty();
  }
}
