package dev.quota4j;

import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.SubjectRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Where a subject's limits stand: {@link QuotaManager#status} and the figures of a check. */
final class StatusReader {
  private final QuotaStore store;
  private final QuotaPolicy policy;
  private final Clock clock;
  private final SubjectResolver resolver;
  private final LimitBinder binder;

  StatusReader(Engine engine, SubjectResolver resolver, LimitBinder binder) {
    this.store = engine.store();
    this.policy = engine.policy();
    this.clock = engine.clock();
    this.resolver = resolver;
    this.binder = binder;
  }

  /** Where every limit of {@code subject} stands now. Creates nothing. */
  QuotaStatus status(SubjectRef subject) {
    Instant now = clock.instant();
    Resolved resolved = resolver.resolve(subject, now, false, false);
    List<Bound> bounds = new ArrayList<>();
    if (subject.kind() == SubjectKind.SYSTEM || subject.kind() == SubjectKind.WORKFLOW) {
      for (Limit limit : policy.limits()) {
        if (limit.appliesTo() == subject.kind()) {
          bounds.add(binder.bind(limit, subject, limit.amount(), now));
        }
      }
    } else {
      for (Limit limit : binder.limitsFor(resolved)) {
        if (LimitBinder.isPlanLimit(resolved, limit) || limit.appliesTo() == subject.kind()) {
          bounds.add(
              binder.bind(limit, subject, LimitBinder.effectiveAmount(resolved, limit), now));
        }
      }
    }
    List<CounterKey> keys = new ArrayList<>();
    for (Bound b : bounds) {
      if (b.limit.window().isStored()) {
        keys.add(b.key());
      }
    }
    // holds whose lease ended count nowhere: the read reclaims them first
    Map<CounterKey, CounterValue> values = keys.isEmpty() ? Map.of() : store.counters(keys, now);
    List<LimitStatus> out = new ArrayList<>();
    for (Bound b : bounds) {
      CounterValue v =
          b.limit.window().isStored() ? values.getOrDefault(b.key(), CounterValue.ZERO) : null;
      out.add(limitStatus(b, v));
    }
    SubjectRecord rec = resolved.record;
    return new QuotaStatus(
        subject,
        rec != null
            || subject.kind() == SubjectKind.SYSTEM
            || subject.kind() == SubjectKind.WORKFLOW,
        rec != null ? rec.plan() : (resolved.plan != null ? resolved.plan.name() : null),
        resolved.denial == null,
        out);
  }

  /** Where one bound limit stands; {@code v} is null for limits the store does not keep. */
  static LimitStatus limitStatus(Bound b, @Nullable CounterValue v) {
    long used = v == null ? 0 : v.used();
    long reserved = v == null ? 0 : v.reserved();
    long taken = Saturated.add(used, reserved);
    double percent = UsageLevel.percentOf(taken, b.amount);
    UsageLevel level =
        v == null ? UsageLevel.OK : UsageLevel.of(taken, b.amount, b.limit.thresholds());
    return new LimitStatus(
        b.subject,
        b.limit.name(),
        b.limit.metric(),
        b.limit.window(),
        b.limit.mode(),
        used,
        reserved,
        b.amount,
        Math.max(0, b.amount - taken),
        percent,
        level,
        b.limit.window().isStored() ? b.windowStart : null,
        b.windowEnd);
  }
}
