package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.spi.SubjectRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Subjects resolved: the request's own directory entry (unknown: created on the default plan or
 * denied; inactive: denied), its plan, its overrides with the temporary increases of the current
 * windows, and the entries of the API key, provider key and tenant it names; through a cache when
 * {@link QuotaManager.Builder#subjectCacheTtl} is set.
 */
final class SubjectResolver {
  private static final int SUBJECT_CACHE_MAX = 100_000;

  private final QuotaPolicy policy;
  private final StoreGate gate;
  private final Duration subjectCacheTtl;
  private final Map<SubjectRef, CachedSubject> subjectCache = new ConcurrentHashMap<>();

  /**
   * Keys and tenants named by requests that have no directory entry, until when that answer may be
   * reused (with {@code subjectCacheTtl} only): most keys never get an entry, and each would
   * otherwise cost a store read per request.
   */
  private final Map<SubjectRef, Instant> absentOthers = new ConcurrentHashMap<>();

  /**
   * Bumped by every {@link #invalidate}: a directory read that began before an invalidation is not
   * cached, so that a change made through this manager is seen by its next request even when a
   * request read the old entry meanwhile.
   */
  private final AtomicLong subjectGeneration = new AtomicLong();

  SubjectResolver(Engine engine, StoreGate gate) {
    this.policy = engine.policy();
    this.gate = gate;
    this.subjectCacheTtl = engine.subjectCacheTtl();
  }

  /**
   * Resolves the subject; when the store is unreachable and the manager fails open, falls back to
   * the default plan with no directory entry (feature gates are then not checked).
   */
  Resolved resolveOrFallBack(SubjectRef subject, Instant now, boolean create) {
    try {
      return resolve(subject, now, create, true);
    } catch (QuotaStoreUnavailableException e) {
      gate.failOpenOrThrow(e);
      Plan plan =
          subject.kind() == SubjectKind.USER || subject.kind() == SubjectKind.ANONYMOUS
              ? policy.plan(policy.defaultPlanFor(subject.kind()))
              : null;
      return new Resolved(subject, null, plan, null, true);
    }
  }

  /** The subject's directory entry and plan, or the denial. */
  @SuppressWarnings("ReferenceEquality") // identity: the record read, not an equal one
  Resolved resolve(SubjectRef subject, Instant now, boolean create, boolean mayDoWithoutStore) {
    if (subject.kind() == SubjectKind.SYSTEM || subject.kind() == SubjectKind.WORKFLOW) {
      return new Resolved(subject, null, null, null);
    }
    CachedSubject cached = subjectCacheTtl.isZero() ? null : subjectCache.get(subject);
    if (cached != null && now.isBefore(cached.expiresAt)) {
      Resolved r = cached.resolved;
      if (r == null) {
        r = resolveRecord(subject, cached.record, now);
        if (r.record == cached.record) { // no temporary increase: the same at any time
          cached.resolved = r;
        }
      }
      return r;
    }
    Optional<SubjectRecord> found = findSubject(subject, now, mayDoWithoutStore);
    SubjectRecord rec;
    if (found.isPresent()) {
      rec = found.get();
    } else if (policy.unknownSubjects() == UnknownSubjects.DENY
        && (subject.kind() == SubjectKind.USER || subject.kind() == SubjectKind.ANONYMOUS)) {
      return new Resolved(
          subject,
          null,
          null,
          QuotaDenial.of(
              DenialCodes.USER_NOT_FOUND,
              "Unknown subject " + subject + ": not in the directory",
              subject));
    } else if (create
        && (subject.kind() == SubjectKind.USER || subject.kind() == SubjectKind.ANONYMOUS)) {
      SubjectRecord created =
          SubjectRecord.create(subject, policy.defaultPlanFor(subject.kind()), now);
      long generation = subjectGeneration.get();
      rec = gate.ask(mayDoWithoutStore, now, () -> gate.store().createSubjectIfAbsent(created));
      cacheSubject(rec, now, generation);
    } else {
      rec = null;
    }
    return resolveRecord(subject, rec, now);
  }

  /** The subject's plan and effective record, or the denial, from its directory entry. */
  private Resolved resolveRecord(SubjectRef subject, @Nullable SubjectRecord rec, Instant now) {
    Plan plan;
    if (rec == null) {
      plan =
          subject.kind() == SubjectKind.USER || subject.kind() == SubjectKind.ANONYMOUS
              ? policy.plan(policy.defaultPlanFor(subject.kind()))
              : null;
    } else {
      plan = policy.plan(rec.plan());
      if (plan == null) {
        throw new IllegalStateException(
            "subject "
                + subject
                + " is on plan "
                + Checks.show(rec.plan())
                + ", which the policy does not define "
                + policy.plans().keySet());
      }
      if (!rec.active()) {
        return new Resolved(
            subject,
            rec,
            plan,
            QuotaDenial.of(
                DenialCodes.USER_INACTIVE, "Subject " + subject + " is deactivated", subject));
      }
    }
    return new Resolved(subject, TemporaryIncreases.apply(policy, rec, plan, now), plan, null);
  }

  private Optional<SubjectRecord> findSubject(
      SubjectRef subject, Instant now, boolean mayDoWithoutStore) {
    if (subjectCacheTtl.isZero()) {
      return gate.ask(mayDoWithoutStore, now, () -> gate.store().findSubject(subject));
    }
    CachedSubject c = subjectCache.get(subject);
    if (c != null && now.isBefore(c.expiresAt)) {
      return Optional.of(c.record);
    }
    long generation = subjectGeneration.get();
    Optional<SubjectRecord> found =
        gate.ask(mayDoWithoutStore, now, () -> gate.store().findSubject(subject));
    found.ifPresent(r -> cacheSubject(r, now, generation));
    return found;
  }

  /** Caches {@code rec}, read when the generation was {@code generation}, unless that changed. */
  private void cacheSubject(SubjectRecord rec, Instant now, long generation) {
    if (subjectCacheTtl.isZero() || generation != subjectGeneration.get()) {
      return;
    }
    if (subjectCache.size() >= SUBJECT_CACHE_MAX) {
      subjectCache.clear(); // crude but bounded; a miss costs one read
    }
    subjectCache.put(rec.subject(), new CachedSubject(rec, now.plus(subjectCacheTtl)));
  }

  /**
   * A cached directory entry, and what it resolves to once asked (when that does not depend on the
   * time: no temporary increase), with the bounds of its last requests.
   */
  private static final class CachedSubject {
    final SubjectRecord record;
    final Instant expiresAt;
    volatile @Nullable Resolved resolved;

    CachedSubject(SubjectRecord record, Instant expiresAt) {
      this.record = record;
      this.expiresAt = expiresAt;
    }
  }

  /**
   * Forgets this manager's cached directory entry of {@code subject}, so that the next request
   * reads it from the gate.store(). Call after changing the subject in the store directly; changes
   * made through quota4j's administration API do this themselves.
   */
  void invalidate(SubjectRef subject) {
    subjectGeneration.incrementAndGet();
    subjectCache.remove(subject);
    absentOthers.remove(subject);
  }

  /**
   * The directory entry of a subject the request names besides its own, read once per request
   * (through the subject cache when one is configured). Fail-open: an unreachable store reads as no
   * entry.
   */
  Optional<SubjectRecord> entryOf(
      SubjectRef target, Instant now, Map<SubjectRef, Optional<SubjectRecord>> seen) {
    Optional<SubjectRecord> rec = seen.get(target);
    if (rec == null) {
      Instant absentUntil = subjectCacheTtl.isZero() ? null : absentOthers.get(target);
      if (absentUntil != null && now.isBefore(absentUntil)) {
        rec = Optional.empty();
      } else {
        try {
          long generation = subjectGeneration.get();
          rec = findSubject(target, now, true);
          if (rec.isEmpty() && !subjectCacheTtl.isZero() && generation == subjectGeneration.get()) {
            if (absentOthers.size() >= SUBJECT_CACHE_MAX) {
              absentOthers.clear();
            }
            absentOthers.put(target, now.plus(subjectCacheTtl));
          }
        } catch (QuotaStoreUnavailableException e) {
          gate.failOpenOrThrow(e);
          rec = Optional.empty();
        }
      }
      seen.put(target, rec);
    }
    return rec;
  }

  /**
   * The directory entries of the API key, provider key and tenant the request names besides its own
   * subject, all read now (through the cache when there is one), for their overrides and their
   * active flag; an empty map, never written to, when it names none. Fail-open: an unreachable
   * store reads as no entry.
   */
  Map<SubjectRef, Optional<SubjectRecord>> othersOf(UsageRequest request, Instant now) {
    if (!namesOthers(request)) {
      return Map.of();
    }
    Map<SubjectRef, Optional<SubjectRecord>> seen = new HashMap<>();
    for (SubjectKind kind : NAMED_KINDS) {
      SubjectRef other = named(request, kind);
      if (other != null && !other.equals(request.subject())) {
        Optional<SubjectRecord> unused = entryOf(other, now, seen);
      }
    }
    return seen;
  }

  static boolean namesOthers(UsageRequest request) {
    return request.apiKey() != null || request.providerKey() != null || request.tenant() != null;
  }

  /**
   * The denial when an API key, provider key or tenant that the request names (besides its own
   * subject) has a directory entry that is deactivated; else null. Subjects without an entry are
   * active.
   */
  @Nullable QuotaDenial inactiveOther(
      UsageRequest request, Instant now, Map<SubjectRef, Optional<SubjectRecord>> seen) {
    for (SubjectKind kind : NAMED_KINDS) {
      SubjectRef other = named(request, kind);
      if (other == null || other.equals(request.subject())) {
        continue; // none named, or its own entry, checked when it was resolved
      }
      Optional<SubjectRecord> rec = entryOf(other, now, seen);
      if (rec.isPresent() && !rec.get().active()) {
        return QuotaDenial.of(
            DenialCodes.SUBJECT_INACTIVE,
            "The request names " + other + ", which is deactivated",
            other);
      }
    }
    return null;
  }

  /** The kinds of subject a request names besides its own whose directory entries count. */
  private static final SubjectKind[] NAMED_KINDS = {
    SubjectKind.API_KEY, SubjectKind.PROVIDER_KEY, SubjectKind.TENANT
  };

  /** The subject of this kind the request names (its API key, ...), or null. */
  static @Nullable SubjectRef named(UsageRequest request, SubjectKind kind) {
    return switch (kind) {
      case API_KEY -> request.apiKey() == null ? null : SubjectRef.apiKey(request.apiKey());
      case PROVIDER_KEY ->
          request.providerKey() == null ? null : SubjectRef.providerKey(request.providerKey());
      case TENANT -> request.tenant() == null ? null : SubjectRef.tenant(request.tenant());
      case WORKFLOW ->
          request.workflowId() == null ? null : SubjectRef.workflow(request.workflowId());
      default -> null;
    };
  }
}
