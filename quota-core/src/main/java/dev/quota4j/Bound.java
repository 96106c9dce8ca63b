package dev.quota4j;

import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A limit bound to a subject, its amount after overrides, and its current window. */
final class Bound {
  final Limit limit;
  final SubjectRef subject;
  final long amount;
  final Instant windowStart;
  final @Nullable Instant windowEnd;

  /** Where the window never ends: the end the store keeps, so that retention can delete it. */
  final Instant storedEnd;

  Bound(
      Limit limit,
      SubjectRef subject,
      long amount,
      Instant windowStart,
      @Nullable Instant windowEnd) {
    this(limit, subject, amount, windowStart, windowEnd, Instant.MAX);
  }

  Bound(
      Limit limit,
      SubjectRef subject,
      long amount,
      Instant windowStart,
      @Nullable Instant windowEnd,
      Instant storedEnd) {
    this.limit = limit;
    this.subject = subject;
    this.amount = amount;
    this.windowStart = windowStart;
    this.windowEnd = windowEnd;
    this.storedEnd = storedEnd;
  }

  CounterKey key() {
    return new CounterKey(limit.name(), subject, windowStart);
  }

  Admission admissionIfEnforced(long charge) {
    return limit.overshoot() == Overshoot.ADMIT_IF_ANY || charge == 0
        ? Admission.ANY_REMAINING
        : Admission.FIT;
  }

  Charge charge(long charge) {
    Admission a =
        limit.mode() != LimitMode.ENFORCE ? Admission.ALWAYS : admissionIfEnforced(charge);
    return new Charge(
        key(), charge, amount, a, windowEnd != null ? windowEnd : storedEnd, limit.storeStripes());
  }
}
