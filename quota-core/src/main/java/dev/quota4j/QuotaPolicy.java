package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Everything admission needs to know besides the store: plans, limits that apply regardless of plan
 * (system, provider keys, API keys, per-request caps, workflow guards), the zone windows align to,
 * and what to do with unknown subjects. Immutable.
 *
 * <p>Limits outside plans apply by {@link Limit#appliesTo()}: a USER or ANONYMOUS limit to the
 * request's user or anonymous session, an API_KEY, PROVIDER_KEY or TENANT limit to the one the
 * request names, a SYSTEM limit to everything. CONCURRENT limits on SYSTEM, USER or ANONYMOUS count
 * open workflows; a CONCURRENT limit on WORKFLOW counts the steps of one workflow. IN_FLIGHT limits
 * count calls in flight: reservations not yet committed, failed, closed or expired.
 */
public final class QuotaPolicy {
  /** The name of the plan used when a policy defines none. */
  public static final String DEFAULT_PLAN = "default";

  private final Map<String, Plan> plans;
  private final String defaultPlan;
  private final Map<SubjectKind, String> defaultPlanByKind;
  private final List<Limit> limits;
  private final ZoneId zone;
  private final UnknownSubjects unknownSubjects;
  private final Set<String> operations;

  private QuotaPolicy(Builder b) {
    Map<String, Plan> p = new LinkedHashMap<>(b.plans);
    if (p.isEmpty()) {
      p.put(DEFAULT_PLAN, Plan.builder(DEFAULT_PLAN).build());
    }
    this.plans = Map.copyOf(p);
    this.defaultPlan = b.defaultPlan != null ? b.defaultPlan : p.keySet().iterator().next();
    Checks.argument(
        plans.containsKey(defaultPlan),
        "defaultPlan",
        "must name a plan of the policy " + p.keySet(),
        defaultPlan);
    this.defaultPlanByKind = Map.copyOf(b.defaultPlanByKind);
    defaultPlanByKind.forEach(
        (kind, name) ->
            Checks.argument(
                plans.containsKey(name),
                "defaultPlan of " + kind,
                "must name a plan of the policy " + p.keySet(),
                name));
    this.limits = List.copyOf(b.limits);
    this.zone = b.zone;
    this.unknownSubjects = b.unknownSubjects;
    this.operations = Set.copyOf(b.operations);
    if (!operations.isEmpty()) {
      for (Limit l : limits) {
        checkKnown("operation filter of limit " + Checks.show(l.name()), l.operations());
        checkKnown("operation exclusion of limit " + Checks.show(l.name()), l.exceptOperations());
      }
      for (Plan plan : plans.values()) {
        String of = " of plan " + Checks.show(plan.name());
        for (Limit l : plan.limits()) {
          checkKnown("operation filter of limit " + Checks.show(l.name()) + of, l.operations());
          checkKnown(
              "operation exclusion of limit " + Checks.show(l.name()) + of, l.exceptOperations());
        }
        checkKnown("allowed operations" + of, plan.allowedOperations());
        checkKnown("denied operations" + of, plan.deniedOperations());
      }
    }
    Set<String> names = new HashSet<>();
    for (Limit l : limits) {
      Checks.argument(names.add(l.name()), "policy limits", "must have unique names", l.name());
    }
    for (Plan plan : plans.values()) {
      for (Limit l : plan.limits()) {
        Checks.argument(
            !names.contains(l.name()),
            "limit of plan " + Checks.show(plan.name()),
            "must not share its name with a policy-wide limit",
            l.name());
        Checks.argument(
            l.appliesTo() != SubjectKind.SYSTEM && l.appliesTo() != SubjectKind.WORKFLOW,
            "limit " + Checks.show(l.name()) + " of plan " + Checks.show(plan.name()),
            "applies to the subject on the plan, so appliesTo must not be SYSTEM or WORKFLOW",
            l.appliesTo());
      }
    }
  }

  private void checkKnown(String field, Set<String> names) {
    for (String name : names) {
      Checks.argument(
          operations.contains(name),
          field,
          "must name an operation of the policy " + new java.util.TreeSet<>(operations),
          name);
    }
  }

  /**
   * The operations requests may name; empty (the default) when any name is allowed. See {@link
   * Builder#operations(String...)}.
   */
  public Set<String> operations() {
    return operations;
  }

  /**
   * Checks the operation a request names against {@link #operations()}.
   *
   * @throws IllegalArgumentException naming the operation when the policy lists its operations and
   *     this is not one of them
   */
  public void checkOperation(@Nullable String operation) {
    if (operation != null && !operations.isEmpty() && !operations.contains(operation)) {
      throw new IllegalArgumentException(
          "operation must be one of the policy's operations "
              + new java.util.TreeSet<>(operations)
              + ", was "
              + Checks.show(operation));
    }
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The plans, by name. */
  public Map<String, Plan> plans() {
    return plans;
  }

  /** The plan called {@code name}, or null. */
  public @Nullable Plan plan(String name) {
    return plans.get(name);
  }

  /** The plan unknown subjects are created on. */
  public String defaultPlan() {
    return defaultPlan;
  }

  /** The plan unknown subjects of this kind are created on. */
  public String defaultPlanFor(SubjectKind kind) {
    return defaultPlanByKind.getOrDefault(kind, defaultPlan);
  }

  /**
   * Whether {@code plan} is meant for another kind of subject than {@code kind}: it is the default
   * plan of some other kind (for example the anonymous plan, seen from a user). Upgrade hints leave
   * such plans out.
   */
  public boolean isPlanOfAnotherKind(String plan, SubjectKind kind) {
    for (Map.Entry<SubjectKind, String> e : defaultPlanByKind.entrySet()) {
      if (e.getValue().equals(plan) && e.getKey() != kind) {
        return !defaultPlanFor(kind).equals(plan);
      }
    }
    return false;
  }

  /** Limits that apply regardless of plan. */
  public List<Limit> limits() {
    return limits;
  }

  /** The zone calendar windows align to unless a limit says otherwise. */
  public ZoneId zone() {
    return zone;
  }

  /** What to do with unknown users and anonymous sessions. */
  public UnknownSubjects unknownSubjects() {
    return unknownSubjects;
  }

  /** A builder holding this policy's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.plans.putAll(plans);
    b.defaultPlan = defaultPlan;
    b.defaultPlanByKind.putAll(defaultPlanByKind);
    b.limits.addAll(limits);
    b.zone = zone;
    b.unknownSubjects = unknownSubjects;
    b.operations.addAll(operations);
    return b;
  }

  /** Builds a {@link QuotaPolicy}. */
  public static final class Builder {
    private final Map<String, Plan> plans = new LinkedHashMap<>();
    private @Nullable String defaultPlan;
    private final Map<SubjectKind, String> defaultPlanByKind =
        new java.util.EnumMap<>(SubjectKind.class);
    private final List<Limit> limits = new ArrayList<>();
    private ZoneId zone = ZoneOffset.UTC;
    private UnknownSubjects unknownSubjects = UnknownSubjects.AUTO_CREATE;
    private final Set<String> operations = new HashSet<>();

    private Builder() {}

    /** Adds or replaces a plan. */
    @CanIgnoreReturnValue
    public Builder plan(Plan plan) {
      plans.put(plan.name(), plan);
      return this;
    }

    /** The plan unknown subjects are created on; default: the first plan added. */
    @CanIgnoreReturnValue
    public Builder defaultPlan(String name) {
      defaultPlan = Checks.id("defaultPlan", name);
      return this;
    }

    /**
     * The plan unknown subjects of one kind are created on, for example {@code anonymous} for
     * {@link SubjectKind#ANONYMOUS}; other kinds use {@link #defaultPlan(String)}.
     */
    @CanIgnoreReturnValue
    public Builder defaultPlan(SubjectKind kind, String name) {
      defaultPlanByKind.put(kind, Checks.id("defaultPlan of " + kind, name));
      return this;
    }

    /** Adds a limit that applies regardless of plan. */
    @CanIgnoreReturnValue
    public Builder limit(Limit limit) {
      limits.add(limit);
      return this;
    }

    /** The zone calendar windows align to; default UTC. */
    @CanIgnoreReturnValue
    public Builder zone(ZoneId value) {
      zone = value;
      return this;
    }

    /** What to do with unknown users and anonymous sessions; default AUTO_CREATE. */
    @CanIgnoreReturnValue
    public Builder unknownSubjects(UnknownSubjects value) {
      unknownSubjects = value;
      return this;
    }

    /**
     * The operations requests may name, such as {@code planning} and {@code agent_call}; by default
     * any. Once set, a request naming another operation (a typo such as {@code planing}, which
     * would escape the limits and plan gates of the real one) fails with {@link
     * IllegalArgumentException} before any store call, and building fails when a limit filter or
     * plan gate names an unlisted operation. A request that names no operation is allowed. Adds to
     * those given before.
     */
    @CanIgnoreReturnValue
    public Builder operations(String... names) {
      for (String n : names) {
        operations.add(Checks.id("operation", n));
      }
      return this;
    }

    /** Builds and validates the policy. */
    public QuotaPolicy build() {
      return new QuotaPolicy(this);
    }
  }
}
