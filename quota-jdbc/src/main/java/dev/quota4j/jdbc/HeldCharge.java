package dev.quota4j.jdbc;

import dev.quota4j.spi.CounterKey;
import java.time.Instant;

/** A charge held by a reservation, as stored in its row ({@link Rows#packCharges}). */
record HeldCharge(CounterKey key, long amount, long limit, Instant windowEnd) {}
