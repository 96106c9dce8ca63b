package dev.quota4j;

import dev.quota4j.internal.Windows;
import dev.quota4j.spi.SubjectRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Which limits apply to a request, to whom (its own subject, the system, the key or tenant it
 * names), with what amount (after overrides) and in which window.
 */
final class LimitBinder {
  private final QuotaPolicy policy;
  private final Duration workflowMaxDuration;
  private final SubjectResolver resolver;

  /** Per plan name: the limits a subject on it is checked against (see {@link PlanLimits}). */
  private final Map<String, PlanLimits> planLimits;

  /** The limits of a subject on no plan: the policy's. */
  private final PlanLimits policyLimits;

  /**
   * The last window computed for each kind of window: every instant from its start to its end has
   * that start, so the next admissions in it skip the calendar math (time zone rules, dates).
   */
  private final AtomicReferenceArray<Span> spans =
      new AtomicReferenceArray<>(Window.values().length);

  LimitBinder(Engine engine, SubjectResolver resolver) {
    this.policy = engine.policy();
    this.workflowMaxDuration = engine.workflowMaxDuration();
    this.resolver = resolver;
    Map<String, PlanLimits> byPlan = new HashMap<>();
    for (Plan plan : policy.plans().values()) {
      List<Limit> all = new ArrayList<>(plan.limits());
      all.addAll(policy.limits());
      byPlan.put(plan.name(), new PlanLimits(plan, List.copyOf(all), plan.limits().size()));
    }
    this.planLimits = Map.copyOf(byPlan);
    this.policyLimits = new PlanLimits(null, policy.limits(), 0);
  }

  /**
   * The limits of a plan followed by the policy's, computed once per plan.
   *
   * @param plan the plan, or null for subjects on none
   * @param all the plan's limits, then the policy-wide ones
   * @param planCount how many of {@code all} are the plan's
   */
  private record PlanLimits(@Nullable Plan plan, List<Limit> all, int planCount) {}

  List<Limit> limitsFor(Resolved resolved) {
    return planLimitsOf(resolved).all;
  }

  @SuppressWarnings("ReferenceEquality") // the cached limits are those of this very Plan object
  private PlanLimits planLimitsOf(Resolved resolved) {
    Plan plan = resolved.plan;
    if (plan == null) {
      return policyLimits;
    }
    PlanLimits p = planLimits.get(plan.name());
    if (p != null && p.plan() == plan) {
      return p;
    }
    List<Limit> all = new ArrayList<>(plan.limits()); // not a plan of the policy (never, today)
    all.addAll(policy.limits());
    return new PlanLimits(plan, all, plan.limits().size());
  }

  static boolean isPlanLimit(Resolved resolved, Limit limit) {
    return resolved.plan != null && resolved.plan.limits().contains(limit);
  }

  static long effectiveAmount(Resolved resolved, Limit limit) {
    SubjectRecord rec = resolved.record;
    if (rec != null) {
      Long o = rec.overrides().get(limit.name());
      if (o != null) {
        return o;
      }
    }
    return limit.amount();
  }

  /** The limits that apply to this request, bound to their subjects and current windows. */
  List<Bound> bounds(
      Resolved resolved,
      UsageRequest request,
      Instant now,
      boolean storedOnly,
      Map<SubjectRef, Optional<SubjectRecord>> others) {
    List<Bound> out = new ArrayList<>();
    PlanLimits limits = planLimitsOf(resolved);
    for (int i = 0; i < limits.all.size(); i++) {
      Limit limit = limits.all.get(i);
      if (storedOnly && !limit.window().isStored()) {
        continue;
      }
      if (!limit.matches(request.provider(), request.model(), request.operation())) {
        continue;
      }
      SubjectRef target = targetOf(resolved, limit, i < limits.planCount, request);
      if (target == null) {
        continue;
      }
      if (limit.window() == Window.CONCURRENT && target.kind() != SubjectKind.WORKFLOW) {
        continue; // workflow concurrency is charged by openWorkflow
      }
      long amount =
          target.equals(resolved.subject)
              ? effectiveAmount(resolved, limit)
              : overrideOf(target, limit, now, others);
      out.add(bind(limit, target, amount, now));
    }
    return out;
  }

  /**
   * The amount of {@code limit} for a charged subject other than the request's own (an API key, a
   * provider key, a tenant): its directory entry's override, if it has one.
   */
  private long overrideOf(
      SubjectRef target, Limit limit, Instant now, Map<SubjectRef, Optional<SubjectRecord>> seen) {
    SubjectKind k = target.kind();
    if (k != SubjectKind.API_KEY && k != SubjectKind.PROVIDER_KEY && k != SubjectKind.TENANT) {
      return limit.amount();
    }
    Optional<SubjectRecord> rec = resolver.entryOf(target, now, seen);
    Long o = rec.isPresent() ? rec.get().overrides().get(limit.name()) : null;
    return o != null ? o : limit.amount();
  }

  private static @Nullable SubjectRef targetOf(
      Resolved resolved, Limit limit, boolean planLimit, UsageRequest request) {
    if (planLimit) {
      return resolved.subject;
    }
    SubjectKind kind = limit.appliesTo();
    if (kind == request.subject().kind()) {
      return request.subject();
    }
    return kind == SubjectKind.SYSTEM ? SubjectRef.SYSTEM : SubjectResolver.named(request, kind);
  }

  Bound bind(Limit limit, SubjectRef subject, long amount, Instant now) {
    if (!limit.window().isCalendar()) {
      if (limit.window() == Window.CONCURRENT && subject.kind() == SubjectKind.WORKFLOW) {
        // a step counter: never resets, but is stored as ending workflowMaxDuration after its
        // first step (the store keeps the first charge's end), so that retention deletes it
        return new Bound(
            limit, subject, amount, Instant.EPOCH, null, now.plus(workflowMaxDuration));
      }
      return new Bound(limit, subject, amount, Instant.EPOCH, null);
    }
    ZoneId zone = limit.zone() != null ? limit.zone() : policy.zone();
    Duration offset = limit.resetOffset();
    int slot = limit.window().ordinal();
    Span s = spans.get(slot);
    if (s == null || !s.holds(zone, offset, now)) {
      Instant start = Windows.start(limit.window(), now, zone, offset);
      s = new Span(zone, offset, start, Windows.end(limit.window(), start, zone, offset));
      spans.set(slot, s);
    }
    return new Bound(limit, subject, amount, s.start, s.end);
  }

  /**
   * The limits that apply to {@code request}, bound to their current windows: the last ones
   * computed for this subject when the request has the same shape (provider, model, operation, no
   * other subject named) and {@code now} lies in the same windows; else computed now.
   */
  BoundSet boundSet(
      Resolved resolved,
      UsageRequest request,
      Instant now,
      Map<SubjectRef, Optional<SubjectRecord>> others) {
    boolean shapeOnly =
        request.apiKey() == null
            && request.providerKey() == null
            && request.tenant() == null
            && request.workflowId() == null;
    if (shapeOnly) {
      BoundSet last = resolved.lastBounds;
      if (last != null && last.fits(request, now)) {
        return last;
      }
    }
    BoundSet set = new BoundSet(bounds(resolved, request, now, false, others), request);
    if (shapeOnly) {
      resolved.lastBounds = set;
    }
    return set;
  }

  private record Span(ZoneId zone, Duration offset, Instant start, Instant end) {
    boolean holds(ZoneId z, Duration o, Instant t) {
      return !t.isBefore(start) && t.isBefore(end) && zone.equals(z) && offset.equals(o);
    }
  }
}
