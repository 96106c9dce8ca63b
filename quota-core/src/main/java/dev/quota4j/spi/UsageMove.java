package dev.quota4j.spi;

import dev.quota4j.Beta;
import dev.quota4j.Limit;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One counter of the subject that receives a {@link QuotaStore#moveSubject move}, charged with what
 * the moved ledger events would have charged it: {@code to.used +=} the sum of {@link #amountOf}
 * over every event moved. An event counts when its status is {@link EventStatus#SUCCESS} or {@link
 * EventStatus#ERROR} (the outcomes that charge counters), its time is in the counter's window
 * ({@code to.windowStart()} inclusive to {@code toWindowEnd} exclusive) and its provider, model and
 * operation pass the limit's filters; it adds the limit's metric of the event.
 *
 * <p>Beta until 1.0.
 *
 * @param to the counter that receives the amount; created when missing
 * @param toLimit the limit of {@code to}, stored when it is created
 * @param toWindowEnd when the window of {@code to} ends, stored when it is created
 * @param limit the limit of {@code to}: its metric and filters
 */
@Beta
public record UsageMove(CounterKey to, long toLimit, Instant toWindowEnd, Limit limit) {
  /** Validates the limit, the window and that the limit counts in a calendar window. */
  public UsageMove {
    Checks.notNull("to", to);
    Checks.nonNegative("toLimit", toLimit);
    Checks.notNull("toWindowEnd", toWindowEnd);
    Checks.notNull("limit", limit);
    Checks.argument(
        toWindowEnd.isAfter(to.windowStart()),
        "toWindowEnd",
        "must be after the window start " + to.windowStart(),
        toWindowEnd);
    Checks.argument(
        limit.window().isCalendar(), "limit", "must have a calendar window", limit.window());
  }

  /** What the event adds to {@code to}: zero unless it counts (see {@link UsageMove}). */
  public long amountOf(UsageEvent e) {
    return amountOf(
        e.status(),
        e.time(),
        e.provider(),
        e.model(),
        e.operation(),
        e.inputTokens(),
        e.outputTokens(),
        e.characters(),
        e.costMicros());
  }

  /** {@link #amountOf(UsageEvent)} from an event's fields, for stores that read rows. */
  public long amountOf(
      EventStatus status,
      Instant time,
      @Nullable String provider,
      @Nullable String model,
      @Nullable String operation,
      long inputTokens,
      long outputTokens,
      long characters,
      long costMicros) {
    if ((status != EventStatus.SUCCESS && status != EventStatus.ERROR)
        || time.isBefore(to.windowStart())
        || !time.isBefore(toWindowEnd)
        || !limit.matches(provider, model, operation)) {
      return 0;
    }
    return switch (limit.metric()) {
      case TOKENS -> sum(inputTokens, outputTokens);
      case INPUT_TOKENS -> inputTokens;
      case OUTPUT_TOKENS -> outputTokens;
      case REQUESTS -> 1;
      case CHARACTERS -> characters;
      case COST -> costMicros;
    };
  }

  /** {@code a + b}, at most {@link Long#MAX_VALUE} (amounts are never negative). */
  static long sum(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }
}
