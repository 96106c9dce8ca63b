package dev.quota4j;

import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.SubjectRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The checks of a request that need no store (its directory entries aside): the operation, the
 * subject, feature gates, prices, per-request caps and CLAMP, and the keys and tenant it names.
 * Steps 1 to 6 of {@link QuotaManager}'s class Javadoc.
 */
final class Gates {
  private final QuotaPolicy policy;
  private final SubjectResolver resolver;
  private final LimitBinder binder;
  private final Estimator estimator;
  private final Listeners listeners;

  Gates(
      QuotaPolicy policy,
      SubjectResolver resolver,
      LimitBinder binder,
      Estimator estimator,
      Listeners listeners) {
    this.policy = policy;
    this.resolver = resolver;
    this.binder = binder;
    this.estimator = estimator;
    this.listeners = listeners;
  }

  /**
   * The request screened: its denial, or its subject, estimate, bound limits and the output tokens
   * the per-request caps leave. {@code listen}: a reservation, which may create the subject and
   * whose limits that would deny but do not (SOFT, SHADOW) are told to listeners; false for a
   * check.
   */
  Candidate screen(UsageRequest request, Instant now, boolean listen) {
    policy.checkOperation(request.operation()); // 1
    Resolved resolved = resolver.resolveOrFallBack(request.subject(), now, listen); // 2
    if (resolved.denial != null) {
      return Candidate.denied(resolved.denial);
    }
    Plan plan = resolved.plan; // 3
    if (plan != null
        && !resolved.fallback
        && (!plan.allowsOperation(request.operation()) || !plan.allowsModel(request.model()))) {
      return Candidate.denied(Denials.featureDenial(policy, resolved, plan, request));
    }
    Estimate est = estimator.estimate(request, now); // 4
    if (est.unpriced && request.model() != null && estimator.pricing().denyUnknownModels()) {
      return Candidate.denied(Denials.unknownModel(request));
    }
    // 5: the entries of the keys and tenant the request names, then its limits bound
    Map<SubjectRef, Optional<SubjectRecord>> others = resolver.othersOf(request, now);
    BoundSet set = binder.boundSet(resolved, request, now, others);
    QuotaDenial unpriced = unpricedDenial(est, request, set.all, listen);
    if (unpriced != null) {
      return Candidate.denied(unpriced);
    }
    // 6: per-request caps, then the keys and tenant named
    long maxOutput = est.maxOutputTokens;
    List<Bound> bounds = set.all;
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
      if (b.limit.mode() == LimitMode.ENFORCE) {
        return Candidate.denied(d);
      }
      if (listen) {
        listeners.fire(l -> l.onWouldDeny(d, request));
      }
    }
    if (SubjectResolver.namesOthers(request)) {
      QuotaDenial inactive = resolver.inactiveOther(request, now, others);
      if (inactive != null) {
        return Candidate.denied(inactive);
      }
    }
    return Candidate.admissible(resolved, est, set, maxOutput);
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
      Estimate est, UsageRequest request, List<Bound> bounds, boolean listen) {
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
    if (shadow != null && listen) {
      QuotaDenial d = Denials.unpriced(request, shadow.limit);
      listeners.fire(l -> l.onWouldDeny(d, request));
    }
    return null;
  }
}
