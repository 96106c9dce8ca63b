package dev.quota4j.reports;

import dev.quota4j.Limit;
import dev.quota4j.LimitMode;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Money;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStatus;
import dev.quota4j.Retention;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageLevel;
import dev.quota4j.Window;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Usage reports read from the store that enforces the limits: one method per report, each returning
 * records that {@link Csv} writes. Ledger reports are answered by {@link QuotaStore#aggregate} (on
 * JDBC, one {@code GROUP BY} statement in the database over the rollups that compaction keeps, the
 * events it has not reached yet, and the ledger and daily summaries at the ends of the range; see
 * {@link Retention}); status reports by {@link QuotaManager#status}.
 *
 * <pre>{@code
 * UsageReports reports = UsageReports.of(quotas);
 * List<UsageReports.SubjectDay> days = reports.dailyBySubject(from, to);
 * Csv.write(writer, UsageReports.SubjectDay.HEADER, days);
 * }</pre>
 *
 * <p>Conventions: ranges are {@code from <= time < to}; days, hours and months are UTC; "calls" are
 * SUCCESS and ERROR events, "denials" QUOTA_EXCEEDED events; tokens are input plus output; cost is
 * the priced cost the ledger recorded, in the currency of the prices, with six decimal places;
 * averages are per call, rounded half up to two decimal places. Usage older than the retention age
 * is read from the daily summaries, so over those days hours fall on the start of their day; a
 * workflow trace and the workflows {@link #subjectStats} counts need the events themselves.
 *
 * <p>Thread-safe; stateless apart from its settings.
 */
public final class UsageReports {
  /** The most events a workflow trace returns. */
  public static final int MAX_TRACE_EVENTS = 10_000;

  /** The most hours, days or months one report spans. */
  public static final int MAX_BUCKETS = 10_000;

  /** Default percentage used at which a provider key is {@link KeyState#WARNING}. */
  public static final int DEFAULT_KEY_WARNING_PERCENT = 80;

  /** Default percentage used at which a provider key is {@link KeyState#CRITICAL}. */
  public static final int DEFAULT_KEY_CRITICAL_PERCENT = 90;

  /** Above this relative change between the halves of a period, a trend is not stable. */
  public static final int TREND_THRESHOLD_PERCENT = 10;

  private final QuotaManager manager;
  private final QuotaStore store;
  private final Clock clock;
  private final int keyWarningPercent;
  private final int keyCriticalPercent;

  private UsageReports(QuotaManager manager, int keyWarningPercent, int keyCriticalPercent) {
    this.manager = manager;
    this.store = manager.store();
    this.clock = manager.clock();
    this.keyWarningPercent = keyWarningPercent;
    this.keyCriticalPercent = keyCriticalPercent;
  }

  /** Reports over the manager's store, policy and clock. */
  public static UsageReports of(QuotaManager manager) {
    return new UsageReports(
        Checks.notNull("manager", manager),
        DEFAULT_KEY_WARNING_PERCENT,
        DEFAULT_KEY_CRITICAL_PERCENT);
  }

  /**
   * The same reports with other provider-key thresholds: a key is WARNING from {@code warning}
   * percent used and CRITICAL from {@code critical} percent; DISABLED at 100 % or when deactivated.
   * Defaults 80 and 90 (seed 003).
   */
  public UsageReports withKeyThresholds(int warning, int critical) {
    Checks.argument(warning >= 1 && warning <= 99, "warning", "must be 1 to 99", warning);
    Checks.argument(
        critical > warning && critical <= 99,
        "critical",
        "must be above warning (" + warning + ") and at most 99",
        critical);
    return new UsageReports(manager, warning, critical);
  }

  // ---------------------------------------------------------------- ledger reports

  /** Per subject per UTC day: calls, denials, tokens and cost; by subject, then day. */
  public List<SubjectDay> dailyBySubject(Instant from, Instant to) {
    range(from, to);
    List<SubjectDay> out = new ArrayList<>();
    for (AggregateRow r :
        store.aggregate(
            AggregateQuery.between(from, to).groupBy(Dimension.SUBJECT).bucket(Bucket.DAY))) {
      out.add(
          new SubjectDay(
              Checks.notNull("subject", r.subject()),
              day(Checks.notNull("bucketStart", r.bucketStart())),
              r.calls(),
              r.denials(),
              r.inputTokens(),
              r.outputTokens(),
              r.totalTokens(),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(Comparator.comparing(SubjectDay::subject).thenComparing(SubjectDay::day));
    return out;
  }

  /** The agents with the most tokens (events naming no agent left out), most first. */
  public List<TopEntry> topAgents(Instant from, Instant to, int limit) {
    range(from, to);
    Checks.positive("limit", limit);
    return top(store.aggregate(AggregateQuery.between(from, to).groupBy(Dimension.AGENT)), limit);
  }

  /**
   * The (agent, tool) pairs with the most tokens (events naming no tool left out), most first; the
   * agent may be null.
   */
  public List<TopEntry> topTools(Instant from, Instant to, int limit) {
    range(from, to);
    Checks.positive("limit", limit);
    return top(
        store.aggregate(AggregateQuery.between(from, to).groupBy(Dimension.AGENT, Dimension.TOOL)),
        limit);
  }

  private static List<TopEntry> top(List<AggregateRow> rows, int limit) {
    List<TopEntry> out = new ArrayList<>();
    boolean byTool = false;
    for (AggregateRow r : rows) {
      byTool |= r.tool() != null;
    }
    for (AggregateRow r : rows) {
      if ((byTool ? r.tool() : r.agent()) == null || r.calls() == 0) {
        continue;
      }
      out.add(
          new TopEntry(
              r.agent(),
              r.tool(),
              r.calls(),
              r.totalTokens(),
              average(r.totalTokens(), r.calls()),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(
        Comparator.comparingLong(TopEntry::totalTokens)
            .reversed()
            .thenComparing(TopEntry::agent, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(TopEntry::tool, Comparator.nullsFirst(Comparator.naturalOrder())));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }

  /** Per subject and operation: calls, errors, tokens and cost; by subject, then most tokens. */
  public List<OperationActivity> activityByOperation(Instant from, Instant to) {
    range(from, to);
    List<OperationActivity> out = new ArrayList<>();
    for (AggregateRow r :
        store.aggregate(
            AggregateQuery.between(from, to).groupBy(Dimension.SUBJECT, Dimension.OPERATION))) {
      if (r.calls() == 0 && r.denials() == 0) {
        continue;
      }
      out.add(
          new OperationActivity(
              Checks.notNull("subject", r.subject()),
              r.operation(),
              r.calls(),
              r.errors(),
              r.denials(),
              r.totalTokens(),
              average(r.totalTokens(), r.calls()),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(
        Comparator.comparing(OperationActivity::subject)
            .thenComparing(Comparator.comparingLong(OperationActivity::totalTokens).reversed())
            .thenComparing(
                OperationActivity::operation, Comparator.nullsFirst(Comparator.naturalOrder())));
    return out;
  }

  /**
   * Per primary subject: the workflows it ran, calls, errors, denials, tokens and cost; by subject.
   * Seed 001's user activity ({@code workflows_executed}, total tokens, total cost). See {@link
   * #subjectStats(SubjectKind, Instant, Instant)}.
   */
  public List<SubjectStats> subjectStats(Instant from, Instant to) {
    return subjectStats(null, from, to);
  }

  /**
   * Per primary subject of one kind ({@link SubjectKind#USER} for seed 001's users) or, when {@code
   * kind} is null, of every kind: the workflows it ran, calls, errors, denials, tokens, average and
   * cost; by subject.
   *
   * <p>A subject's workflows are the distinct workflow ids (events with none left out) of its
   * outcome events in the range, denied ones included: a workflow counts once per subject that it
   * ran for, and in every range that holds one of its events. Workflows are counted from the
   * ledger's events: over days retention has purged, their usage counts but their workflows do not
   * (the daily summaries keep none; the in-memory store's likewise for events that a full ledger
   * dropped). The store is asked for one row per subject and workflow ({@link Dimension#WORKFLOW}),
   * which no rollup answers: over long ranges this report reads the ledger itself.
   */
  public List<SubjectStats> subjectStats(@Nullable SubjectKind kind, Instant from, Instant to) {
    range(from, to);
    Map<SubjectRef, AggregateRow> totals = new HashMap<>();
    Map<SubjectRef, Long> workflows = new HashMap<>();
    for (AggregateRow r :
        store.aggregate(
            AggregateQuery.between(from, to)
                .forSubjectKind(kind)
                .groupBy(Dimension.SUBJECT, Dimension.WORKFLOW))) {
      SubjectRef subject = Checks.notNull("subject", r.subject());
      totals.merge(subject, r, AggregateRow::plus);
      if (r.workflowId() != null && (r.calls() > 0 || r.denials() > 0)) {
        workflows.merge(subject, 1L, Long::sum);
      }
    }
    List<SubjectStats> out = new ArrayList<>();
    totals.forEach(
        (subject, r) -> {
          if (r.calls() == 0 && r.denials() == 0) {
            return;
          }
          out.add(
              new SubjectStats(
                  subject,
                  workflows.getOrDefault(subject, 0L),
                  r.calls(),
                  r.errors(),
                  r.denials(),
                  r.totalTokens(),
                  average(r.totalTokens(), r.calls()),
                  Money.fromMicros(r.costMicros())));
        });
    out.sort(Comparator.comparing(SubjectStats::subject));
    return out;
  }

  /**
   * The whole system's load per UTC hour, every hour of the range (hours with no usage as zero),
   * oldest first, with the percentage of the system's hourly limit used: the policy's first HOUR
   * limit that applies to {@link SubjectKind#SYSTEM}, preferring a TOKENS limit; none: no
   * percentage. The percentage is of the limit's metric, rounded half up to one decimal place.
   */
  public List<HourLoad> systemHourlyLoad(Instant from, Instant to) {
    range(from, to);
    Instant first = from.truncatedTo(ChronoUnit.HOURS);
    Instant end = ceil(to, ChronoUnit.HOURS);
    long hours = Duration.between(first, end).toHours();
    Checks.argument(
        hours <= MAX_BUCKETS, "to", "must be at most " + MAX_BUCKETS + " hours after from", to);
    Limit limit = systemHourlyLimit();
    Map<Instant, AggregateRow> byHour = new HashMap<>();
    for (AggregateRow r : store.aggregate(AggregateQuery.between(first, end).bucket(Bucket.HOUR))) {
      byHour.merge(Checks.notNull("bucketStart", r.bucketStart()), r, AggregateRow::plus);
    }
    List<HourLoad> out = new ArrayList<>();
    for (Instant h = first; h.isBefore(end); h = h.plus(1, ChronoUnit.HOURS)) {
      AggregateRow r = byHour.get(h);
      long calls = r == null ? 0 : r.calls();
      long tokens = r == null ? 0 : r.totalTokens();
      long cost = r == null ? 0 : r.costMicros();
      BigDecimal percent = null;
      if (limit != null) {
        long used = r == null ? 0 : amountOf(limit.metric(), r);
        percent = percent(used, limit.amount(), 1);
      }
      out.add(
          new HourLoad(
              h,
              calls,
              r == null ? 0 : r.denials(),
              tokens,
              Money.fromMicros(cost),
              limit == null ? null : limit.name(),
              limit == null ? null : limit.metric(),
              limit == null ? 0 : limit.amount(),
              percent));
    }
    return out;
  }

  private @Nullable Limit systemHourlyLimit() {
    Limit found = null;
    for (Limit l : manager.policy().limits()) {
      if (l.appliesTo() == SubjectKind.SYSTEM && l.window() == Window.HOUR) {
        if (l.metric() == Metric.TOKENS) {
          return l;
        }
        if (found == null) {
          found = l;
        }
      }
    }
    return found;
  }

  private static long amountOf(Metric m, AggregateRow r) {
    return switch (m) {
      case TOKENS -> r.totalTokens();
      case INPUT_TOKENS -> r.inputTokens();
      case OUTPUT_TOKENS -> r.outputTokens();
      case REQUESTS -> r.calls();
      case CHARACTERS -> r.characters();
      case COST -> r.costMicros();
    };
  }

  /**
   * Every ledger event of one workflow, in the order they happened (at most {@link
   * #MAX_TRACE_EVENTS}). Events that retention purged are not in it.
   */
  public List<TraceStep> workflowTrace(String workflowId) {
    Checks.id("workflowId", workflowId);
    List<UsageEvent> events =
        store.findEvents(EventQuery.all(MAX_TRACE_EVENTS).forWorkflow(workflowId));
    List<TraceStep> out = new ArrayList<>(events.size());
    int step = 0;
    for (UsageEvent e : events) {
      out.add(
          new TraceStep(
              ++step,
              e.time(),
              e.eventId(),
              e.status(),
              e.subject(),
              e.operation(),
              e.agent(),
              e.tool(),
              e.provider(),
              e.model(),
              e.inputTokens(),
              e.outputTokens(),
              Money.fromMicros(e.costMicros()),
              e.errorCode()));
    }
    return out;
  }

  /**
   * Per agent (events naming no agent left out): calls, errors, error rate (errors per call, in
   * percent, half up to two places), tokens, average and cost; most tokens first.
   */
  public List<AgentStats> agentStats(Instant from, Instant to) {
    range(from, to);
    List<AgentStats> out = new ArrayList<>();
    for (AggregateRow r :
        store.aggregate(AggregateQuery.between(from, to).groupBy(Dimension.AGENT))) {
      if (r.agent() == null || (r.calls() == 0 && r.denials() == 0)) {
        continue;
      }
      out.add(
          new AgentStats(
              r.agent(),
              r.calls(),
              r.errors(),
              percent(r.errors(), r.calls(), 2),
              r.denials(),
              r.totalTokens(),
              average(r.totalTokens(), r.calls()),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(
        Comparator.comparingLong(AgentStats::totalTokens)
            .reversed()
            .thenComparing(AgentStats::agent));
    return out;
  }

  /**
   * A period's totals, with a breakdown by operation and by provider and model (most tokens first),
   * for one subject or, when {@code subject} is null, for everyone.
   */
  public PeriodStats periodStats(@Nullable SubjectRef subject, Instant from, Instant to) {
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

  /**
   * Usage per UTC day from {@code first} to {@code last}, both included, every day (days with no
   * usage as zero), for one subject or, when {@code subject} is null, for everyone.
   */
  public List<DayUsage> history(@Nullable SubjectRef subject, LocalDate first, LocalDate last) {
    Checks.argument(
        !last.isBefore(first), "last", "must not be before first (" + first + ")", last);
    long days = ChronoUnit.DAYS.between(first, last) + 1;
    Checks.argument(
        days <= MAX_BUCKETS, "last", "must be at most " + MAX_BUCKETS + " days after first", last);
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

  /** The last {@code days} UTC days up to and including today; see {@link #history}. */
  public List<DayUsage> history(@Nullable SubjectRef subject, int days) {
    Checks.argument(days >= 1 && days <= MAX_BUCKETS, "days", "must be 1 to " + MAX_BUCKETS, days);
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    return history(subject, today.minusDays(days - 1L), today);
  }

  /**
   * The trend over the {@code days} complete UTC days before today: the daily average of tokens and
   * a direction by this rule. The period is split into an earlier and a later half of {@code days /
   * 2} days each (for an odd number of days the middle day belongs to neither); the trend is {@link
   * TrendDirection#INCREASING} when the later half used more than {@value #TREND_THRESHOLD_PERCENT}
   * % more tokens than the earlier half (or the earlier half none and the later some), {@link
   * TrendDirection#DECREASING} when it used more than {@value #TREND_THRESHOLD_PERCENT} % fewer,
   * and {@link TrendDirection#STABLE} otherwise.
   */
  public Trend trend(@Nullable SubjectRef subject, int days) {
    Checks.argument(days >= 2 && days <= MAX_BUCKETS, "days", "must be 2 to " + MAX_BUCKETS, days);
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
    if (l.compareTo(e.multiply(BigDecimal.valueOf(100L + TREND_THRESHOLD_PERCENT))) > 0) {
      direction = TrendDirection.INCREASING;
    } else if (l.compareTo(e.multiply(BigDecimal.valueOf(100L - TREND_THRESHOLD_PERCENT))) < 0) {
      direction = TrendDirection.DECREASING;
    } else {
      direction = TrendDirection.STABLE;
    }
    return new Trend(subject, days, total, average(total, days), earlier, later, direction, h);
  }

  /**
   * Usage per UTC calendar month from {@code first} to {@code last}, both included, every month,
   * for one subject or, when {@code subject} is null, for everyone (seed 002's monthly aggregation,
   * read from the same ledger and summaries).
   */
  public List<MonthUsage> monthly(@Nullable SubjectRef subject, YearMonth first, YearMonth last) {
    Checks.argument(
        !last.isBefore(first), "last", "must not be before first (" + first + ")", last);
    long months = ChronoUnit.MONTHS.between(first, last) + 1;
    Checks.argument(
        months <= MAX_BUCKETS,
        "last",
        "must be at most " + MAX_BUCKETS + " months after first",
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

  // ---------------------------------------------------------------- status reports

  /**
   * Where each provider key stands (seed 003), in the order given: the least remaining percentage
   * over its limits (those of the policy that apply to {@link SubjectKind#PROVIDER_KEY} in their
   * current windows; a SHADOW limit, such as a request count kept only to be shown, is listed with
   * the others but left out, and a SOFT one can make a key WARNING or CRITICAL but not DISABLED)
   * and its state: DISABLED when deactivated or an enforced limit is used up, CRITICAL from the
   * critical percentage used (default 90), WARNING from the warning percentage (default 80),
   * AVAILABLE below. A key with no limits is AVAILABLE with 100 % remaining.
   */
  public List<ProviderKeyStatus> providerKeys(Collection<String> keys) {
    List<ProviderKeyStatus> out = new ArrayList<>();
    for (String k : keys) {
      Checks.id("provider key", k);
      out.add(keyStatus(k));
    }
    return out;
  }

  /**
   * The key to use next: of the keys that are not DISABLED, the one with the most remaining
   * percentage; on a tie, the first given. Empty when every key is disabled.
   */
  public Optional<String> chooseProviderKey(List<String> keys) {
    ProviderKeyStatus best = null;
    for (ProviderKeyStatus s : providerKeys(keys)) {
      if (s.state() != KeyState.DISABLED
          && (best == null || s.remainingPercent().compareTo(best.remainingPercent()) > 0)) {
        best = s;
      }
    }
    return best == null ? Optional.empty() : Optional.of(best.key());
  }

  private ProviderKeyStatus keyStatus(String key) {
    QuotaStatus status = manager.status(SubjectRef.providerKey(key));
    LimitStatus tightest = null;
    BigDecimal remaining = BigDecimal.valueOf(100).setScale(1, RoundingMode.UNNECESSARY);
    boolean usedUp = false;
    for (LimitStatus l : status.limits()) {
      if (!l.window().isStored() || l.mode() == LimitMode.SHADOW) {
        continue; // a SHADOW limit only counts (see limits()); a SOFT one warns but never disables
      }
      usedUp |= l.mode() == LimitMode.ENFORCE && l.remaining() == 0;
      BigDecimal r = percent(l.remaining(), l.limit(), 1);
      if (l.limit() == 0) {
        r = BigDecimal.ZERO.setScale(1, RoundingMode.UNNECESSARY);
      }
      if (tightest == null || r.compareTo(remaining) < 0) {
        tightest = l;
        remaining = r;
      }
    }
    KeyState state;
    BigDecimal used = BigDecimal.valueOf(100).subtract(remaining);
    if (!status.active() || usedUp) {
      state = KeyState.DISABLED;
    } else if (used.compareTo(BigDecimal.valueOf(keyCriticalPercent)) >= 0) {
      state = KeyState.CRITICAL;
    } else if (used.compareTo(BigDecimal.valueOf(keyWarningPercent)) >= 0) {
      state = KeyState.WARNING;
    } else {
      state = KeyState.AVAILABLE;
    }
    return new ProviderKeyStatus(
        key,
        state,
        remaining,
        tightest == null ? null : tightest.limitName(),
        tightest == null ? 0 : tightest.used() + tightest.reserved(),
        tightest == null ? 0 : tightest.limit(),
        tightest == null ? null : tightest.resetsAt(),
        status.limits());
  }

  /**
   * An overall health summary of one subject (seed 004): every limit with its percentage and level,
   * the worst level, and the limits at WARNING or worse as alerts.
   */
  public HealthSummary health(SubjectRef subject) {
    QuotaStatus status = manager.status(subject);
    List<HealthLimit> limits = new ArrayList<>();
    for (LimitStatus l : status.limits()) {
      limits.add(
          new HealthLimit(
              l.subject(),
              l.limitName(),
              l.metric(),
              l.window(),
              l.used(),
              l.reserved(),
              l.limit(),
              l.remaining(),
              percent(l.used() + l.reserved(), l.limit(), 1),
              l.level(),
              l.resetsAt()));
    }
    UsageLevel level = status.level();
    return new HealthSummary(
        subject,
        status.plan(),
        status.active(),
        status.active() && level == UsageLevel.OK,
        level,
        limits,
        limits.stream().filter(h -> h.level() != UsageLevel.OK).toList());
  }

  // ---------------------------------------------------------------- helpers

  private static void range(Instant from, Instant to) {
    Checks.argument(!to.isBefore(from), "to", "must not be before from (" + from + ")", to);
  }

  private static Instant ceil(Instant t, ChronoUnit unit) {
    Instant f = t.truncatedTo(unit);
    return f.equals(t) ? t : f.plus(1, unit);
  }

  private static LocalDate day(Instant t) {
    return LocalDate.ofInstant(t, ZoneOffset.UTC);
  }

  private static Instant start(LocalDate d) {
    return d.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** {@code total / count}, half up to two places; zero when count is zero. */
  static BigDecimal average(long total, long count) {
    if (count == 0) {
      return BigDecimal.ZERO.setScale(2, RoundingMode.UNNECESSARY);
    }
    return BigDecimal.valueOf(total).divide(BigDecimal.valueOf(count), 2, RoundingMode.HALF_UP);
  }

  /** {@code part / whole} in percent, half up to {@code scale} places; zero when whole is zero. */
  static BigDecimal percent(long part, long whole, int scale) {
    if (whole == 0) {
      return BigDecimal.ZERO.setScale(scale, RoundingMode.UNNECESSARY);
    }
    return BigDecimal.valueOf(part)
        .multiply(BigDecimal.valueOf(100))
        .divide(BigDecimal.valueOf(whole), scale, RoundingMode.HALF_UP);
  }

  // ---------------------------------------------------------------- report rows

  /**
   * Usage of one subject on one UTC day.
   *
   * @param subject the primary subject
   * @param day the UTC day
   * @param calls SUCCESS and ERROR events
   * @param denials QUOTA_EXCEEDED events
   * @param inputTokens input tokens
   * @param outputTokens output tokens
   * @param totalTokens input plus output tokens
   * @param cost the priced cost
   */
  public record SubjectDay(
      SubjectRef subject,
      LocalDate day,
      long calls,
      long denials,
      long inputTokens,
      long outputTokens,
      long totalTokens,
      BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<SubjectDay> COLUMNS =
        Columns.of(SubjectDay.class)
            .add("subject_kind", r -> r.subject().kind())
            .add("subject_id", r -> r.subject().id())
            .add("day", SubjectDay::day)
            .add("calls", SubjectDay::calls)
            .add("denials", SubjectDay::denials)
            .add("input_tokens", SubjectDay::inputTokens)
            .add("output_tokens", SubjectDay::outputTokens)
            .add("total_tokens", SubjectDay::totalTokens)
            .add("cost", SubjectDay::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<SubjectDay> columns() {
      return COLUMNS;
    }
  }

  /**
   * An agent, or an agent's tool, by tokens.
   *
   * @param agent the agent; null when the events named none
   * @param tool the tool; null in {@link #topAgents}
   * @param calls SUCCESS and ERROR events
   * @param totalTokens input plus output tokens
   * @param averageTokens tokens per call
   * @param cost the priced cost
   */
  public record TopEntry(
      @Nullable String agent,
      @Nullable String tool,
      long calls,
      long totalTokens,
      BigDecimal averageTokens,
      BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<TopEntry> COLUMNS =
        Columns.of(TopEntry.class)
            .add("agent", TopEntry::agent)
            .add("tool", TopEntry::tool)
            .add("calls", TopEntry::calls)
            .add("total_tokens", TopEntry::totalTokens)
            .add("average_tokens", TopEntry::averageTokens)
            .add("cost", TopEntry::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<TopEntry> columns() {
      return COLUMNS;
    }
  }

  /**
   * One subject's activity in one operation.
   *
   * @param subject the primary subject
   * @param operation the operation; null when the events named none
   * @param calls SUCCESS and ERROR events
   * @param errors ERROR events
   * @param denials QUOTA_EXCEEDED events
   * @param totalTokens input plus output tokens
   * @param averageTokens tokens per call
   * @param cost the priced cost
   */
  public record OperationActivity(
      SubjectRef subject,
      @Nullable String operation,
      long calls,
      long errors,
      long denials,
      long totalTokens,
      BigDecimal averageTokens,
      BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<OperationActivity> COLUMNS =
        Columns.of(OperationActivity.class)
            .add("subject_kind", r -> r.subject().kind())
            .add("subject_id", r -> r.subject().id())
            .add("operation", OperationActivity::operation)
            .add("calls", OperationActivity::calls)
            .add("errors", OperationActivity::errors)
            .add("denials", OperationActivity::denials)
            .add("total_tokens", OperationActivity::totalTokens)
            .add("average_tokens", OperationActivity::averageTokens)
            .add("cost", OperationActivity::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<OperationActivity> columns() {
      return COLUMNS;
    }
  }

  /**
   * One subject's activity: seed 001's per-user summary.
   *
   * @param subject the primary subject
   * @param workflows the distinct workflows of its events in the range (of those the ledger still
   *     holds: see {@link UsageReports#subjectStats(SubjectKind, Instant, Instant)})
   * @param calls SUCCESS and ERROR events
   * @param errors ERROR events
   * @param denials QUOTA_EXCEEDED events
   * @param totalTokens input plus output tokens
   * @param averageTokens tokens per call
   * @param cost the priced cost
   */
  public record SubjectStats(
      SubjectRef subject,
      long workflows,
      long calls,
      long errors,
      long denials,
      long totalTokens,
      BigDecimal averageTokens,
      BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<SubjectStats> COLUMNS =
        Columns.of(SubjectStats.class)
            .add("subject_kind", r -> r.subject().kind())
            .add("subject_id", r -> r.subject().id())
            .add("workflows", SubjectStats::workflows)
            .add("calls", SubjectStats::calls)
            .add("errors", SubjectStats::errors)
            .add("denials", SubjectStats::denials)
            .add("total_tokens", SubjectStats::totalTokens)
            .add("average_tokens", SubjectStats::averageTokens)
            .add("cost", SubjectStats::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<SubjectStats> columns() {
      return COLUMNS;
    }
  }

  /**
   * The whole system's load in one UTC hour.
   *
   * @param hour the start of the hour
   * @param calls SUCCESS and ERROR events
   * @param denials QUOTA_EXCEEDED events
   * @param totalTokens input plus output tokens
   * @param cost the priced cost
   * @param limitName the system's hourly limit; null when the policy has none
   * @param metric the limit's metric; null when there is no limit
   * @param limit the limit's amount; 0 when there is none
   * @param capacityPercent the limit's metric used, as a percentage of the limit; null when none
   */
  public record HourLoad(
      Instant hour,
      long calls,
      long denials,
      long totalTokens,
      BigDecimal cost,
      @Nullable String limitName,
      @Nullable Metric metric,
      long limit,
      @Nullable BigDecimal capacityPercent)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<HourLoad> COLUMNS =
        Columns.of(HourLoad.class)
            .add("hour", HourLoad::hour)
            .add("calls", HourLoad::calls)
            .add("denials", HourLoad::denials)
            .add("total_tokens", HourLoad::totalTokens)
            .add("cost", HourLoad::cost)
            .add("limit_name", HourLoad::limitName)
            .add("metric", HourLoad::metric)
            .add("limit", HourLoad::limit)
            .add("capacity_percent", HourLoad::capacityPercent);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<HourLoad> columns() {
      return COLUMNS;
    }
  }

  /**
   * One event of a workflow.
   *
   * @param step 1 for the first event, then 2, 3, ...
   * @param time when it happened
   * @param eventId the event id
   * @param status the outcome
   * @param subject the primary subject
   * @param operation the operation
   * @param agent the agent
   * @param tool the tool
   * @param provider the provider
   * @param model the model
   * @param inputTokens input tokens
   * @param outputTokens output tokens
   * @param cost the priced cost
   * @param errorCode the denial code or error class, if any
   */
  public record TraceStep(
      int step,
      Instant time,
      String eventId,
      EventStatus status,
      SubjectRef subject,
      @Nullable String operation,
      @Nullable String agent,
      @Nullable String tool,
      @Nullable String provider,
      @Nullable String model,
      long inputTokens,
      long outputTokens,
      BigDecimal cost,
      @Nullable String errorCode)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<TraceStep> COLUMNS =
        Columns.of(TraceStep.class)
            .add("step", TraceStep::step)
            .add("time", TraceStep::time)
            .add("event_id", TraceStep::eventId)
            .add("status", TraceStep::status)
            .add("subject_kind", r -> r.subject().kind())
            .add("subject_id", r -> r.subject().id())
            .add("operation", TraceStep::operation)
            .add("agent", TraceStep::agent)
            .add("tool", TraceStep::tool)
            .add("provider", TraceStep::provider)
            .add("model", TraceStep::model)
            .add("input_tokens", TraceStep::inputTokens)
            .add("output_tokens", TraceStep::outputTokens)
            .add("cost", TraceStep::cost)
            .add("error_code", TraceStep::errorCode);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<TraceStep> columns() {
      return COLUMNS;
    }
  }

  /**
   * One agent's statistics.
   *
   * @param agent the agent
   * @param calls SUCCESS and ERROR events
   * @param errors ERROR events
   * @param errorRatePercent errors per call, in percent
   * @param denials QUOTA_EXCEEDED events
   * @param totalTokens input plus output tokens
   * @param averageTokens tokens per call
   * @param cost the priced cost
   */
  public record AgentStats(
      String agent,
      long calls,
      long errors,
      BigDecimal errorRatePercent,
      long denials,
      long totalTokens,
      BigDecimal averageTokens,
      BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<AgentStats> COLUMNS =
        Columns.of(AgentStats.class)
            .add("agent", AgentStats::agent)
            .add("calls", AgentStats::calls)
            .add("errors", AgentStats::errors)
            .add("error_rate_percent", AgentStats::errorRatePercent)
            .add("denials", AgentStats::denials)
            .add("total_tokens", AgentStats::totalTokens)
            .add("average_tokens", AgentStats::averageTokens)
            .add("cost", AgentStats::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<AgentStats> columns() {
      return COLUMNS;
    }
  }

  /**
   * A line of {@link PeriodStats}: the total, one operation, or one provider and model.
   *
   * @param group {@code total}, {@code operation} or {@code provider_model}
   * @param operation the operation, in an {@code operation} line
   * @param provider the provider, in a {@code provider_model} line
   * @param model the model, in a {@code provider_model} line
   * @param calls SUCCESS and ERROR events
   * @param errors ERROR events
   * @param denials QUOTA_EXCEEDED events
   * @param inputTokens input tokens
   * @param outputTokens output tokens
   * @param totalTokens input plus output tokens
   * @param averageTokens tokens per call
   * @param cost the priced cost
   */
  public record StatsRow(
      String group,
      @Nullable String operation,
      @Nullable String provider,
      @Nullable String model,
      long calls,
      long errors,
      long denials,
      long inputTokens,
      long outputTokens,
      long totalTokens,
      BigDecimal averageTokens,
      BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<StatsRow> COLUMNS =
        Columns.of(StatsRow.class)
            .add("group", StatsRow::group)
            .add("operation", StatsRow::operation)
            .add("provider", StatsRow::provider)
            .add("model", StatsRow::model)
            .add("calls", StatsRow::calls)
            .add("errors", StatsRow::errors)
            .add("denials", StatsRow::denials)
            .add("input_tokens", StatsRow::inputTokens)
            .add("output_tokens", StatsRow::outputTokens)
            .add("total_tokens", StatsRow::totalTokens)
            .add("average_tokens", StatsRow::averageTokens)
            .add("cost", StatsRow::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    static StatsRow of(String group, AggregateRow r) {
      return new StatsRow(
          group,
          r.operation(),
          r.provider(),
          r.model(),
          r.calls(),
          r.errors(),
          r.denials(),
          r.inputTokens(),
          r.outputTokens(),
          r.totalTokens(),
          average(r.totalTokens(), r.calls()),
          Money.fromMicros(r.costMicros()));
    }

    @Override
    public Columns<StatsRow> columns() {
      return COLUMNS;
    }
  }

  /**
   * A period's statistics.
   *
   * @param subject the subject; null for everyone
   * @param from the start of the period
   * @param to the end of the period (excluded)
   * @param total the totals
   * @param byOperation one line per operation, most tokens first
   * @param byProviderModel one line per provider and model, most tokens first
   */
  public record PeriodStats(
      @Nullable SubjectRef subject,
      Instant from,
      Instant to,
      StatsRow total,
      List<StatsRow> byOperation,
      List<StatsRow> byProviderModel) {
    /** Copies the lists. */
    public PeriodStats {
      byOperation = List.copyOf(byOperation);
      byProviderModel = List.copyOf(byProviderModel);
    }

    /** Every line, for CSV: the total, then the operations, then the providers and models. */
    public List<StatsRow> rows() {
      List<StatsRow> out = new ArrayList<>();
      out.add(total);
      out.addAll(byOperation);
      out.addAll(byProviderModel);
      return out;
    }
  }

  /**
   * Usage on one UTC day.
   *
   * @param day the day
   * @param calls SUCCESS and ERROR events
   * @param errors ERROR events
   * @param denials QUOTA_EXCEEDED events
   * @param totalTokens input plus output tokens
   * @param cost the priced cost
   */
  public record DayUsage(
      LocalDate day, long calls, long errors, long denials, long totalTokens, BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<DayUsage> COLUMNS =
        Columns.of(DayUsage.class)
            .add("day", DayUsage::day)
            .add("calls", DayUsage::calls)
            .add("errors", DayUsage::errors)
            .add("denials", DayUsage::denials)
            .add("total_tokens", DayUsage::totalTokens)
            .add("cost", DayUsage::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<DayUsage> columns() {
      return COLUMNS;
    }
  }

  /**
   * Usage in one UTC calendar month.
   *
   * @param month the month
   * @param calls SUCCESS and ERROR events
   * @param errors ERROR events
   * @param denials QUOTA_EXCEEDED events
   * @param inputTokens input tokens
   * @param outputTokens output tokens
   * @param cost the priced cost
   */
  public record MonthUsage(
      YearMonth month,
      long calls,
      long errors,
      long denials,
      long inputTokens,
      long outputTokens,
      BigDecimal cost)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<MonthUsage> COLUMNS =
        Columns.of(MonthUsage.class)
            .add("month", MonthUsage::month)
            .add("calls", MonthUsage::calls)
            .add("errors", MonthUsage::errors)
            .add("denials", MonthUsage::denials)
            .add("input_tokens", MonthUsage::inputTokens)
            .add("output_tokens", MonthUsage::outputTokens)
            .add("total_tokens", MonthUsage::totalTokens)
            .add("cost", MonthUsage::cost);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    /** Input plus output tokens. */
    public long totalTokens() {
      return inputTokens + outputTokens;
    }

    @Override
    public Columns<MonthUsage> columns() {
      return COLUMNS;
    }
  }

  /** Which way usage is heading; see {@link #trend}. */
  public enum TrendDirection {
    /** The later half used more than 10 % more. */
    INCREASING,
    /** The later half used more than 10 % less. */
    DECREASING,
    /** Neither. */
    STABLE
  }

  /**
   * A trend; see {@link #trend} for the rule.
   *
   * @param subject the subject; null for everyone
   * @param days the number of complete days
   * @param totalTokens tokens over the days
   * @param dailyAverageTokens tokens per day
   * @param earlierHalfTokens tokens of the earlier half
   * @param laterHalfTokens tokens of the later half
   * @param direction the direction
   * @param history the days, oldest first
   */
  public record Trend(
      @Nullable SubjectRef subject,
      int days,
      long totalTokens,
      BigDecimal dailyAverageTokens,
      long earlierHalfTokens,
      long laterHalfTokens,
      TrendDirection direction,
      List<DayUsage> history)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<Trend> COLUMNS =
        Columns.of(Trend.class)
            .add("subject_kind", r -> r.subject() == null ? null : r.subject().kind())
            .add("subject_id", r -> r.subject() == null ? null : r.subject().id())
            .add("days", Trend::days)
            .add("total_tokens", Trend::totalTokens)
            .add("daily_average_tokens", Trend::dailyAverageTokens)
            .add("earlier_half_tokens", Trend::earlierHalfTokens)
            .add("later_half_tokens", Trend::laterHalfTokens)
            .add("direction", Trend::direction);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    /** Copies the history. */
    public Trend {
      history = List.copyOf(history);
    }

    @Override
    public Columns<Trend> columns() {
      return COLUMNS;
    }
  }

  /** A provider key's state (seed 003). */
  public enum KeyState {
    /** Below the warning percentage. */
    AVAILABLE,
    /** At or above the warning percentage (80 % by default). */
    WARNING,
    /** At or above the critical percentage (90 % by default). */
    CRITICAL,
    /** A limit is used up, or the key is deactivated: do not use it. */
    DISABLED
  }

  /**
   * Where one provider key stands.
   *
   * @param key the provider key
   * @param state its state
   * @param remainingPercent the least remaining percentage over its limits, one decimal place
   * @param tightestLimit the limit with the least remaining; null when it has none
   * @param used used plus reserved in that limit's window
   * @param limit that limit's amount
   * @param resetsAt when that limit's window resets
   * @param limits every limit of the key
   */
  public record ProviderKeyStatus(
      String key,
      KeyState state,
      BigDecimal remainingPercent,
      @Nullable String tightestLimit,
      long used,
      long limit,
      @Nullable Instant resetsAt,
      List<LimitStatus> limits)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<ProviderKeyStatus> COLUMNS =
        Columns.of(ProviderKeyStatus.class)
            .add("key", ProviderKeyStatus::key)
            .add("state", ProviderKeyStatus::state)
            .add("remaining_percent", ProviderKeyStatus::remainingPercent)
            .add("tightest_limit", ProviderKeyStatus::tightestLimit)
            .add("used", ProviderKeyStatus::used)
            .add("limit", ProviderKeyStatus::limit)
            .add("resets_at", ProviderKeyStatus::resetsAt);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    /** Copies the limits. */
    public ProviderKeyStatus {
      limits = List.copyOf(limits);
    }

    @Override
    public Columns<ProviderKeyStatus> columns() {
      return COLUMNS;
    }
  }

  /**
   * One limit in a {@link HealthSummary}.
   *
   * @param subject who is charged
   * @param limitName the limit
   * @param metric its metric (cost in micro-units)
   * @param window its window
   * @param used used in the current window
   * @param reserved held by open reservations
   * @param limit the limit in force
   * @param remaining what is left
   * @param percent used plus reserved, as a percentage of the limit, one decimal place
   * @param level how close it is to being used up
   * @param resetsAt when the window resets; null when it does not
   */
  public record HealthLimit(
      SubjectRef subject,
      String limitName,
      Metric metric,
      Window window,
      long used,
      long reserved,
      long limit,
      long remaining,
      BigDecimal percent,
      UsageLevel level,
      @Nullable Instant resetsAt)
      implements ReportRow {
    /** The columns, declared once: the CSV header and each row's values. */
    public static final Columns<HealthLimit> COLUMNS =
        Columns.of(HealthLimit.class)
            .add("subject_kind", r -> r.subject().kind())
            .add("subject_id", r -> r.subject().id())
            .add("limit_name", HealthLimit::limitName)
            .add("metric", HealthLimit::metric)
            .add("window", HealthLimit::window)
            .add("used", HealthLimit::used)
            .add("reserved", HealthLimit::reserved)
            .add("limit", HealthLimit::limit)
            .add("remaining", HealthLimit::remaining)
            .add("percent", HealthLimit::percent)
            .add("level", HealthLimit::level)
            .add("resets_at", HealthLimit::resetsAt);

    /** The CSV header: the names of {@link #COLUMNS}. */
    public static final List<String> HEADER = COLUMNS.names();

    @Override
    public Columns<HealthLimit> columns() {
      return COLUMNS;
    }
  }

  /**
   * A subject's health (seed 004).
   *
   * @param subject the subject
   * @param plan its plan, if any
   * @param active whether it may be admitted
   * @param healthy active and every limit below its first threshold
   * @param level the worst level over its limits
   * @param limits every limit
   * @param alerts the limits at WARNING or worse
   */
  public record HealthSummary(
      SubjectRef subject,
      @Nullable String plan,
      boolean active,
      boolean healthy,
      UsageLevel level,
      List<HealthLimit> limits,
      List<HealthLimit> alerts) {
    /** Copies the lists. */
    public HealthSummary {
      limits = List.copyOf(limits);
      alerts = List.copyOf(alerts);
    }
  }
}
