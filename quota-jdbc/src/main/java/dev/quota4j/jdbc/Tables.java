package dev.quota4j.jdbc;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The table (and PostgreSQL function) names under one prefix. The prefix is validated as a plain
 * SQL identifier before it reaches any SQL text, so nothing can be injected through it.
 */
final class Tables {
  /** Lower-case letter, then lower-case letters, digits or underscores. */
  private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,31}");

  /** The longest prefix: 63 (PostgreSQL's identifier limit) less the longest index suffix. */
  static final int MAX_PREFIX_LENGTH = 32;

  /** The default prefix. */
  static final String DEFAULT_PREFIX = "quota_";

  final String prefix;
  final String schemaVersion;
  final String subjects;
  final String counters;

  /** The stripes of hot counters (schema V8). */
  final String counterStripes;

  final String reservations;
  final String events;
  final String hourly;
  final String daily;
  final String subjectDaily;
  final String agentDaily;

  /** PostgreSQL's admission functions (schema V4), named like the tables. */
  final String reserveFunction;

  final String commitFunction;

  Tables(String prefix) {
    this.prefix = validatePrefix(prefix);
    schemaVersion = prefix + "schema_version";
    subjects = prefix + "subjects";
    counters = prefix + "counters";
    counterStripes = prefix + "counter_stripes";
    reservations = prefix + "reservations";
    events = prefix + "usage_events";
    hourly = prefix + "usage_hourly";
    daily = prefix + "usage_daily";
    reserveFunction = prefix + "reserve";
    commitFunction = prefix + "commit";
    subjectDaily = prefix + "usage_subject_daily";
    agentDaily = prefix + "usage_agent_daily";
  }

  /** Every table, in the order the schema scripts create them. */
  List<String> all() {
    return List.of(
        schemaVersion,
        subjects,
        counters,
        reservations,
        events,
        hourly,
        daily,
        subjectDaily,
        agentDaily,
        counterStripes);
  }

  static String validatePrefix(String prefix) {
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "tablePrefix must be a lower-case SQL identifier: a letter a-z, then up to "
              + (MAX_PREFIX_LENGTH - 1)
              + " letters a-z, digits or underscores; was "
              + Args.show(prefix));
    }
    return prefix;
  }
}
