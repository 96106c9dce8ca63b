package dev.quota4j.reports;

import dev.quota4j.QuotaManager;
import dev.quota4j.Retention;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.QuotaStore;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
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
 * List<SubjectDay> days = reports.dailyBySubject(from, to);
 * Csv.write(writer, SubjectDay.HEADER, days);
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
  private final QuotaStore reads;
  private final int keyWarningPercent;
  private final int keyCriticalPercent;
  private final LedgerReports ledger;
  private final LoadReports load;
  private final PeriodReports periods;
  private final StatusReports status;
  private final TopReports top;

  private UsageReports(
      QuotaManager manager, QuotaStore reads, int keyWarningPercent, int keyCriticalPercent) {
    this.manager = manager;
    this.reads = reads;
    this.keyWarningPercent = keyWarningPercent;
    this.keyCriticalPercent = keyCriticalPercent;
    this.ledger = new LedgerReports(reads);
    this.load = new LoadReports(manager, reads);
    this.periods = new PeriodReports(reads, manager.clock());
    this.status = new StatusReports(manager, keyWarningPercent, keyCriticalPercent);
    this.top = new TopReports(reads);
  }

  /** Reports over the manager's store, policy and clock. */
  public static UsageReports of(QuotaManager manager) {
    Checks.notNull("manager", manager);
    return new UsageReports(
        manager, manager.store(), DEFAULT_KEY_WARNING_PERCENT, DEFAULT_KEY_CRITICAL_PERCENT);
  }

  /**
   * The same reports with the ledger reports (every report but {@link #providerKeys}, {@link
   * #chooseProviderKey} and {@link #health}, which read the live counters through the manager) read
   * from {@code replica}: a store over a read replica of the manager's database, so that reports do
   * not load the primary that admission writes to. For the JDBC store, build it on the replica's
   * {@code DataSource} with the same table prefix and {@code SchemaMode.NONE} (it then writes
   * nothing at build time; reports only read). The replica's lag shows in the reports: see the
   * README.
   */
  public UsageReports readingFrom(QuotaStore replica) {
    return new UsageReports(
        manager, Checks.notNull("replica", replica), keyWarningPercent, keyCriticalPercent);
  }

  /**
   * The same reports with other provider-key thresholds: a key is WARNING from {@code warning}
   * percent used and CRITICAL from {@code critical} percent; DISABLED at 100 % or when deactivated.
   * Defaults 80 and 90.
   */
  public UsageReports withKeyThresholds(int warning, int critical) {
    Checks.argument(warning >= 1 && warning <= 99, "warning", "must be 1 to 99", warning);
    Checks.argument(
        critical > warning && critical <= 99,
        "critical",
        "must be above warning (" + warning + ") and at most 99",
        critical);
    return new UsageReports(manager, reads, warning, critical);
  }

  // ---------------------------------------------------------------- ledger reports
  // (computed by LedgerReports, LoadReports and PeriodReports)

  /** Per subject per UTC day: calls, denials, tokens and cost; by subject, then day. */
  public List<SubjectDay> dailyBySubject(Instant from, Instant to) {
    return ledger.dailyBySubject(from, to);
  }

  /**
   * One page of {@link #dailyBySubject(Instant, Instant)}, in its order (subject kind, then id,
   * then day), read a range of subjects at a time by keyset: a page deep in the range costs what
   * the first costs. See {@link Page} for what paging while events arrive hands out.
   */
  public Page<SubjectDay> dailyBySubject(Instant from, Instant to, PageRequest page) {
    Checks.notNull("page", page);
    return ledger.dailyBySubjectPager(from, to).page(page);
  }

  /**
   * Every row of {@link #dailyBySubject(Instant, Instant)}, in its order, read a few hundred
   * subjects at a time as the stream is consumed: memory does not grow with the number of rows.
   * Close the stream (try-with-resources); each read is its own snapshot, as with pages.
   *
   * <pre>{@code
   * try (Stream<SubjectDay> rows = reports.streamDailyBySubject(from, to)) {
   *   Csv.write(writer, SubjectDay.HEADER, rows);
   * }
   * }</pre>
   */
  public Stream<SubjectDay> streamDailyBySubject(Instant from, Instant to) {
    return ledger.dailyBySubjectPager(from, to).stream();
  }

  /**
   * The {@code n} subjects (of one kind, or of every kind when {@code kind} is null) with the most
   * tokens, cost, requests or denials over the range, most first (on a tie, by subject); subjects
   * with none of it are left out. Answered from one aggregate by subject (on JDBC, from the subject
   * rollup), keeping only the best {@code n} in memory.
   *
   * @param n 1 to {@value PageRequest#MAX_SIZE}
   */
  public List<SubjectTotals> topSubjects(
      TopBy by, @Nullable SubjectKind kind, Instant from, Instant to, int n) {
    return top.topSubjects(by, kind, from, to, n);
  }

  /**
   * Denials per code over the range, most first (on a tie, by code): every kind of subject together
   * ({@link CodeDenials#subjectKind()} null). Denials retention rolled into daily summaries keep
   * their code and count by their day.
   */
  public List<CodeDenials> denialsByCode(Instant from, Instant to) {
    return top.denialsByCode(from, to, false);
  }

  /**
   * Denials per code and kind of subject over the range, most first; see {@link #denialsByCode}.
   */
  public List<CodeDenials> denialsByCodeAndKind(Instant from, Instant to) {
    return top.denialsByCode(from, to, true);
  }

  /** The agents with the most tokens (events naming no agent left out), most first. */
  public List<TopEntry> topAgents(Instant from, Instant to, int limit) {
    return ledger.topAgents(from, to, limit);
  }

  /**
   * The (agent, tool) pairs with the most tokens (events naming no tool left out), most first; the
   * agent may be null.
   */
  public List<TopEntry> topTools(Instant from, Instant to, int limit) {
    return ledger.topTools(from, to, limit);
  }

  /** Per subject and operation: calls, errors, tokens and cost; by subject, then most tokens. */
  public List<OperationActivity> activityByOperation(Instant from, Instant to) {
    return ledger.activityByOperation(from, to);
  }

  /**
   * One page of {@link #activityByOperation(Instant, Instant)}, in its order; see {@link
   * #dailyBySubject(Instant, Instant, PageRequest)}.
   */
  public Page<OperationActivity> activityByOperation(Instant from, Instant to, PageRequest page) {
    Checks.notNull("page", page);
    return ledger.activityByOperationPager(from, to).page(page);
  }

  /**
   * Every row of {@link #activityByOperation(Instant, Instant)}, in its order, with memory flat in
   * the number of rows; close the stream. See {@link #streamDailyBySubject}.
   */
  public Stream<OperationActivity> streamActivityByOperation(Instant from, Instant to) {
    return ledger.activityByOperationPager(from, to).stream();
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
   * Per primary subject of one kind ({@link SubjectKind#USER} for users) or, when {@code kind} is
   * null, of every kind: the workflows it ran, calls, errors, denials, tokens, average and cost; by
   * subject.
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
    return ledger.subjectStats(kind, from, to);
  }

  /**
   * One page of {@link #subjectStats(SubjectKind, Instant, Instant)}, in its order (subject kind,
   * then id); see {@link #dailyBySubject(Instant, Instant, PageRequest)}.
   */
  public Page<SubjectStats> subjectStats(
      @Nullable SubjectKind kind, Instant from, Instant to, PageRequest page) {
    Checks.notNull("page", page);
    return ledger.subjectStatsPager(kind, from, to).page(page);
  }

  /**
   * Every row of {@link #subjectStats(SubjectKind, Instant, Instant)}, in its order, with memory
   * flat in the number of rows; close the stream. See {@link #streamDailyBySubject}.
   */
  public Stream<SubjectStats> streamSubjectStats(
      @Nullable SubjectKind kind, Instant from, Instant to) {
    return ledger.subjectStatsPager(kind, from, to).stream();
  }

  /**
   * The whole system's load per UTC hour, every hour of the range (hours with no usage as zero),
   * oldest first, with the percentage of the system's hourly limit used: the policy's first HOUR
   * limit that applies to {@link SubjectKind#SYSTEM}, preferring a TOKENS limit; none: no
   * percentage. The percentage is of the limit's metric, rounded half up to one decimal place.
   */
  public List<HourLoad> systemHourlyLoad(Instant from, Instant to) {
    return load.systemHourlyLoad(from, to);
  }

  /**
   * Every ledger event of one workflow, in the order they happened (at most {@link
   * #MAX_TRACE_EVENTS}). Events that retention purged are not in it.
   */
  public List<TraceStep> workflowTrace(String workflowId) {
    return ledger.workflowTrace(workflowId);
  }

  /**
   * Per agent (events naming no agent left out): calls, errors, error rate (errors per call, in
   * percent, half up to two places), tokens, average and cost; most tokens first.
   */
  public List<AgentStats> agentStats(Instant from, Instant to) {
    return ledger.agentStats(from, to);
  }

  /**
   * A period's totals, with a breakdown by operation and by provider and model (most tokens first),
   * for one subject or, when {@code subject} is null, for everyone.
   */
  public PeriodStats periodStats(@Nullable SubjectRef subject, Instant from, Instant to) {
    return periods.periodStats(subject, from, to);
  }

  /**
   * Usage per UTC day from {@code first} to {@code last}, both included, every day (days with no
   * usage as zero), for one subject or, when {@code subject} is null, for everyone.
   */
  public List<DayUsage> history(@Nullable SubjectRef subject, LocalDate first, LocalDate last) {
    return periods.history(subject, first, last);
  }

  /** The last {@code days} UTC days up to and including today; see {@link #history}. */
  public List<DayUsage> history(@Nullable SubjectRef subject, int days) {
    return periods.history(subject, days);
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
    return periods.trend(subject, days);
  }

  /**
   * Usage per UTC calendar month from {@code first} to {@code last}, both included, every month,
   * for one subject or, when {@code subject} is null, for everyone (a monthly aggregation, read
   * from the same ledger and summaries).
   */
  public List<MonthUsage> monthly(@Nullable SubjectRef subject, YearMonth first, YearMonth last) {
    return periods.monthly(subject, first, last);
  }

  // ---------------------------------------------------------------- status reports
  // (computed by StatusReports)

  /**
   * Where each provider key stands, in the order given: the least remaining percentage over its
   * limits (those of the policy that apply to {@link SubjectKind#PROVIDER_KEY} in their current
   * windows; a SHADOW limit, such as a request count kept only to be shown, is listed with the
   * others but left out, and a SOFT one can make a key WARNING or CRITICAL but not DISABLED) and
   * its state: DISABLED when deactivated or an enforced limit is used up, CRITICAL from the
   * critical percentage used (default 90), WARNING from the warning percentage (default 80),
   * AVAILABLE below. A key with no limits is AVAILABLE with 100 % remaining.
   */
  public List<ProviderKeyStatus> providerKeys(Collection<String> keys) {
    return status.providerKeys(keys);
  }

  /**
   * The key to use next: of the keys that are not DISABLED, the one with the most remaining
   * percentage; on a tie, the first given. Empty when every key is disabled.
   */
  public Optional<String> chooseProviderKey(List<String> keys) {
    return status.chooseProviderKey(keys);
  }

  /**
   * An overall health summary of one subject: every limit with its percentage and level, the worst
   * level, and the limits at WARNING or worse as alerts.
   */
  public HealthSummary health(SubjectRef subject) {
    return status.health(subject);
  }
}
