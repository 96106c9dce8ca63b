package dev.quota4j.jdbc;

import dev.quota4j.spi.CounterKey;
import java.time.Instant;

/**
 * A charge held by a reservation, as stored in its row ({@link Rows#packCharges}): on the counter's
 * own row (stripe -1) or on one of its stripes ({@link Stripes}).
 */
record HeldCharge(CounterKey key, long amount, long limit, Instant windowEnd, int stripe) {
  /** A charge held on the counter's own row. */
  HeldCharge(CounterKey key, long amount, long limit, Instant windowEnd) {
    this(key, amount, limit, windowEnd, -1);
  }
}
