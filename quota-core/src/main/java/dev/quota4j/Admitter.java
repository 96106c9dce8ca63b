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
import dev.quota4j.spi.UsageEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  private final Gates gates;
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
    this.gates = new Gates(engine.policy(), resolver, binder, estimator, listeners);
    this.estimator = estimator;
    this.settlement = settlement;
    this.replayer = replayer;
    this.thresholds = thresholds;
    this.listeners = listeners;
  }

  /**
   * Admits one call: steps 1 to 9 of {@link QuotaManager}'s class Javadoc. Each step takes the
   * value the one before made.
   */
  QuotaDecision tryReserve(UsageRequest request) {
    Instant now = clock.instant();
    Candidate c = gates.screen(request, now, true); // steps 1-6: no store but the directory
    QuotaDenial screened = c.denial();
    if (screened != null) {
      return deny(screened, request, now);
    }
    BoundSet set = c.bounds();
    long maxOutput = c.maxOutput();
    for (int attempt = 1; ; attempt++) {
      long fitted = clampToStore(set, c.estimate(), maxOutput, now); // step 7
      boolean clamped = fitted < maxOutput;
      maxOutput = fitted;
      List<Charge> charges = set.reserveCharges(c.estimate(), maxOutput);
      String reservationId = nextReservationId();
      Instant leaseUntil = now.plus(leaseDuration);
      ReserveResult result;
      try {
        result =
            charges.isEmpty()
                ? GRANTED_NOTHING
                : gate.reserve(reservationId, charges, now, leaseUntil); // step 8
      } catch (QuotaStoreUnavailableException e) {
        gate.failOpenOrThrow(e); // step 9
        listeners.fire(l -> l.onFailOpenAdmission(request, e));
        return granted(reservationId, request, c, charges, maxOutput, leaseUntil, null);
      }
      if (result instanceof ReserveResult.Granted g) {
        wouldDenyUnconditional(set.stored, charges, g, request, now);
        return granted(reservationId, request, c, charges, maxOutput, leaseUntil, g);
      }
      if (result instanceof ReserveResult.Rejected rejected) {
        Bound b = Denials.rejectedBound(set.stored, charges, rejected);
        if (clamped && attempt < CLAMP_ATTEMPTS && b.limit.overshoot() == Overshoot.CLAMP) {
          continue; // raced with another caller: measure again
        }
        QuotaDenial denial =
            Denials.denialFor(b, rejected.charge().amount(), rejected.current(), now);
        return deny(Denials.withUpgrades(policy, denial, c.resolved(), b), request, now);
      }
      throw new IllegalStateException("store reported a duplicate for fresh id " + reservationId);
    }
  }

  /**
   * Whether the call would be admitted now: the steps of {@link #tryReserve} up to the store, which
   * is then read rather than written. Creates no subject, tells no listener, writes no event.
   */
  QuotaDecision check(UsageRequest request) {
    Instant now = clock.instant();
    Candidate c = gates.screen(request, now, false);
    QuotaDenial screened = c.denial();
    if (screened != null) {
      return QuotaDecision.denied(screened);
    }
    BoundSet set = c.bounds();
    long maxOutput = clampToStore(set, c.estimate(), c.maxOutput(), now);
    return measure(set.stored, set.reserveCharges(c.estimate(), maxOutput), now);
  }

  private QuotaDecision granted(
      String id,
      UsageRequest request,
      Candidate c,
      List<Charge> charges,
      long maxOutput,
      Instant leaseUntil,
      ReserveResult.@Nullable Granted granted) {
    BoundSet set = c.bounds();
    Admitted admitted =
        new Admitted(
            id,
            request,
            c.estimate(),
            set,
            set.stored,
            charges,
            maxOutput,
            granted == null,
            granted == null ? Map.of() : granted.counters());
    Reservation reservation = new Reservation(admitted, settlement, leaseUntil);
    if (!listeners.isEmpty()) {
      listeners.fire(l -> l.onAdmitted(request, reservation));
    }
    return QuotaDecision.allowed(reservation);
  }

  private String nextReservationId() {
    return ids instanceof QuotaManager.SequentialIds seq
        ? seq.next(RESERVATION_ID_PREFIX)
        : Checks.id("reservation id from the idGenerator", "r-" + ids.get());
  }

  /**
   * CLAMP on stored token limits: {@code maxOutput} shrunk to what is left in them (read from the
   * store, without ended holds); unchanged when there are none, or when the store is unreachable
   * and the manager fails open.
   */
  private long clampToStore(BoundSet set, Estimate est, long maxOutput, Instant now) {
    List<Bound> clampBounds = set.clamped;
    if (clampBounds.isEmpty()) {
      return maxOutput;
    }
    Map<CounterKey, CounterValue> values;
    try {
      List<CounterKey> keys = clampBounds.stream().map(Bound::key).toList();
      values = gate.call(now, () -> gate.store().counters(keys, now));
    } catch (QuotaStoreUnavailableException e) {
      gate.failOpenOrThrow(e);
      return maxOutput; // fail open: nothing to clamp against
    }
    for (Bound b : clampBounds) {
      CounterValue v = values.getOrDefault(b.key(), CounterValue.ZERO);
      long left = b.amount - Saturated.add(v.used(), v.reserved());
      long fit = left - (b.limit.metric() == Metric.TOKENS ? est.inputTokens : 0);
      if (fit < maxOutput && fit > 0) {
        maxOutput = fit;
      }
    }
    return maxOutput;
  }

  /**
   * Tells listeners of each SOFT or SHADOW charge the store added although it did not fit: the
   * denial an enforced limit would have made.
   */
  private void wouldDenyUnconditional(
      List<Bound> charged,
      List<Charge> charges,
      ReserveResult.Granted granted,
      UsageRequest request,
      Instant now) {
    for (int i = 0; !granted.unconditional().isEmpty() && i < charges.size(); i++) {
      Charge c = charges.get(i);
      CounterValue after = granted.unconditional().get(c.key());
      if (after != null && c.admission() == Admission.ALWAYS) {
        long before = Saturated.add(after.used(), after.reserved()) - c.amount();
        if (!charged
            .get(i)
            .admissionIfEnforced(c.amount())
            .admits(Math.max(0, before), 0, c.amount(), c.limit())) {
          QuotaDenial d =
              Denials.denialFor(
                  charged.get(i),
                  c.amount(),
                  new CounterValue(after.used(), after.reserved() - c.amount()),
                  now);
          listeners.fire(l -> l.onWouldDeny(d, request));
        }
      }
    }
  }

  /** A check's answer: where each stored limit stands, and every one the call would not fit. */
  private QuotaDecision measure(List<Bound> charged, List<Charge> charges, Instant now) {
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

  /** Opens a workflow: one charge per concurrent-workflow limit, under the workflow lease. */
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
      Bound bound = Denials.rejectedBound(bounds, charges, rejected);
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

  /** Records usage that was never reserved: unconditional charges, in one store call. */
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
      listeners.fire(l -> l.onFailOpenAdmission(request, e));
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

  private QuotaDecision deny(QuotaDenial denial, UsageRequest request, Instant now) {
    notifyDenied(denial, request, now);
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
}
