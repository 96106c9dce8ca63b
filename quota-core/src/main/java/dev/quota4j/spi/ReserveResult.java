package dev.quota4j.spi;

import java.util.Map;

/** What {@link QuotaStore#reserve} did: granted every charge, or none. */
public sealed interface ReserveResult {

  /**
   * Every charge was added to its counter's reserved amount.
   *
   * @param unconditional the counters of the {@link Admission#ALWAYS} charges after the
   *     reservation, so that soft and shadow limits can report a would-be denial without another
   *     read
   * @param counters the counters of every charge after the reservation, as far as the store learned
   *     them while reserving (a store that would need another read leaves a counter out; an empty
   *     map is a correct answer). They give a caller its remaining amounts and resets without
   *     another store call; nothing is decided from them.
   */
  record Granted(
      Map<CounterKey, CounterValue> unconditional, Map<CounterKey, CounterValue> counters)
      implements ReserveResult {
    /** Copies the maps. */
    public Granted {
      unconditional = Map.copyOf(unconditional);
      counters = Map.copyOf(counters);
    }

    /** Granted, reporting only the counters of the {@link Admission#ALWAYS} charges. */
    public Granted(Map<CounterKey, CounterValue> unconditional) {
      this(unconditional, unconditional);
    }
  }

  /**
   * Nothing was charged because one charge did not fit.
   *
   * @param charge the first charge, in the order given, that did not fit
   * @param current its counter when it was checked
   */
  record Rejected(Charge charge, CounterValue current) implements ReserveResult {}

  /** A reservation with this id already exists; nothing was changed. */
  record Duplicate() implements ReserveResult {}
}
