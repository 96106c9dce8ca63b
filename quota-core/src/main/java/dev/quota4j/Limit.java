package dev.quota4j;

import dev.quota4j.internal.Checks;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One limit: how much of a metric a subject may use in a window. Immutable; the {@code with}-style
 * methods return a changed copy.
 *
 * <pre>{@code
 * Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 500_000)
 * Limit.of("gpt4o-monthly-cost", Metric.COST, Window.MONTH, 0).costLimit(new BigDecimal("20.00"))
 *     .forModels("gpt-4o")
 * Limit.of("planning-cap", Metric.TOKENS, Window.PER_REQUEST, 8_000).forOperations("planning")
 * Limit.inFlight("user-parallel-calls", 4)
 * }</pre>
 *
 * @param name unique within a policy; the counter key and the override key
 * @param metric what is counted
 * @param window over which period
 * @param amount how much; cost limits in micro-units of the currency
 * @param appliesTo which kind of subject is charged (plan limits: the subject on the plan)
 * @param providers only calls to these providers count (empty: all)
 * @param models only calls to models with these name prefixes count (empty: all)
 * @param operations only these operations count (empty: all)
 * @param exceptOperations these operations do not count (empty: none)
 * @param mode enforce, warn only, or count and log
 * @param overshoot what happens when the estimate does not fit
 * @param thresholds percentages at which listeners are told, ascending, each 1 to 100
 * @param zone the zone calendar windows align to; null: the policy's zone
 * @param resetOffset how long after the calendar boundary the window starts (for example 4 hours
 *     for a day that starts at 04:00)
 * @param code the denial code; null: the general form from {@link DenialCodes#forLimit}
 * @param stripes how many rows a store that can split a counter keeps it in (see {@link
 *     #stripes(int)}); 0: {@value #DEFAULT_HOT_STRIPES} for limits on {@link SubjectKind#SYSTEM},
 *     one for any other
 */
public record Limit(
    String name,
    Metric metric,
    Window window,
    long amount,
    SubjectKind appliesTo,
    Set<String> providers,
    Set<String> models,
    Set<String> operations,
    Set<String> exceptOperations,
    LimitMode mode,
    Overshoot overshoot,
    List<Integer> thresholds,
    @Nullable ZoneId zone,
    Duration resetOffset,
    @Nullable String code,
    int stripes) {

  /** How many rows a hot limit is split into unless set: 16. */
  public static final int DEFAULT_HOT_STRIPES = 16;

  /** The most rows a limit may be split into. */
  public static final int MAX_STRIPES = 256;

  /** The default alert thresholds: 75, 90 and 100 percent. */
  public static final List<Integer> DEFAULT_THRESHOLDS = List.of(75, 90, 100);

  /** Validates every field; the message names the field and the value. */
  public Limit {
    Checks.id("limit name", name);
    Checks.nonNegative("amount of limit " + Checks.show(name), amount);
    providers = Set.copyOf(providers);
    models = Set.copyOf(models);
    operations = Set.copyOf(operations);
    exceptOperations = Set.copyOf(exceptOperations);
    providers.forEach(p -> Checks.id("provider filter of limit " + Checks.show(name), p));
    models.forEach(m -> Checks.id("model filter of limit " + Checks.show(name), m));
    operations.forEach(o -> Checks.id("operation filter of limit " + Checks.show(name), o));
    for (String o : exceptOperations) {
      Checks.id("operation exclusion of limit " + Checks.show(name), o);
      Checks.argument(
          !operations.contains(o),
          "operation exclusion of limit " + Checks.show(name),
          "must not also be among its operations " + operations,
          o);
    }
    thresholds = List.copyOf(thresholds);
    int previous = 0;
    for (int t : thresholds) {
      Checks.argument(
          t > previous && t <= 100,
          "thresholds of limit " + Checks.show(name),
          "must be ascending percentages from 1 to 100",
          thresholds);
      previous = t;
    }
    Checks.argument(
        !resetOffset.isNegative() && resetOffset.compareTo(Duration.ofDays(1)) < 0,
        "resetOffset of limit " + Checks.show(name),
        "must be zero or more and less than a day",
        resetOffset);
    Checks.argument(
        resetOffset.isZero()
            || window == Window.DAY
            || window == Window.WEEK
            || window == Window.MONTH,
        "resetOffset of limit " + Checks.show(name),
        "applies only to DAY, WEEK and MONTH windows",
        resetOffset);
    Checks.argument(
        window != Window.CONCURRENT || metric == Metric.REQUESTS,
        "metric of limit " + Checks.show(name),
        "must be REQUESTS for a CONCURRENT window",
        metric);
    Checks.argument(
        window != Window.IN_FLIGHT || metric == Metric.REQUESTS,
        "metric of limit " + Checks.show(name),
        "must be REQUESTS for an IN_FLIGHT window",
        metric);
    Checks.argument(
        window != Window.IN_FLIGHT || appliesTo != SubjectKind.WORKFLOW,
        "appliesTo of limit " + Checks.show(name),
        "IN_FLIGHT limits apply to users, anonymous sessions, keys, tenants or SYSTEM, not to"
            + " WORKFLOW (its steps are a CONCURRENT limit)",
        appliesTo);
    Checks.argument(
        appliesTo != SubjectKind.SYSTEM || window != Window.PER_REQUEST,
        "window of limit " + Checks.show(name),
        "PER_REQUEST caps apply to the caller, not to SYSTEM",
        window);
    Checks.optionalId("code of limit " + Checks.show(name), code);
    Checks.argument(
        stripes >= 0 && stripes <= MAX_STRIPES,
        "stripes of limit " + Checks.show(name),
        "must be 0 (automatic) to " + MAX_STRIPES,
        stripes);
  }

  /** A limit with {@link #stripes} automatic (0). */
  public Limit(
      String name,
      Metric metric,
      Window window,
      long amount,
      SubjectKind appliesTo,
      Set<String> providers,
      Set<String> models,
      Set<String> operations,
      Set<String> exceptOperations,
      LimitMode mode,
      Overshoot overshoot,
      List<Integer> thresholds,
      @Nullable ZoneId zone,
      Duration resetOffset,
      @Nullable String code) {
    this(
        name,
        metric,
        window,
        amount,
        appliesTo,
        providers,
        models,
        operations,
        exceptOperations,
        mode,
        overshoot,
        thresholds,
        zone,
        resetOffset,
        code,
        0);
  }

  /** An enforced, rejecting limit on users with the default thresholds and no filter. */
  public static Limit of(String name, Metric metric, Window window, long amount) {
    return new Limit(
        name,
        metric,
        window,
        amount,
        SubjectKind.USER,
        Set.of(),
        Set.of(),
        Set.of(),
        Set.of(),
        LimitMode.ENFORCE,
        Overshoot.REJECT,
        DEFAULT_THRESHOLDS,
        null,
        Duration.ZERO,
        null);
  }

  /**
   * An enforced limit on the calls a user has in flight at once (LiteLLM's {@code
   * max_parallel_requests}): each reservation counts from {@code reserve} until its commit, fail or
   * close, or until its lease ends. {@link #appliesTo} charges another kind of subject.
   */
  public static Limit inFlight(String name, long maxCalls) {
    return of(name, Metric.REQUESTS, Window.IN_FLIGHT, maxCalls);
  }

  /** A cost limit given as an amount of money (stored as micro-units). */
  public static Limit ofCost(String name, Window window, java.math.BigDecimal money) {
    return of(name, Metric.COST, window, Money.toMicros("cost limit " + Checks.show(name), money));
  }

  /** The same limit charged to another kind of subject. */
  public Limit appliesTo(SubjectKind kind) {
    return copy(f -> f.appliesTo = kind);
  }

  /** The same limit with another amount. */
  public Limit withAmount(long newAmount) {
    return copy(f -> f.amount = newAmount);
  }

  /** Counts only calls to these providers. */
  public Limit forProviders(String... names) {
    return copy(f -> f.providers = Set.of(names));
  }

  /** Counts only calls to models with these name prefixes. */
  public Limit forModels(String... prefixes) {
    return copy(f -> f.models = Set.of(prefixes));
  }

  /** Counts only these operations. */
  public Limit forOperations(String... names) {
    return copy(f -> f.operations = Set.of(names));
  }

  /**
   * Does not count these operations; calls naming another operation, or none, count. For example a
   * per-request cap for every call except those that have caps of their own.
   */
  public Limit exceptOperations(String... names) {
    return copy(f -> f.exceptOperations = Set.of(names));
  }

  /** The same limit in another mode. */
  public Limit mode(LimitMode newMode) {
    return copy(f -> f.mode = newMode);
  }

  /** The same limit with another overshoot policy. */
  public Limit overshoot(Overshoot newOvershoot) {
    return copy(f -> f.overshoot = newOvershoot);
  }

  /** The same limit with other alert thresholds, in percent. */
  public Limit thresholds(Integer... percents) {
    return copy(f -> f.thresholds = List.of(percents));
  }

  /** Calendar windows aligned in this zone. */
  public Limit zone(ZoneId newZone) {
    return copy(f -> f.zone = newZone);
  }

  /** Windows start this long after the calendar boundary. */
  public Limit resetOffset(Duration offset) {
    return copy(f -> f.resetOffset = offset);
  }

  /** Denials by this limit carry this code. */
  public Limit code(String newCode) {
    return copy(f -> f.code = newCode);
  }

  /**
   * The same limit kept, by a store that can split a counter, as {@code count} rows whose shares
   * add up to the amount, so that concurrent calls charge different rows instead of queueing on one
   * (a hot limit: the system-wide one above all). It is never loosened: a call that does not fit in
   * one row's share is tested against the sum of all of them, so it is admitted exactly when it
   * would be with one row. 1 keeps one row; 0 (the default) means {@value #DEFAULT_HOT_STRIPES} for
   * limits on {@link SubjectKind#SYSTEM} and 1 for any other. Stores that keep counters in memory
   * ignore it.
   *
   * @throws IllegalArgumentException unless 0 to {@value #MAX_STRIPES}
   */
  public Limit stripes(int count) {
    return copy(f -> f.stripes = count);
  }

  /**
   * How many rows a store that can split a counter keeps this limit in: {@link #stripes} resolved.
   */
  public int storeStripes() {
    if (stripes != 0) {
      return stripes;
    }
    return appliesTo == SubjectKind.SYSTEM ? DEFAULT_HOT_STRIPES : 1;
  }

  /** The code denials by this limit carry. */
  public String denialCode() {
    return code != null ? code : DenialCodes.forLimit(appliesTo, metric, window);
  }

  /** Whether a call with these dimensions counts against this limit. */
  public boolean matches(
      @Nullable String provider, @Nullable String model, @Nullable String operation) {
    if (!providers.isEmpty() && (provider == null || !providers.contains(provider))) {
      return false;
    }
    if (!operations.isEmpty() && (operation == null || !operations.contains(operation))) {
      return false;
    }
    if (operation != null && !exceptOperations.isEmpty() && exceptOperations.contains(operation)) {
      return false;
    }
    if (!models.isEmpty()) {
      if (model == null) {
        return false;
      }
      for (String prefix : models) {
        if (model.startsWith(prefix)) {
          return true;
        }
      }
      return false;
    }
    return true;
  }

  /** The fields of a limit, for the copying methods. */
  private static final class Fields {
    String name;
    Metric metric;
    Window window;
    long amount;
    SubjectKind appliesTo;
    Set<String> providers;
    Set<String> models;
    Set<String> operations;
    Set<String> exceptOperations;
    LimitMode mode;
    Overshoot overshoot;
    List<Integer> thresholds;
    @Nullable ZoneId zone;
    Duration resetOffset;
    @Nullable String code;
    int stripes;

    Fields(Limit l) {
      name = l.name;
      metric = l.metric;
      window = l.window;
      amount = l.amount;
      appliesTo = l.appliesTo;
      providers = l.providers;
      models = l.models;
      operations = l.operations;
      exceptOperations = l.exceptOperations;
      mode = l.mode;
      overshoot = l.overshoot;
      thresholds = l.thresholds;
      zone = l.zone;
      resetOffset = l.resetOffset;
      code = l.code;
      stripes = l.stripes;
    }
  }

  /** A copy with some fields changed; validated like any new limit. */
  private Limit copy(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new Limit(
        f.name,
        f.metric,
        f.window,
        f.amount,
        f.appliesTo,
        f.providers,
        f.models,
        f.operations,
        f.exceptOperations,
        f.mode,
        f.overshoot,
        f.thresholds,
        f.zone,
        f.resetOffset,
        f.code,
        f.stripes);
  }
}
