package dev.quota4j.spi;

import dev.quota4j.internal.Checks;
import java.time.Instant;

/**
 * An amount to add to one counter.
 *
 * @param key the counter
 * @param amount how much, in the metric's unit (micro-units for cost); zero or more
 * @param limit the limit in force for this counter; {@link Long#MAX_VALUE} when unlimited
 * @param admission when the store may add it
 * @param windowEnd when the window ends; a store may purge counters whose window ended long ago
 * @param stripes how many rows a store that can split a counter should keep it in (1: one row); a
 *     hint: a store keeps the counter exact whatever it does with it
 */
public record Charge(
    CounterKey key, long amount, long limit, Admission admission, Instant windowEnd, int stripes) {

  /** The most stripes a charge may ask for. */
  public static final int MAX_STRIPES = 256;

  /** Validates the amounts. */
  public Charge {
    Checks.nonNegative("amount", amount);
    Checks.nonNegative("limit", limit);
    Checks.argument(
        stripes >= 1 && stripes <= MAX_STRIPES,
        "stripes of " + key.limitId(),
        "must be 1 to " + MAX_STRIPES,
        stripes);
  }

  /** A charge kept in one row. */
  public Charge(CounterKey key, long amount, long limit, Admission admission, Instant windowEnd) {
    this(key, amount, limit, admission, windowEnd, 1);
  }

  /** The same charge with another number of stripes. */
  public Charge withStripes(int newStripes) {
    return new Charge(key, amount, limit, admission, windowEnd, newStripes);
  }

  /** The same charge under another admission rule. */
  public Charge withAdmission(Admission newAdmission) {
    return new Charge(key, amount, limit, newAdmission, windowEnd, stripes);
  }

  /** The same charge with another amount. */
  public Charge withAmount(long newAmount) {
    return new Charge(key, newAmount, limit, admission, windowEnd, stripes);
  }
}
