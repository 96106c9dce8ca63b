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
 */
public record Charge(
    CounterKey key, long amount, long limit, Admission admission, Instant windowEnd) {

  /** Validates the amounts. */
  public Charge {
    Checks.nonNegative("amount", amount);
    Checks.nonNegative("limit", limit);
  }

  /** The same charge under another admission rule. */
  public Charge withAdmission(Admission newAdmission) {
    return new Charge(key, amount, limit, newAdmission, windowEnd);
  }

  /** The same charge with another amount. */
  public Charge withAmount(long newAmount) {
    return new Charge(key, newAmount, limit, admission, windowEnd);
  }
}
