package dev.quota4j.spi;

import dev.quota4j.Beta;

/**
 * How ledger aggregates are split in time. Buckets are UTC hours and UTC days.
 *
 * <p>Beta until 1.0.
 */
@Beta
public enum Bucket {
  /** One bucket for the whole range; {@link AggregateRow#bucketStart()} is null. */
  NONE,
  /**
   * UTC hours. Usage already rolled into daily summaries lands on the start of its day (unless the
   * store answers from an hourly rollup that kept it: see {@link AggregateQuery}).
   */
  HOUR,
  /** UTC days. */
  DAY
}
