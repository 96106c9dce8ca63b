package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission: one request resolved, bound to its limits, estimated, checked without the store, and
 * then reserved in the store (or, for a check, measured against it).
 */
final class Admitter {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaManager.class);
  private static final int CLAMP_ATTEMPTS = 3;
  private static final ReserveResult GRANTED_NOTHING = new ReserveResult.Granted(Map.of());

  /** What {@code "r-" + ids.get()} starts with, for {@link QuotaManager.SequentialIds#next}. */
  private static final byte[] RESERVATION_ID_PREFIX = {'r', '-'};

  private final QuotaPolicy policy;
  private final Clock clock;
  private final Supplier<String> ids;
  private final Duration leaseDuration;
  private final Duration workflowLease;
  private final boolean recordDenials;
  private final StoreGate gate;
  private final SubjectResolver resolver;
  private final LimitBinder binder;
  private final Estimator estimator;
  private final Settlement settlement;
  private final Replayer replayer;
  private final Thresholds thresholds;
  private final Listeners listeners;

  Admitter(
      Engine engine,
      StoreGate gate,
      SubjectResolver resolver,
      LimitBinder binder,
      Estimator estimator,
      Settlement settlement,
      Replayer replayer,
      Thresholds thresholds,
      Listeners listeners) {
    this.policy = engine.policy();
    this.clock = engine.clock();
    this.ids = engine.ids();
    this.leaseDuration = engine.leaseDuration();
    this.workflowLease = engine.workflowLease();
    this.recordDenials = engine.recordDenials();
    this.gate = gate;
    this.resolver = resolver;
    this.binder = binder;
    this.estimator = estimator;
    this.settlement = settlement;
    this.replayer = replayer;
    this.thresholds = thresholds;
    this.listeners = listeners;
  }

  Workflow openWorkflow(QuotaManager manager, SubjectRef subject, String workflowId) {
    Checks.id("workflowId", workflowId);
    Instant now = clock.instant();
    Resolved resolved = resolver.resolveOrFallBack(subject, now, true);
    if (resolved.denial != null) {
      throw new QuotaExceededException(resolved.denial);
    }
    List<Bound> bounds = new ArrayList<>();
    for (Limit limit : binder.limitsFor(resolved)) {
      if (limit.window() != Window.CONCURRENT || limit.appliesTo() == SubjectKind.WORKFLOW) {
        continue;
      }
      SubjectRef target =
          limit.appliesTo() == SubjectKind.SYSTEM ? SubjectRef.SYSTEM : resolved.subject;
      if (limit.appliesTo() != SubjectKind.SYSTEM
          && limit.appliesTo() != subject.kind()
          && !LimitBinder.isPlanLimit(resolved, limit)) {
        continue;
      }
      bounds.add(
          new Bound(
              limit, target, LimitBinder.effectiveAmount(resolved, limit), Instant.EPOCH, null));
    }
    String reservationId = workflowId + "#open";
    if (bounds.isEmpty()) {
      return new Workflow(manager, settlement, workflowId, subject, null);
    }
    List<Charge> charges = new ArrayList<>();
    for (Bound bound : bounds) {
      charges.add(bound.charge(1));
    }
    Instant leaseUntil = now.plus(workflowLease);
    ReserveResult result;
    try {
      result = gate.call(now, () -> gate.store().reserve(reservationId, charges, now, leaseUntil));
    } catch (QuotaStoreUnavailableException e) {
      gate.failOpenOrThrow(e);
      return new Workflow(manager, settlement, workflowId, subject, null);
    }
    if (result instanceof ReserveResult.Rejected rejected) {
      Bound bound = bounds.get(charges.indexOf(rejected.charge()));
      QuotaDenial denial =
          Denials.denialFor(bound, rejected.charge().amount(), rejected.current(), now);
      UsageRequest asRequest = UsageRequest.forSubject(subject).workflow(workflowId).build();
      notifyDenied(denial, asRequest, now);
      throw new QuotaExceededException(denial);
    }
    if (result instanceof ReserveResult.Duplicate) {
      throw new IllegalArgumentException(
          "workflowId " + Checks.show(workflowId) + " is already open");
    }
    return new Workflow(
        manager, settlement, workflowId, subject, new WorkflowSlot(reservationId, leaseUntil));
  }

  boolean record(String eventId, UsageRequest request, Usage usage) {
    Checks.id("eventId", eventId);
    policy.checkOperation(request.operation());
    Instant now = clock.instant();
    Resolved resolved = resolver.resolveOrFallBack(request.subject(), now, true);
    Estimate est = estimator.estimate(request, now);
    List<Bound> bounds = binder.bounds(resolved, request, now, true, new HashMap<>());
    bounds.removeIf(b -> b.limit.window() == Window.IN_FLIGHT); // a recorded call is not in flight
    List<Charge> charges = new ArrayList<>();
    Actual actual = estimator.actual(request, est, usage, now);
    for (Bound b : bounds) {
      charges.add(b.charge(actual.amount(b.limit.metric(), b)).withAdmission(Admission.ALWAYS));
    }
    UsageEvent event =
        LedgerEvents.event(
            eventId, null, now, EventStatus.SUCCESS, request, est, actual, null, null);
    CommitResult r;
    try {
      r = gate.call(now, () -> gate.store().record(charges, event));
    } catch (QuotaStoreUnavailableException e) {
      gate.failOpenOrThrow(e);
      replayer.keep(bounds, charges, event);
      notifyFailOpen(request, e);
      return true;
    }
    replayer.replayIfPending();
    if (r.status() == CommitResult.Status.ALREADY_APPLIED) {
      return false;
    }
    thresholds.fire(bounds, charges, r);
    listeners.fire(l -> l.onRecorded(event));
    return true;
  }

  // ---------------------------------------------------------------- admission

  QuotaDecision admit(UsageRequest request, boolean reserve) {
    policy.checkOperation(request.operation());
    Instant now = clock.instant();
    Resolved resolved = resolver.resolveOrFallBack(request.subject(), now, reserve);
    if (resolved.denial != null) {
      return deny(resolved.denial, request, now, reserve);
    }
    Plan plan = resolved.plan;
    if (plan != null
        && !resolved.fallback
        && (!plan.allowsOperation(request.operation()) || !plan.allowsModel(request.model()))) {
      return deny(Denials.featureDenial(policy, resolved, plan, request), request, now, reserve);
    }
    Estimate est = estimator.estimate(request, now);
    if (est.unpriced && request.model() != null && estimator.pricing().denyUnknownModels()) {
      return deny(Denials.unknownModel(request), request, now, reserve);
    }
    // entries of the keys and tenant the request names, read once (for their overrides, then
    // their active flag); a request naming none has no limit charged to such a subject, so
    // nothing is ever put into the empty map
    Map<SubjectRef, Optional<SubjectRecord>> others =
        SubjectResolver.namesOthers(request) ? new HashMap<>() : Map.of();
    BoundSet set = binder.boundSet(resolved, request, now, others);
    List<Bound> bounds = set.all;
    QuotaDenial unpriced = unpricedDenial(est, request, bounds, reserve);
    if (unpriced != null) {
      return deny(unpriced, request, now, reserve);
    }

    // per-request caps: no store call
    long maxOutput = est.maxOutputTokens;
    for (int i = 0; i < bounds.size(); i++) {
      Bound b = bounds.get(i);
      if (b.limit.window() != Window.PER_REQUEST) {
        continue;
      }
      long amount = est.amount(b.limit.metric(), maxOutput);
      if (amount <= b.amount) {
        continue;
      }
      if (b.limit.mode() == LimitMode.ENFORCE
          && b.limit.overshoot() == Overshoot.CLAMP
          && Denials.clampable(b.limit.metric())) {
        long fit = b.amount - (b.limit.metric() == Metric.TOKENS ? est.inputTokens : 0);
        if (fit > 0) {
          maxOutput = Math.min(maxOutput, fit);
          continue;
        }
      }
      QuotaDenial d = Denials.denialFor(b, amount, CounterValue.ZERO, now);
      if (b.limit.mode() != LimitMode.ENFORCE) {
        if (reserve) {
          wouldDeny(d, request);
        }
        continue;
      }
      return deny(d, request, now, reserve);
    }
    if (SubjectResolver.namesOthers(request)) {
      QuotaDenial inactive = resolver.inactiveOther(request, now, others);
      if (inactive != null) {
        return deny(inactive, request, now, reserve);
      }
    }

    for (int attempt = 1; ; attempt++) {
      // CLAMP on stored token limits: shrink the output to what is left
      boolean clamped = false;
      List<Bound> clampBounds = set.clamped;
      if (!clampBounds.isEmpty()) {
        Map<CounterKey, CounterValue> values;
        try {
          List<CounterKey> keys = clampBounds.stream().map(Bound::key).toList();
          values = gate.call(now, () -> gate.store().counters(keys, now)); // without ended holds
        } catch (QuotaStoreUnavailableException e) {
          gate.failOpenOrThrow(e);
          values = Map.of(); // fail open: nothing to clamp against
        }
        for (Bound b : clampBounds) {
          CounterValue v = values.getOrDefault(b.key(), CounterValue.ZERO);
          long left = b.amount - Saturated.add(v.used(), v.reserved());
          long fit = left - (b.limit.metric() == Metric.TOKENS ? est.inputTokens : 0);
          if (fit < maxOutput && fit > 0) {
            maxOutput = fit;
            clamped = true;
          }
        }
      }
      List<Bound> charged = set.stored;
      List<Charge> charges = set.reserveCharges(est, maxOutput);
      if (!reserve) {
        return checkOnly(charged, charges, request, now);
      }
      String reservationId =
          ids instanceof QuotaManager.SequentialIds seq
              ? seq.next(RESERVATION_ID_PREFIX)
              : Checks.id("reservation id from the idGenerator", "r-" + ids.get());
      Instant leaseUntil = now.plus(leaseDuration);
      ReserveResult result;
      try {
        if (charges.isEmpty()) {
          result = GRANTED_NOTHING;
        } else {
          result = gate.reserve(reservationId, charges, now, leaseUntil);
        }
      } catch (QuotaStoreUnavailableException e) {
        gate.failOpenOrThrow(e);
        notifyFailOpen(request, e);
        return QuotaDecision.allowed(
            new Reservation(
                new Admitted(reservationId, request, est, set, charged, charges, maxOutput, true),
                settlement,
                leaseUntil));
      }
      if (result instanceof ReserveResult.Granted granted) {
        for (int i = 0; !granted.unconditional().isEmpty() && i < charges.size(); i++) {
          Charge c = charges.get(i);
          CounterValue after = granted.unconditional().get(c.key());
          if (after != null && c.admission() == Admission.ALWAYS) {
            long before = Saturated.add(after.used(), after.reserved()) - c.amount();
            if (!charged
                .get(i)
                .admissionIfEnforced(c.amount())
                .admits(Math.max(0, before), 0, c.amount(), c.limit())) {
              wouldDeny(
                  Denials.denialFor(
                      charged.get(i),
                      c.amount(),
                      new CounterValue(after.used(), after.reserved() - c.amount()),
                      now),
                  request);
            }
          }
        }
        return QuotaDecision.allowed(
            new Reservation(
                new Admitted(reservationId, request, est, set, charged, charges, maxOutput, false),
                settlement,
                leaseUntil));
      }
      if (result instanceof ReserveResult.Rejected rejected) {
        int index = charges.indexOf(rejected.charge());
        Bound b = charged.get(index);
        if (clamped && attempt < CLAMP_ATTEMPTS && b.limit.overshoot() == Overshoot.CLAMP) {
          continue; // raced with another caller: measure again
        }
        QuotaDenial denial =
            Denials.denialFor(b, rejected.charge().amount(), rejected.current(), now);
        return deny(Denials.withUpgrades(policy, denial, resolved, b), request, now, true);
      }
      throw new IllegalStateException("store reported a duplicate for fresh id " + reservationId);
    }
  }

  private QuotaDecision checkOnly(
      List<Bound> charged, List<Charge> charges, UsageRequest request, Instant now) {
    if (charges.isEmpty()) {
      return QuotaDecision.allowed(null);
    }
    Map<CounterKey, CounterValue> values;
    try {
      List<CounterKey> keys = charges.stream().map(Charge::key).toList();
      values = gate.call(now, () -> gate.store().counters(keys, now)); // without ended holds
    } catch (QuotaStoreUnavailableException e) {
      gate.failOpenOrThrow(e);
      return QuotaDecision.allowed(null); // fail-open; a check admits nothing, so nobody is told
    }
    List<LimitStatus> limits = new ArrayList<>(charges.size());
    List<QuotaDenial> misses = new ArrayList<>(0);
    for (int i = 0; i < charges.size(); i++) {
      Charge c = charges.get(i);
      CounterValue v = values.getOrDefault(c.key(), CounterValue.ZERO);
      limits.add(StatusReader.limitStatus(charged.get(i), v));
      if (!c.admission().admits(v.used(), v.reserved(), c.amount(), c.limit())) {
        misses.add(Denials.denialFor(charged.get(i), c.amount(), v, now));
      }
    }
    return QuotaDecision.checked(misses, limits);
  }

  private QuotaDecision deny(
      QuotaDenial denial, UsageRequest request, Instant now, boolean notify) {
    if (notify) {
      notifyDenied(denial, request, now);
    }
    return QuotaDecision.denied(denial);
  }

  private void notifyDenied(QuotaDenial denial, UsageRequest request, Instant now) {
    if (recordDenials) {
      UsageEvent e =
          LedgerEvents.builder("d-" + ids.get(), null, now, EventStatus.QUOTA_EXCEEDED, request)
              .errorCode(denial.code())
              .errorMessage(denial.message())
              .build();
      try {
        boolean unused = gate.call(now, () -> gate.store().appendEvent(e));
      } catch (QuotaStoreUnavailableException ex) {
        LOG.debug("could not record a denial in the ledger", ex);
      }
    }
    listeners.fire(l -> l.onDenied(denial, request));
  }

  private void wouldDeny(QuotaDenial denial, UsageRequest request) {
    listeners.fire(l -> l.onWouldDeny(denial, request));
  }

  private void notifyFailOpen(UsageRequest request, QuotaStoreUnavailableException e) {
    listeners.fire(l -> l.onFailOpenAdmission(request, e));
  }

  /**
   * The denial of a call that names no model and has no price, when the pricing denies unpriced
   * models and a COST limit counts the call: its cost cannot be known, so an ENFORCE or SOFT cost
   * limit could be passed unseen (three 2M-token calls would pass a $0.01 limit priced at zero). A
   * SHADOW cost limit never denies: the call is admitted, priced at zero, and listeners hear the
   * denial that would have happened. Without a cost limit the price only fills the ledger: admitted
   * at zero with a warning. (A call naming an unpriced model is denied before, whatever its limits,
   * as a denying table always did.)
   */
  private @Nullable QuotaDenial unpricedDenial(
      Estimate est, UsageRequest request, List<Bound> bounds, boolean reserve) {
    if (!est.unpriced || request.model() != null || !estimator.pricing().denyUnknownModels()) {
      return null;
    }
    Bound shadow = null;
    for (int i = 0; i < bounds.size(); i++) {
      Bound b = bounds.get(i);
      if (b.limit.metric() != Metric.COST) {
        continue;
      }
      if (b.limit.mode() != LimitMode.SHADOW) {
        return Denials.unpriced(request, b.limit);
      }
      shadow = b;
    }
    if (shadow != null && reserve) {
      wouldDeny(Denials.unpriced(request, shadow.limit), request);
    }
    return null;
  }
}
