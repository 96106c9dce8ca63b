package dev.quota4j.spi;

import dev.quota4j.Beta;
import dev.quota4j.internal.Checks;
import java.time.Instant;

/**
 * Moves the {@code used} amount of one counter onto another, as part of {@link
 * QuotaStore#moveSubject}: {@code to.used += from.used; from.used = 0}. The reserved amounts stay
 * where they are (a live reservation settles on the counter it reserved).
 *
 * <p>Beta until 1.0.
 *
 * @param from the counter emptied
 * @param to the counter that receives the amount; created when missing
 * @param toLimit the limit of {@code to}, stored when it is created
 * @param toWindowEnd when the window of {@code to} ends, stored when it is created
 */
@Beta
public record CounterMove(CounterKey from, CounterKey to, long toLimit, Instant toWindowEnd) {
  /** Validates the limit and that the counters differ. */
  public CounterMove {
    Checks.nonNegative("toLimit", toLimit);
    Checks.argument(!from.equals(to), "to", "must differ from from (" + from + ")", to);
  }
}
