package dev.quota4j.pricing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link PriceTable} does with a model it has no price for: {@link #deny()}, {@link
 * #defaultPrice}, or {@link #zeroWithWarning()} (the default).
 */
public final class UnknownModelPolicy {

  /** The three policies. */
  public enum Kind {
    /**
     * The manager denies the call with {@code UNKNOWN_MODEL_PRICE}: a call naming an unpriced model
     * always, a call naming no model when an ENFORCE or SOFT COST limit counts it. Usage already
     * spent is priced at zero with a warning, never refused.
     */
    DENY,
    /** The call is priced at a default price, also a call that names no model. */
    DEFAULT_PRICE,
    /**
     * The call costs zero and the manager warns its listeners, once per model name (and once for
     * calls naming no model).
     */
    ZERO_WITH_WARNING
  }

  private static final UnknownModelPolicy DENY = new UnknownModelPolicy(Kind.DENY, null);
  private static final UnknownModelPolicy ZERO =
      new UnknownModelPolicy(Kind.ZERO_WITH_WARNING, null);

  private final Kind kind;
  private final @Nullable ModelPrice defaultPrice;

  private UnknownModelPolicy(Kind kind, @Nullable ModelPrice defaultPrice) {
    this.kind = kind;
    this.defaultPrice = defaultPrice;
  }

  /**
   * Deny calls to unpriced models with {@code UNKNOWN_MODEL_PRICE}, and calls naming no model that
   * a COST limit counts (see {@link Kind#DENY}).
   */
  public static UnknownModelPolicy deny() {
    return DENY;
  }

  /** Price unpriced models at zero; the manager warns its listeners. */
  public static UnknownModelPolicy zeroWithWarning() {
    return ZERO;
  }

  /**
   * Price unpriced models at these prices per million tokens. {@link PriceTable#find} returns them
   * as a {@link ModelPrice} for model {@code *}, effective since 1970-01-01.
   */
  public static UnknownModelPolicy defaultPrice(
      BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion) {
    return new UnknownModelPolicy(
        Kind.DEFAULT_PRICE,
        new ModelPrice(
            "*", inputPerMillion, outputPerMillion, cachedInputPerMillion, LocalDate.EPOCH));
  }

  /** Which policy this is. */
  public Kind kind() {
    return kind;
  }

  /** The default price, for {@link Kind#DEFAULT_PRICE} only. */
  public Optional<ModelPrice> defaultPrice() {
    return Optional.ofNullable(defaultPrice);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof UnknownModelPolicy other
        && other.kind == kind
        && Objects.equals(other.defaultPrice, defaultPrice);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, defaultPrice);
  }

  @Override
  public String toString() {
    return defaultPrice == null ? kind.name() : kind + "(" + defaultPrice + ")";
  }
}
