package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.ReserveResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Denials as values: their codes, the figures they carry and their messages. */
final class Denials {
  private Denials() {}

  /** The denial of a call naming a model that has no price, when unknown models are denied. */
  static QuotaDenial unknownModel(UsageRequest request) {
    return QuotaDenial.of(
        DenialCodes.UNKNOWN_MODEL_PRICE,
        "Model " + Checks.show(request.model()) + " has no price and unknown models are denied",
        request.subject());
  }

  /**
   * For a denial by a limit of the subject's plan: the other plans whose limit of the same name
   * allows more (or that have no such limit), so the denial can say an upgrade would help.
   */
  static QuotaDenial withUpgrades(
      QuotaPolicy policy, QuotaDenial denial, Resolved resolved, Bound b) {
    Plan current = resolved.plan;
    if (current == null
        || !LimitBinder.isPlanLimit(resolved, b.limit)
        || !b.subject.equals(resolved.subject)) {
      return denial;
    }
    List<String> upgrades = new ArrayList<>();
    for (Plan other : policy.plans().values()) {
      if (other.name().equals(current.name())
          || policy.isPlanOfAnotherKind(other.name(), resolved.subject.kind())) {
        continue;
      }
      Limit same = other.limit(b.limit.name());
      if (same == null || same.amount() > b.amount) {
        upgrades.add(other.name());
      }
    }
    if (upgrades.isEmpty()) {
      return denial;
    }
    upgrades.sort(null);
    return denial.withUpgrades(upgrades);
  }

  /** Whether CLAMP can shrink a limit of this metric (by granting fewer output tokens). */
  static boolean clampable(Metric m) {
    return m == Metric.TOKENS || m == Metric.OUTPUT_TOKENS;
  }

  /** The denial of an operation or model the subject's plan does not include. */
  static QuotaDenial featureDenial(
      QuotaPolicy policy, Resolved resolved, Plan plan, UsageRequest request) {
    List<String> upgrades = new ArrayList<>();
    for (Plan other : policy.plans().values()) {
      if (!other.name().equals(plan.name())
          && !policy.isPlanOfAnotherKind(other.name(), resolved.subject.kind())
          && other.allowsOperation(request.operation())
          && other.allowsModel(request.model())) {
        upgrades.add(other.name());
      }
    }
    upgrades.sort(null);
    String what =
        !plan.allowsOperation(request.operation())
            ? "operation " + Checks.show(request.operation())
            : "model " + Checks.show(request.model());
    String message =
        "The "
            + what
            + " is not in plan "
            + Checks.show(plan.name())
            + (upgrades.isEmpty() ? "" : "; plans that include it: " + upgrades);
    return new QuotaDenial(
        DenialCodes.FEATURE_NOT_IN_PLAN,
        message,
        resolved.subject,
        null,
        null,
        null,
        0,
        0,
        0,
        0,
        0,
        0,
        null,
        null,
        !upgrades.isEmpty(),
        upgrades);
  }

  /**
   * The bound limit whose charge the store rejected: {@code bounds} and {@code charges} run in
   * step, one charge per bound.
   */
  static Bound rejectedBound(
      List<Bound> bounds, List<Charge> charges, ReserveResult.Rejected rejected) {
    return bounds.get(charges.indexOf(rejected.charge()));
  }

  /** The denial by bound limit {@code b} of {@code requested} more, at counter {@code current}. */
  static QuotaDenial denialFor(Bound b, long requested, CounterValue current, Instant now) {
    Limit limit = b.limit;
    long taken = Saturated.add(current.used(), current.reserved());
    long overBy = Math.max(0, Saturated.add(taken, requested) - b.amount);
    long remaining = Math.max(0, b.amount - taken);
    Instant resets = b.windowEnd;
    Duration retry = resets == null ? null : Duration.between(now, resets);
    String unit = unitOf(limit.metric());
    StringBuilder m = new StringBuilder();
    m.append(describe(limit))
        .append(" exceeded for ")
        .append(b.subject)
        .append(": limit ")
        .append(Checks.show(limit.name()))
        .append(" allows ")
        .append(shown(limit.metric(), b.amount))
        .append(' ')
        .append(unit);
    if (limit.window() == Window.PER_REQUEST) {
      m.append(" per request; requested ").append(shown(limit.metric(), requested));
    } else if (limit.window() == Window.IN_FLIGHT) {
      m.append(" in flight at once; ")
          .append(current.reserved())
          .append(" in flight now; a call frees its place when it is committed, failed or closed,")
          .append(" or when its lease ends");
    } else {
      m.append("; used ")
          .append(shown(limit.metric(), current.used()))
          .append(", reserved ")
          .append(shown(limit.metric(), current.reserved()))
          .append(", requested ")
          .append(shown(limit.metric(), requested))
          .append(", remaining ")
          .append(shown(limit.metric(), remaining));
    }
    if (resets != null) {
      m.append("; resets at ").append(resets);
    }
    return new QuotaDenial(
        limit.denialCode(),
        m.toString(),
        b.subject,
        limit.name(),
        limit.metric(),
        limit.window(),
        current.used(),
        current.reserved(),
        b.amount,
        requested,
        overBy,
        remaining,
        resets,
        retry,
        false,
        List.of());
  }

  private static String describe(Limit limit) {
    String period =
        switch (limit.window()) {
          case HOUR -> "Hourly";
          case DAY -> "Daily";
          case WEEK -> "Weekly";
          case MONTH -> "Monthly";
          case PER_REQUEST -> "Per-request";
          case CONCURRENT -> "Concurrency";
          case IN_FLIGHT -> "Concurrent";
        };
    if (limit.window() == Window.CONCURRENT) {
      return limit.appliesTo() == SubjectKind.WORKFLOW
          ? "Workflow step limit"
          : "Concurrent workflow limit";
    }
    return period + " " + unitOf(limit.metric()).replace("micro-units of ", "") + " limit";
  }

  private static String unitOf(Metric metric) {
    return switch (metric) {
      case TOKENS -> "tokens";
      case INPUT_TOKENS -> "input tokens";
      case OUTPUT_TOKENS -> "output tokens";
      case REQUESTS -> "requests";
      case CHARACTERS -> "characters";
      case COST -> "cost";
    };
  }

  private static String shown(Metric metric, long amount) {
    return metric == Metric.COST ? Money.fromMicros(amount).toPlainString() : Long.toString(amount);
  }

  /** The denial of a call without a price that cost limit {@code limit} would count. */
  static QuotaDenial unpriced(UsageRequest request, Limit limit) {
    return QuotaDenial.of(
        DenialCodes.UNKNOWN_MODEL_PRICE,
        "The call names no model, so it has no price, and unknown models are denied; cost limit "
            + Checks.show(limit.name())
            + " cannot count it (name the model or give the estimated cost)",
        request.subject());
  }
}
