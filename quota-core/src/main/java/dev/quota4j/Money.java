package dev.quota4j;

import dev.quota4j.internal.Checks;
import java.math.BigDecimal;

/** Converts between amounts of money and the integer micro-units (1e-6) stores keep. */
public final class Money {
  private static final BigDecimal MICROS_PER_UNIT = BigDecimal.valueOf(1_000_000);

  private Money() {}

  /**
   * Exact micro-units of {@code amount}. Fails, naming {@code field}, when the amount is negative,
   * has more than six decimal places, or does not fit in a long.
   */
  public static long toMicros(String field, BigDecimal amount) {
    Checks.nonNegative(field, amount);
    BigDecimal micros = amount.multiply(MICROS_PER_UNIT);
    try {
      return micros.longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          field
              + " must have at most 6 decimal places and fit in a long of micro-units, was "
              + amount.toPlainString(),
          e);
    }
  }

  /**
   * Like {@link #toMicros}, and fails, naming {@code field}, when the amount is more than {@link
   * Usage#MAX_AMOUNT} micro-units: a cost a caller hands in for one call.
   */
  static long amountToMicros(String field, BigDecimal amount) {
    long micros = toMicros(field, amount);
    if (micros > Usage.MAX_AMOUNT) {
      throw new IllegalArgumentException(
          field
              + " must be at most "
              + fromMicros(Usage.MAX_AMOUNT).toPlainString()
              + " (Usage.MAX_AMOUNT micro-units), was "
              + amount.toPlainString());
    }
    return micros;
  }

  /** Micro-units as an amount of money with six decimal places. */
  public static BigDecimal fromMicros(long micros) {
    return BigDecimal.valueOf(micros, 6);
  }
}
