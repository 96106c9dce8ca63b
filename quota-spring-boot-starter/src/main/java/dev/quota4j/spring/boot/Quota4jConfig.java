package dev.quota4j.spring.boot;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.RetentionPolicy;
import dev.quota4j.SubjectKind;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns {@link Quota4jProperties} into quota4j's own values. Every check names the property and the
 * value it rejects, also where quota4j's own validation rejects it.
 */
final class Quota4jConfig {
  private Quota4jConfig() {}

  /** The failure of one property: its full name, its value and why. */
  static IllegalArgumentException invalid(String property, Object value, String why) {
    Object shown = value instanceof Duration d ? show(d) : value;
    return new IllegalArgumentException(
        "Invalid quota4j configuration: " + property + "=" + shown + ": " + why);
  }

  /**
   * A duration as written in properties: the largest unit that is exact ({@code -5s}, {@code 2h}).
   */
  static String show(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (ms % sizes[i] == 0) {
        return ms / sizes[i] + units[i];
      }
    }
    return ms + "ms";
  }

  private static <T> T checked(String property, Object value, Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException | DateTimeException e) {
      throw invalid(property, value, String.valueOf(e.getMessage()));
    }
  }

  static QuotaPolicy policy(Quota4jProperties p) {
    QuotaPolicy.Builder b = QuotaPolicy.builder();
    ZoneId zone = checked("quota4j.zone", p.getZone(), () -> ZoneId.of(p.getZone()));
    b.zone(zone);
    b.unknownSubjects(p.getUnknownSubjects());
    for (Map.Entry<String, Quota4jProperties.PlanProperties> e : p.getPlans().entrySet()) {
      String name = e.getKey();
      Quota4jProperties.PlanProperties plan = e.getValue();
      String at = "quota4j.plans." + name;
      Plan.Builder pb = checked(at, name, () -> Plan.builder(name));
      for (Map.Entry<String, Quota4jProperties.LimitProperties> l : plan.getLimits().entrySet()) {
        pb.limit(limit(at + ".limits." + l.getKey(), l.getKey(), l.getValue()));
      }
      if (!plan.getAllowOperations().isEmpty()) {
        pb.allowOperations(plan.getAllowOperations().toArray(String[]::new));
      }
      if (!plan.getDenyOperations().isEmpty()) {
        pb.denyOperations(plan.getDenyOperations().toArray(String[]::new));
      }
      if (!plan.getAllowModels().isEmpty()) {
        pb.allowModels(plan.getAllowModels().toArray(String[]::new));
      }
      if (!plan.getDenyModels().isEmpty()) {
        pb.denyModels(plan.getDenyModels().toArray(String[]::new));
      }
      b.plan(checked(at, name, pb::build));
    }
    String defaultPlan = p.getDefaultPlan();
    if (defaultPlan != null) {
      requirePlan(p, "quota4j.default-plan", defaultPlan);
      b.defaultPlan(defaultPlan);
    }
    for (Map.Entry<SubjectKind, String> e : p.getDefaultPlans().entrySet()) {
      String property =
          "quota4j.default-plans."
              + e.getKey().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      requirePlan(p, property, e.getValue());
      b.defaultPlan(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Quota4jProperties.LimitProperties> l : p.getSystemLimits().entrySet()) {
      String at = "quota4j.system-limits." + l.getKey();
      Limit limit = limit(at, l.getKey(), l.getValue());
      b.limit(checked(at, l.getKey(), () -> limit.appliesTo(SubjectKind.SYSTEM)));
    }
    return checked("quota4j", "(plans and limits)", b::build);
  }

  private static void requirePlan(Quota4jProperties p, String property, String plan) {
    if (!p.getPlans().isEmpty() && !p.getPlans().containsKey(plan)) {
      throw invalid(property, plan, "no such plan; the plans are " + p.getPlans().keySet());
    }
  }

  static Limit limit(String at, String name, Quota4jProperties.LimitProperties l) {
    Limit limit;
    if (l.getMetric() == Metric.COST) {
      var cost = l.getCost();
      if (cost == null) {
        throw invalid(at + ".cost", "(unset)", "a COST limit needs cost (an amount of money)");
      }
      if (cost.signum() <= 0) {
        throw invalid(at + ".cost", cost, "must be greater than zero");
      }
      limit = checked(at + ".cost", cost, () -> Limit.ofCost(name, l.getWindow(), cost));
    } else {
      Long amount = l.getAmount();
      if (amount == null) {
        throw invalid(at + ".amount", "(unset)", "every limit needs an amount");
      }
      if (amount <= 0) {
        throw invalid(at + ".amount", amount, "must be greater than zero");
      }
      limit =
          checked(at, name, () -> Limit.of(name, l.getMetric(), l.getWindow(), amount.longValue()));
    }
    Limit base = limit;
    limit = base.mode(l.getMode()).overshoot(l.getOvershoot());
    if (!l.getThresholds().isEmpty()) {
      for (Integer t : l.getThresholds()) {
        if (t == null || t < 1 || t > 1_000) {
          throw invalid(at + ".thresholds", l.getThresholds(), "each must be 1 to 1000 percent");
        }
      }
      Limit t = limit;
      limit =
          checked(
              at + ".thresholds",
              l.getThresholds(),
              () -> t.thresholds(l.getThresholds().toArray(Integer[]::new)));
    }
    if (!l.getProviders().isEmpty()) {
      limit = limit.forProviders(l.getProviders().toArray(String[]::new));
    }
    if (!l.getModels().isEmpty()) {
      limit = limit.forModels(l.getModels().toArray(String[]::new));
    }
    if (!l.getOperations().isEmpty()) {
      limit = limit.forOperations(l.getOperations().toArray(String[]::new));
    }
    return limit;
  }

  static Duration lease(Quota4jProperties p) {
    return positive("quota4j.lease", p.getLease());
  }

  static Duration positive(String property, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw invalid(property, d, "must be greater than zero");
    }
    return d;
  }

  static RetentionPolicy retention(Quota4jProperties.Retention r) {
    RetentionPolicy policy = RetentionPolicy.defaults();
    policy = withChecked("quota4j.retention.event-age", r.getEventAge(), policy::withEventAge);
    RetentionPolicy p2 = policy;
    return withChecked("quota4j.retention.counter-age", r.getCounterAge(), p2::withCounterAge);
  }

  private static RetentionPolicy withChecked(
      String property, Duration value, java.util.function.Function<Duration, RetentionPolicy> f) {
    return checked(property, value, () -> f.apply(value));
  }

  static dev.quota4j.jdbc.JdbcQuotaStore.Builder tablePrefix(
      dev.quota4j.jdbc.JdbcQuotaStore.Builder b, Quota4jProperties p) {
    String prefix = p.getStore().getTablePrefix();
    return checked("quota4j.store.table-prefix", prefix, () -> b.tablePrefix(prefix));
  }
}
