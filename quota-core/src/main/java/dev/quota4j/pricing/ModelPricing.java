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
   * Whether a call to a model with no price must be denied with {@code UNKNOWN_MODEL_PRICE}. When
   * false, it is priced at zero and listeners are warned.
   */
  default boolean denyUnknownModels() {
    return false;
  }

  /**
   * The price of a call that names no model. None by default: such a call costs zero, with no
   * warning and no denial. A {@link PriceTable} with a {@linkplain UnknownModelPolicy#defaultPrice
   * default price} returns that price, so that a flat rate (seed 000 prices every call at $0.02 per
   * 1,000 tokens) applies to calls that do not say which model they use.
   */
  default Optional<ModelPrice> findUnnamed(Instant at) {
    return Optional.empty();
  }

  /** Prices nothing: every cost is zero and no warning is given. */
  static ModelPricing none() {
    return (model, at) -> Optional.empty();
  }
}
