package dev.quota4j.spi;

/**
 * What a counter holds.
 *
 * @param used committed usage
 * @param reserved usage held by open reservations
 */
public record CounterValue(long used, long reserved) {
  /** A counter that does not exist yet. */
  public static final CounterValue ZERO = new CounterValue(0, 0);
}
