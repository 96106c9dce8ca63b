package dev.quota4j.dashboard;

import dev.quota4j.Limit;
import dev.quota4j.LimitMode;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStatus;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageLevel;
import dev.quota4j.Window;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The two figures the dashboard shows that {@link UsageReports} does not answer directly: denials
 * grouped by code, and the top users with their peak day against their daily token limit. Kept in
 * this one class so that it can give way to reports that answer them.
 */
final class DashboardData {
  /** The most ledger events read to count denials by code over one range. */
  static final int MAX_DENIAL_EVENTS = 1_000_000;

  private DashboardData() {}

  /** A user's usage over the range and their busiest UTC day against the daily token limit. */
  record UserPeak(
      String user,
      @Nullable String plan,
      long calls,
      long denials,
      long totalTokens,
      java.math.BigDecimal cost,
      long peakDayTokens,
      long dailyTokenLimit,
      @Nullable UsageLevel peakLevel) {}

  /** What one pass over the range's ledger events found. */
  record Scan(Map<String, Long> denialsByCode, Set<String> providerKeys) {}

  /**
   * One pass over the range's ledger events (at most {@link #MAX_DENIAL_EVENTS}): denials
   * (QUOTA_EXCEEDED events) counted by code, most first, then by code; and the provider keys the
   * events named, in order.
   */
  static Scan scan(QuotaManager manager, Instant from, Instant to) {
    Map<String, Long> counts = new TreeMap<>();
    Set<String> keys = new TreeSet<>();
    for (UsageEvent e :
        manager.store().findEvents(new EventQuery(from, to, null, null, MAX_DENIAL_EVENTS))) {
      String code = e.errorCode();
      if (e.status() == EventStatus.QUOTA_EXCEEDED && code != null) {
        counts.merge(code, 1L, Long::sum);
      }
      String key = e.providerKey();
      if (key != null) {
        keys.add(key);
      }
    }
    Map<String, Long> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(en -> sorted.put(en.getKey(), en.getValue()));
    return new Scan(sorted, keys);
  }

  /**
   * The {@code limit} users with the most tokens in the range (ties by id), each with the most
   * tokens of one UTC day and the level that day reached against the user's daily TOKENS limit (the
   * first enforced one their status lists; none: no level).
   */
  static List<UserPeak> topUsers(
      QuotaManager manager, UsageReports reports, Instant from, Instant to, int limit) {
    Map<String, List<SubjectDay>> byUser = new TreeMap<>();
    for (SubjectDay d : reports.dailyBySubject(from, to)) {
      if (d.subject().kind() == SubjectKind.USER) {
        byUser.computeIfAbsent(d.subject().id(), k -> new ArrayList<>()).add(d);
      }
    }
    List<Map.Entry<String, List<SubjectDay>>> ranked = new ArrayList<>(byUser.entrySet());
    ranked.sort(
        Comparator.comparingLong(
                (Map.Entry<String, List<SubjectDay>> en) ->
                    en.getValue().stream().mapToLong(SubjectDay::totalTokens).sum())
            .reversed()
            .thenComparing(Map.Entry::getKey));
    List<UserPeak> out = new ArrayList<>();
    for (Map.Entry<String, List<SubjectDay>> en :
        ranked.subList(0, Math.min(limit, ranked.size()))) {
      List<SubjectDay> days = en.getValue();
      long peak = days.stream().mapToLong(SubjectDay::totalTokens).max().orElse(0);
      QuotaStatus status = manager.status(SubjectRef.user(en.getKey()));
      LimitStatus daily =
          status.limits().stream()
              .filter(
                  l ->
                      l.window() == Window.DAY
                          && l.metric() == Metric.TOKENS
                          && l.mode() == LimitMode.ENFORCE)
              .findFirst()
              .orElse(null);
      UsageLevel level = null;
      long dailyLimit = 0;
      if (daily != null) {
        dailyLimit = daily.limit();
        level = UsageLevel.of(peak, dailyLimit, thresholds(manager, status.plan(), daily));
      }
      out.add(
          new UserPeak(
              en.getKey(),
              status.plan(),
              days.stream().mapToLong(SubjectDay::calls).sum(),
              days.stream().mapToLong(SubjectDay::denials).sum(),
              days.stream().mapToLong(SubjectDay::totalTokens).sum(),
              days.stream()
                  .map(SubjectDay::cost)
                  .reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add),
              peak,
              dailyLimit,
              level));
    }
    return out;
  }

  private static List<Integer> thresholds(
      QuotaManager manager, @Nullable String planName, LimitStatus status) {
    Plan plan = planName == null ? null : manager.policy().plan(planName);
    Limit limit = plan == null ? null : plan.limit(status.limitName());
    if (limit == null) {
      limit =
          manager.policy().limits().stream()
              .filter(l -> l.name().equals(status.limitName()))
              .findFirst()
              .orElse(null);
    }
    return limit == null ? Limit.DEFAULT_THRESHOLDS : limit.thresholds();
  }
}
