package dev.quota4j.jdbc;

import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import java.util.List;
import java.util.Set;

/**
 * A rollup table: sums of the outcome events that compaction added to it, one row per time bucket
 * ({@code grain}), subject kind and {@code keys} (a missing dimension stored as the empty string).
 *
 * @param table the table name
 * @param time its bucket column
 * @param grain HOUR or DAY
 * @param keys the key columns after the bucket and the subject kind, as in the ledger
 * @param dimensions what it can group and filter by, besides the subject kind
 * @param hashed whether the row is keyed by {@code dims_hash} (SHA-256 of the keys) in place of the
 *     keys themselves
 */
record Rollup(
    String table,
    String time,
    Bucket grain,
    List<String> keys,
    Set<Dimension> dimensions,
    boolean hashed) {

  /** The dimensions the hourly rollup holds. */
  static final Set<Dimension> HOURLY_DIMENSIONS =
      Set.of(Dimension.OPERATION, Dimension.PROVIDER, Dimension.MODEL);

  /** The sums every rollup row holds, in {@link AggregateRow} order. */
  static final List<String> SUMS =
      List.of(
          "requests",
          "errors",
          "denials",
          "input_tokens",
          "output_tokens",
          "cached_tokens",
          "characters",
          "cost_micros");

  /** Rollup rows per upsert statement (13 bind parameters each at most). */
  static final int ROWS_PER_STATEMENT = 500;

  /** The hourly rollup: hour, subject kind, provider, model, operation. */
  static Rollup hourly(Tables t) {
    return new Rollup(
        t.hourly,
        "hour_start",
        Bucket.HOUR,
        List.of("provider", "model", "operation"),
        HOURLY_DIMENSIONS,
        true);
  }

  /** Per day, subject and operation. */
  static Rollup subjectDaily(Tables t) {
    return new Rollup(
        t.subjectDaily,
        "day_start",
        Bucket.DAY,
        List.of("subject_id", "operation"),
        Set.of(Dimension.SUBJECT, Dimension.OPERATION),
        false);
  }

  /** Per day, subject kind, agent and tool. */
  static Rollup agentDaily(Tables t) {
    return new Rollup(
        t.agentDaily,
        "day_start",
        Bucket.DAY,
        List.of("agent", "tool"),
        Set.of(Dimension.AGENT, Dimension.TOOL),
        false);
  }

  /** Every rollup, in the order compaction writes them and aggregates prefer them. */
  static List<Rollup> all(Tables t) {
    return List.of(hourly(t), agentDaily(t), subjectDaily(t));
  }
}
