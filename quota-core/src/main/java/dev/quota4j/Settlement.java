package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Settles what admission granted: commits or fails a reservation with its actual usage (into the
 * journal when the store is unreachable and the manager fails open), releases its hold, renews its
 * lease; and the same for a workflow's slot. The store's methods of the same purpose are {@code
 * commit}, {@code release} and {@code extend}; these are named apart on purpose.
 */
final class Settlement {
  private final Clock clock;
  private final Duration workflowLease;
  private final StoreGate gate;
  private final Estimator estimator;
  private final Replayer replayer;
  private final Thresholds thresholds;
  private final Listeners listeners;

  Settlement(
      Engine engine,
      StoreGate gate,
      Estimator estimator,
      Replayer replayer,
      Thresholds thresholds,
      Listeners listeners) {
    this.clock = engine.clock();
    this.workflowLease = engine.workflowLease();
    this.gate = gate;
    this.estimator = estimator;
    this.replayer = replayer;
    this.thresholds = thresholds;
    this.listeners = listeners;
  }

  /**
   * Commits or fails reservation {@code r} with its actual usage: the settlement steps of {@link
   * QuotaManager}'s class Javadoc. Throws, leaving the reservation open, when the store cannot be
   * reached and the manager fails closed.
   */
  Reservation.Outcome settle(
      Admitted r,
      Instant leaseUntil,
      Usage usage,
      EventStatus status,
      @Nullable String errorCode,
      @Nullable String errorMessage) {
    Instant now = clock.instant();
    Actual actual = estimator.actual(r.request(), r.estimate(), usage, now);
    List<Charge> charges;
    BoundSet set = r.boundSet();
    if (set != null && set.stored == r.bounds()) {
      charges = set.actualCharges(r.charges(), actual);
    } else {
      charges = new ArrayList<>();
      for (int i = 0; i < r.bounds().size(); i++) {
        Bound b = r.bounds().get(i);
        charges.add(r.charges().get(i).withAmount(actual.amount(b.limit.metric(), b)));
      }
    }
    UsageEvent event =
        LedgerEvents.event(
            r.id(),
            r.id(),
            now,
            status,
            r.request(),
            r.estimate(),
            actual,
            errorCode,
            errorMessage);
    CommitResult result;
    try {
      if (r.detached()) {
        List<Charge> unconditional =
            charges.stream().map(c -> c.withAdmission(Admission.ALWAYS)).toList();
        result = gate.call(now, () -> gate.store().record(unconditional, event));
      } else {
        result = gate.commit(r.id(), charges, event, now);
      }
    } catch (QuotaStoreUnavailableException e) {
      if (!r.detached()) {
        gate.failOpenOrThrow(e);
      }
      replayer.keep(r.bounds(), charges, event);
      listeners.fire(
          l -> l.onWarning("STORE_UNAVAILABLE", "usage of " + r.id() + " kept for replay"));
      return Reservation.Outcome.PENDING;
    }
    replayer.replayIfPending();
    if (result.status() == CommitResult.Status.ALREADY_APPLIED) {
      return Reservation.Outcome.ALREADY_DONE;
    }
    thresholds.fire(r.bounds(), charges, result);
    if (!listeners.isEmpty()) {
      listeners.fire(l -> l.onCommitted(event));
    }
    if (result.status() == CommitResult.Status.APPLIED_LATE) {
      listeners.fire(
          l ->
              l.onWarning(
                  "LEASE_EXPIRED",
                  "reservation "
                      + r.id()
                      + " was committed after its lease ended at "
                      + leaseUntil
                      + "; its usage was recorded"));
      return Reservation.Outcome.COMMITTED_LATE;
    }
    return Reservation.Outcome.COMMITTED;
  }

  /** Releases what reservation {@code r} holds in the store (nothing for a detached one). */
  void releaseHold(Admitted r) {
    if (r.detached() || r.charges().isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    UsageEvent event =
        LedgerEvents.builder(r.id(), r.id(), now, EventStatus.RELEASED, r.request())
            .estimatedTokens(r.estimate().inputTokens + r.estimate().maxOutputTokens)
            .build();
    if (gate.call(now, () -> gate.store().release(r.id(), event))) {
      listeners.fire(l -> l.onReleased(event));
    }
  }

  /** Renews the lease of reservation {@code r} for {@code more} from now; the new end. */
  Instant renewLease(Admitted r, Instant leaseUntil, Duration more) {
    Checks.argument(!more.isNegative() && !more.isZero(), "extension", "must be positive", more);
    Instant now = clock.instant();
    Instant until = now.plus(more);
    if (r.detached() || r.charges().isEmpty()) {
      return until;
    }
    // fail-open: the call goes on; should the store reclaim the lease meanwhile, the commit still
    // counts (COMMITTED_LATE)
    Boolean extended =
        gate.callOrWarn(
            now,
            () -> gate.store().extend(r.id(), now, until),
            () ->
                "could not extend reservation "
                    + Checks.show(r.id())
                    + ": the store is unreachable; its lease may end at "
                    + leaseUntil);
    if (extended == null) {
      return leaseUntil;
    }
    if (!extended) {
      // the store never revives an ended lease: it reclaimed it before, or in this very call
      throw new ReservationExpiredException(
          "reservation "
              + r.id()
              + " cannot be extended: its lease ended (it was to end at "
              + leaseUntil
              + "; now "
              + now
              + ") and its hold has been released, by this call or an earlier reclaim; a commit"
              + " still records the usage, once, as COMMITTED_LATE");
    }
    return until;
  }

  void releaseWorkflow(Workflow w, WorkflowSlot slot) {
    UsageEvent event =
        UsageEvent.builder(slot.reservationId, clock.instant(), EventStatus.RELEASED, w.subject())
            .reservationId(slot.reservationId)
            .workflowId(w.id())
            .operation("workflow")
            .build();
    Boolean unused =
        gate.callOrWarn(
            clock.instant(),
            () -> gate.store().release(slot.reservationId, event),
            () ->
                "could not release workflow "
                    + Checks.show(w.id())
                    + ": its lease will end by itself");
  }

  void renewWorkflow(Workflow w, WorkflowSlot slot) {
    Instant now = clock.instant();
    if (now.isAfter(slot.leaseUntil.minus(workflowLease.dividedBy(2)))) {
      Instant until = now.plus(workflowLease);
      Boolean extended =
          gate.callOrWarn(
              now,
              () -> gate.store().extend(slot.reservationId, now, until),
              () ->
                  "could not extend workflow "
                      + Checks.show(w.id())
                      + ": the store is unreachable; its slot may be freed at "
                      + slot.leaseUntil);
      if (Boolean.TRUE.equals(extended)) {
        slot.leaseUntil = until;
      }
    }
  }
}
