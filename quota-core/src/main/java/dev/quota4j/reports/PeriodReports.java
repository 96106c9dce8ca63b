package dev.quota4j.reports;

import static dev.quota4j.reports.Figures.average;
import static dev.quota4j.reports.Figures.day;
import static dev.quota4j.reports.Figures.range;
import static dev.quota4j.reports.Figures.start;

import dev.quota4j.Money;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.QuotaStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reports over periods: totals and breakdowns, every day or month, and trends; see {@link
 * UsageReports}.
 */
final class PeriodReports {
  private final QuotaStore store;
  private final Clock clock;

  PeriodReports(QuotaStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  PeriodStats periodStats(@Nullable SubjectRef subject, Instant from, Instant to) {
    range(from, to);
    AggregateQuery q = AggregateQuery.between(from, to).forSubject(subject);
    AggregateRow total = null;
    for (AggregateRow r : store.aggregate(q)) {
      total = total == null ? r : total.plus(r);
    }
    List<StatsRow> byOperation = new ArrayList<>();
    for (AggregateRow r : store.aggregate(q.groupBy(Dimension.OPERATION))) {
      byOperation.add(StatsRow.of("operation", r));
    }
    List<StatsRow> byModel = new ArrayList<>();
    for (AggregateRow r : store.aggregate(q.groupBy(Dimension.PROVIDER, Dimension.MODEL))) {
      byModel.add(StatsRow.of("provider_model", r));
    }
    Comparator<StatsRow> order =
        Comparator.comparingLong(StatsRow::totalTokens)
            .reversed()
            .thenComparing(StatsRow::operation, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(StatsRow::provider, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(StatsRow::model, Comparator.nullsFirst(Comparator.naturalOrder()));
    byOperation.sort(order);
    byModel.sort(order);
    StatsRow t =
        total == null
            ? StatsRow.of(
                "total",
                new AggregateRow(
                    null, null, null, null, null, null, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0))
            : StatsRow.of("total", total);
    return new PeriodStats(subject, from, to, t, byOperation, byModel);
  }

  List<DayUsage> history(@Nullable SubjectRef subject, LocalDate first, LocalDate last) {
    Checks.argument(
        !last.isBefore(first), "last", "must not be before first (" + first + ")", last);
    long days = ChronoUnit.DAYS.between(first, last) + 1;
    Checks.argument(
        days <= UsageReports.MAX_BUCKETS,
        "last",
        "must be at most " + UsageReports.MAX_BUCKETS + " days after first",
        last);
    Map<LocalDate, AggregateRow> byDay = new HashMap<>();
    for (AggregateRow r :
        store.aggregate(
            AggregateQuery.between(start(first), start(last.plusDays(1)))
                .forSubject(subject)
                .bucket(Bucket.DAY))) {
      byDay.merge(day(Checks.notNull("bucketStart", r.bucketStart())), r, AggregateRow::plus);
    }
    List<DayUsage> out = new ArrayList<>();
    for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
      AggregateRow r = byDay.get(d);
      out.add(
          r == null
              ? new DayUsage(d, 0, 0, 0, 0, Money.fromMicros(0))
              : new DayUsage(
                  d,
                  r.calls(),
                  r.errors(),
                  r.denials(),
                  r.totalTokens(),
                  Money.fromMicros(r.costMicros())));
    }
    return out;
  }

  List<DayUsage> history(@Nullable SubjectRef subject, int days) {
    Checks.argument(
        days >= 1 && days <= UsageReports.MAX_BUCKETS,
        "days",
        "must be 1 to " + UsageReports.MAX_BUCKETS,
        days);
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    return history(subject, today.minusDays(days - 1L), today);
  }

  Trend trend(@Nullable SubjectRef subject, int days) {
    Checks.argument(
        days >= 2 && days <= UsageReports.MAX_BUCKETS,
        "days",
        "must be 2 to " + UsageReports.MAX_BUCKETS,
        days);
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    List<DayUsage> h = history(subject, today.minusDays(days), today.minusDays(1));
    long total = 0;
    long earlier = 0;
    long later = 0;
    int half = days / 2;
    for (int i = 0; i < h.size(); i++) {
      long t = h.get(i).totalTokens();
      total = Checks.add("tokens", total, t);
      if (i < half) {
        earlier += t;
      } else if (i >= days - half) {
        later += t;
      }
    }
    BigDecimal e = BigDecimal.valueOf(earlier);
    BigDecimal l = BigDecimal.valueOf(later).multiply(BigDecimal.valueOf(100));
    TrendDirection direction;
    if (l.compareTo(e.multiply(BigDecimal.valueOf(100L + UsageReports.TREND_THRESHOLD_PERCENT)))
        > 0) {
      direction = TrendDirection.INCREASING;
    } else if (l.compareTo(
            e.multiply(BigDecimal.valueOf(100L - UsageReports.TREND_THRESHOLD_PERCENT)))
        < 0) {
      direction = TrendDirection.DECREASING;
    } else {
      direction = TrendDirection.STABLE;
    }
    return new Trend(subject, days, total, average(total, days), earlier, later, direction, h);
  }

  List<MonthUsage> monthly(@Nullable SubjectRef subject, YearMonth first, YearMonth last) {
    Checks.argument(
        !last.isBefore(first), "last", "must not be before first (" + first + ")", last);
    long months = ChronoUnit.MONTHS.between(first, last) + 1;
    Checks.argument(
        months <= UsageReports.MAX_BUCKETS,
        "last",
        "must be at most " + UsageReports.MAX_BUCKETS + " months after first",
        last);
    Map<YearMonth, AggregateRow> byMonth = new HashMap<>();
    for (AggregateRow r :
        store.aggregate(
            AggregateQuery.between(start(first.atDay(1)), start(last.plusMonths(1).atDay(1)))
                .forSubject(subject)
                .bucket(Bucket.DAY))) {
      YearMonth m = YearMonth.from(day(Checks.notNull("bucketStart", r.bucketStart())));
      byMonth.merge(m, r, AggregateRow::plus);
    }
    List<MonthUsage> out = new ArrayList<>();
    for (YearMonth m = first; !m.isAfter(last); m = m.plusMonths(1)) {
      AggregateRow r = byMonth.get(m);
      out.add(
          r == null
              ? new MonthUsage(m, 0, 0, 0, 0, 0, Money.fromMicros(0))
              : new MonthUsage(
                  m,
                  r.calls(),
                  r.errors(),
                  r.denials(),
                  r.inputTokens(),
                  r.outputTokens(),
                  Money.fromMicros(r.costMicros())));
    }
    return out;
  }
}
