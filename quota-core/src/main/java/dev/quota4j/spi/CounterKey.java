package dev.quota4j.spi;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import java.util.Comparator;

/**
 * Identifies one counter: a limit, a subject and the start of a window. A new window is a new key,
 * so counters never need a reset job.
 *
 * @param limitId the limit's name
 * @param subject who is charged
 * @param windowStart the start of the window; {@link Instant#EPOCH} for windows that do not roll
 */
public record CounterKey(String limitId, SubjectRef subject, Instant windowStart)
    implements Comparable<CounterKey> {

  /**
   * The order in which stores lock counters. Every store takes its locks in this order, so two
   * reservations never deadlock. The {@link SubjectKind#SYSTEM} counters come last: every call
   * charges them, so each transaction should hold their locks for as short a time as it can.
   */
  public static final Comparator<CounterKey> LOCK_ORDER =
      Comparator.comparing((CounterKey k) -> k.subject().kind() == SubjectKind.SYSTEM)
          .thenComparing(CounterKey::limitId)
          .thenComparing(CounterKey::subject)
          .thenComparing(CounterKey::windowStart);

  /** Validates the limit id. */
  public CounterKey {
    Checks.id("limitId", limitId);
  }

  @Override
  public int compareTo(CounterKey o) {
    return LOCK_ORDER.compare(this, o);
  }
}
