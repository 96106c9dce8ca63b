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
   */
  record Granted(Map<CounterKey, CounterValue> unconditional) implements ReserveResult {
    /** Copies the map. */
    public Granted {
      unconditional = Map.copyOf(unconditional);
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
