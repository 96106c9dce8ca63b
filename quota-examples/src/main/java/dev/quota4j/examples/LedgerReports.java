package dev.quota4j.examples;

import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Aggregates ledger events read with {@code QuotaStore.findEvents}: calls, errors, denials, tokens
 * and cost by any dimension, and by hour. The examples use it for their analytics.
 */
public final class LedgerReports {
  private LedgerReports() {}

  /** One group's totals. */
  public static final class Row {
    /** The group's key (user, agent, tool, operation, hour, ...). */
    public final String key;

    /** Calls that ran (committed or failed). */
    public long calls;

    /** Calls that failed. */
    public long errors;

    /** Calls that were denied. */
    public long denials;

    /** Tokens used. */
    public long tokens;

    /** Cost in micro-units. */
    public long costMicros;

    Row(String key) {
      this.key = key;
    }

    /** Errors as a share of calls, in percent, one decimal. */
    public double errorRate() {
      return calls == 0 ? 0 : Math.round(errors * 1000.0 / calls) / 10.0;
    }

    /** The row as JSON, its key under {@code keyName}. */
    public Json.Obj toJson(String keyName) {
      return Json.object()
          .put(keyName, key)
          .put("calls", calls)
          .put("errors", errors)
          .put("error_rate_percent", errorRate())
          .put("denials", denials)
          .put("tokens", tokens)
          .put("cost_usd", dev.quota4j.QuotaDenial.asMoney(costMicros));
    }
  }

  /**
   * Totals grouped by {@code key}; events whose key is null are left out. Sorted by tokens, then
   * calls, most first.
   */
  public static List<Row> by(List<UsageEvent> events, Function<UsageEvent, @Nullable String> key) {
    Map<String, Row> rows = new LinkedHashMap<>();
    for (UsageEvent e : events) {
      String k = key.apply(e);
      if (k != null && counts(e)) {
        add(rows.computeIfAbsent(k, Row::new), e);
      }
    }
    List<Row> out = new ArrayList<>(rows.values());
    out.sort(
        Comparator.comparingLong((Row r) -> r.tokens)
            .thenComparingLong(r -> r.calls)
            .reversed()
            .thenComparing(r -> r.key));
    return out;
  }

  /** Totals by hour (UTC hour start), in time order. */
  public static List<Row> hourly(List<UsageEvent> events) {
    Map<Instant, Row> rows = new TreeMap<>();
    for (UsageEvent e : events) {
      if (!counts(e)) {
        continue;
      }
      Instant hour = e.time().truncatedTo(ChronoUnit.HOURS);
      add(rows.computeIfAbsent(hour, h -> new Row(h.toString())), e);
    }
    return List.copyOf(rows.values());
  }

  /** Denials counted by code, most first. */
  public static Map<String, Long> denialsByCode(List<UsageEvent> events) {
    Map<String, Long> counts = new TreeMap<>();
    for (UsageEvent e : events) {
      if (e.status() == EventStatus.QUOTA_EXCEEDED && e.errorCode() != null) {
        counts.merge(e.errorCode(), 1L, Long::sum);
      }
    }
    Map<String, Long> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(en -> sorted.put(en.getKey(), en.getValue()));
    return sorted;
  }

  private static boolean counts(UsageEvent e) {
    return e.status() == EventStatus.SUCCESS
        || e.status() == EventStatus.ERROR
        || e.status() == EventStatus.QUOTA_EXCEEDED;
  }

  private static void add(Row row, UsageEvent e) {
    switch (e.status()) {
      case SUCCESS -> row.calls++;
      case ERROR -> {
        row.calls++;
        row.errors++;
      }
      case QUOTA_EXCEEDED -> row.denials++;
      default -> {
        return; // released, expired, admin: no usage
      }
    }
    row.tokens += e.totalTokens();
    row.costMicros += e.costMicros();
  }

  /** Rows as a JSON array. */
  public static List<Object> toJson(List<Row> rows, String keyName) {
    List<Object> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.toJson(keyName)));
    return out;
  }
}
