package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import dev.quota4j.internal.FileUsageJournal;
import dev.quota4j.internal.Windows;
import dev.quota4j.pricing.ModelPrice;
import dev.quota4j.pricing.ModelPricing;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.tokens.OperationEstimates;
import dev.quota4j.tokens.TokenCounter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits LLM calls against their limits. Build one per application with {@link #builder()} and wrap
 * every call:
 *
 * <pre>{@code
 * try (Reservation r = quotas.reserve(UsageRequest.forUser("u-42")
 *         .operation("planning").model("gpt-4o").estimatedTokens(prompt, 2_000))) {
 *   ChatResult out = llm.call(prompt);
 *   r.commit(Usage.of(out.promptTokens(), out.completionTokens()));
 * }
 * }</pre>
 *
 * <p>Admission, in order: resolve the subject (unknown: create on the default plan or deny;
 * inactive: deny); check feature gates and per-request caps without the store; turn the estimate
 * into one charge per limit and window; let the store reserve all of them or none. Thread-safe.
 */
public final class QuotaManager implements UsageRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaManager.class);
  private static final int CLAMP_ATTEMPTS = 3;
  private static final String MODEL_WHEN_NONE_GIVEN = "gpt-4o";

  /** Journal entries a caller hands to the store after one of its own store calls succeeded. */
  static final int REPLAY_BATCH = 32;

  private final QuotaStore store;
  private final QuotaPolicy policy;
  private final Clock clock;
  private final TokenCounter tokenCounter;
  private final ModelPricing pricing;
  private final boolean warnUnpriced;

  /** Models already warned about as unpriced ({@code ""}: calls naming none), at most 1,024. */
  private final java.util.Set<String> warnedUnpriced = ConcurrentHashMap.newKeySet();

  private final OperationEstimates operationEstimates;
  private final List<QuotaListener> listeners;
  private final Duration leaseDuration;
  private final Duration workflowLease;
  private final Duration workflowMaxDuration;
  private final FailMode failMode;
  private final boolean recordDenials;
  private final Supplier<String> ids;
  private static final int SUBJECT_CACHE_MAX = 100_000;

  private final UsageJournal journal;
  private final Duration subjectCacheTtl;
  private final Map<SubjectRef, CachedSubject> subjectCache = new ConcurrentHashMap<>();

  /**
   * Keys and tenants named by requests that have no directory entry, until when that answer may be
   * reused (with {@code subjectCacheTtl} only): most keys never get an entry, and each would
   * otherwise cost a store read per request.
   */
  private final Map<SubjectRef, Instant> absentOthers = new ConcurrentHashMap<>();

  /**
   * Bumped by every {@link #invalidateSubject}: a directory read that began before an invalidation
   * is not cached, so that a change made through this manager is seen by its next request even when
   * a request read the old entry meanwhile.
   */
  private final AtomicLong subjectGeneration = new AtomicLong();

  private final Map<String, List<Bound>> pendingBounds = new ConcurrentHashMap<>();
  private final AtomicBoolean maybePending = new AtomicBoolean(true);
  private final ReentrantLock replaying = new ReentrantLock();
  private final Duration storeRetryInterval;

  /** Per plan name: the limits a subject on it is checked against (see {@link PlanLimits}). */
  private final Map<String, PlanLimits> planLimits;

  /** The limits of a subject on no plan: the policy's. */
  private final PlanLimits policyLimits;

  /** In FAIL_OPEN, until when (epoch ms) admissions do without the store; {@link #ASK}: ask it. */
  private final AtomicLong skipStoreUntil = new AtomicLong(ASK);

  private static final long ASK = Long.MIN_VALUE;

  private QuotaManager(Builder b) {
    this.store = Checks.notNull("store", b.store);
    this.policy = b.policy;
    this.clock = b.clock;
    this.tokenCounter = b.tokenCounter;
    this.pricing = b.pricing != null ? b.pricing : ModelPricing.none();
    this.warnUnpriced = b.pricing != null;
    this.operationEstimates = b.operationEstimates;
    List<QuotaListener> l = new ArrayList<>();
    if (b.defaultLogging) {
      l.add(new LoggingQuotaListener());
    }
    l.addAll(b.listeners);
    this.listeners = List.copyOf(l);
    this.leaseDuration = b.leaseDuration;
    this.workflowLease = b.workflowLease;
    this.workflowMaxDuration = b.workflowMaxDuration;
    this.failMode = b.failMode;
    this.recordDenials = b.recordDenials;
    this.ids = b.ids != null ? b.ids : new SequentialIds();
    this.journal = b.journal != null ? b.journal : UsageJournal.inMemory();
    this.subjectCacheTtl = b.subjectCacheTtl;
    this.storeRetryInterval = b.storeRetryInterval;
    Map<String, PlanLimits> byPlan = new java.util.HashMap<>();
    for (Plan plan : policy.plans().values()) {
      List<Limit> all = new ArrayList<>(plan.limits());
      all.addAll(policy.limits());
      byPlan.put(plan.name(), new PlanLimits(plan, List.copyOf(all), plan.limits().size()));
    }
    this.planLimits = Map.copyOf(byPlan);
    this.policyLimits = new PlanLimits(null, policy.limits(), 0);
    warnAboutConfiguration(b);
  }

  /** Settings that are legal but rarely what is meant: said once, at build time. */
  private void warnAboutConfiguration(Builder b) {
    if (failMode == FailMode.FAIL_OPEN && b.journal == null) {
      LOG.warn(
          "failMode FAIL_OPEN with the in-memory journal: usage admitted during a store outage is"
              + " lost if this process stops before the store is back; give"
              + " journal(UsageJournal.file(path)) to keep it on disk");
    }
    if (b.pricing == null) {
      List<String> costLimits = new ArrayList<>();
      for (PlanLimits pl : planLimits.values()) {
        for (Limit limit : pl.all) {
          if (limit.metric() == Metric.COST && !costLimits.contains(limit.name())) {
            costLimits.add(limit.name());
          }
        }
      }
      for (Limit limit : policy.limits()) {
        if (limit.metric() == Metric.COST && !costLimits.contains(limit.name())) {
          costLimits.add(limit.name());
        }
      }
      if (!costLimits.isEmpty()) {
        costLimits.sort(null);
        LOG.warn(
            "cost limits {} but no pricing: only calls that give estimatedCost and usage that"
                + " gives its cost are charged; give pricing(PriceTable.defaults()) or a table of"
                + " your own",
            costLimits);
      }
    }
  }

  /**
   * The limits of a plan followed by the policy's, computed once per plan.
   *
   * @param plan the plan, or null for subjects on none
   * @param all the plan's limits, then the policy-wide ones
   * @param planCount how many of {@code all} are the plan's
   */
  private record PlanLimits(@Nullable Plan plan, List<Limit> all, int planCount) {}

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The policy in force. */
  public QuotaPolicy policy() {
    return policy;
  }

  /** The store. */
  public QuotaStore store() {
    return store;
  }

  /** The clock. */
  public Clock clock() {
    return clock;
  }

  /** The token counter. */
  public TokenCounter tokenCounter() {
    return tokenCounter;
  }

  /** Reserves capacity for one call, or throws {@link QuotaExceededException}. */
  public Reservation reserve(UsageRequest request) {
    QuotaDecision d = tryReserve(request);
    if (!d.allowed()) {
      throw new QuotaExceededException(d.denial());
    }
    return d.reservation();
  }

  /** Builds the request and reserves; see {@link #reserve(UsageRequest)}. */
  public Reservation reserve(UsageRequest.Builder request) {
    return reserve(request.build());
  }

  /** Reserves capacity for one call; a denial is returned as a value. */
  public QuotaDecision tryReserve(UsageRequest request) {
    return admit(request, true);
  }

  /** Builds the request and tries to reserve; see {@link #tryReserve(UsageRequest)}. */
  public QuotaDecision tryReserve(UsageRequest.Builder request) {
    return tryReserve(request.build());
  }

  /**
   * Whether the call would be admitted now, without reserving anything. The answer may be stale by
   * the time a call is made; use {@link #tryReserve} to admit. The decision says where each stored
   * limit stands ({@link QuotaDecision#limits()}, {@link QuotaDecision#remaining(String)}) and
   * every limit the call would not fit ({@link QuotaDecision#denials()}). A check creates no
   * subject, notifies no listener and writes nothing to the ledger.
   */
  public QuotaDecision check(UsageRequest request) {
    return admit(request, false);
  }

  /** Builds the request and checks it; see {@link #check(UsageRequest)}. */
  public QuotaDecision check(UsageRequest.Builder request) {
    return check(request.build());
  }

  /**
   * Opens a workflow for {@code subject}: counts against the concurrent-workflow limits until it is
   * closed, and each reservation made through it counts as a step.
   *
   * @throws QuotaExceededException with {@link DenialCodes#CONCURRENT_WORKFLOW_LIMIT_EXCEEDED} when
   *     too many workflows are open
   */
  public Workflow openWorkflow(SubjectRef subject) {
    return openWorkflow(subject, "wf-" + ids.get());
  }

  /** Opens a workflow with a caller-chosen id; see {@link #openWorkflow(SubjectRef)}. */
  public Workflow openWorkflow(SubjectRef subject, String workflowId) {
    Checks.id("workflowId", workflowId);
    Instant now = clock.instant();
    Resolved resolved = resolveOrFallBack(subject, now, true);
    if (resolved.denial != null) {
      throw new QuotaExceededException(resolved.denial);
    }
    List<Bound> bounds = new ArrayList<>();
    for (Limit limit : limitsFor(resolved)) {
      if (limit.window() != Window.CONCURRENT || limit.appliesTo() == SubjectKind.WORKFLOW) {
        continue;
      }
      SubjectRef target =
          limit.appliesTo() == SubjectKind.SYSTEM ? SubjectRef.SYSTEM : resolved.subject;
      if (limit.appliesTo() != SubjectKind.SYSTEM
          && limit.appliesTo() != subject.kind()
          && !isPlanLimit(resolved, limit)) {
        continue;
      }
      bounds.add(new Bound(limit, target, effectiveAmount(resolved, limit), Instant.EPOCH, null));
    }
    String reservationId = workflowId + "#open";
    if (bounds.isEmpty()) {
      return new Workflow(this, workflowId, subject, null);
    }
    List<Charge> charges = new ArrayList<>();
    for (Bound bound : bounds) {
      charges.add(bound.charge(1));
    }
    Instant leaseUntil = now.plus(workflowLease);
    ReserveResult result;
    try {
      result = storeCall(now, () -> store.reserve(reservationId, charges, now, leaseUntil));
    } catch (QuotaStoreUnavailableException e) {
      if (failMode == FailMode.FAIL_CLOSED) {
        throw e;
      }
      return new Workflow(this, workflowId, subject, null);
    }
    if (result instanceof ReserveResult.Rejected rejected) {
      Bound bound = bounds.get(charges.indexOf(rejected.charge()));
      QuotaDenial denial = denialFor(bound, rejected.charge().amount(), rejected.current(), now);
      UsageRequest asRequest = UsageRequest.forSubject(subject).workflow(workflowId).build();
      notifyDenied(denial, asRequest, now);
      throw new QuotaExceededException(denial);
    }
    if (result instanceof ReserveResult.Duplicate) {
      throw new IllegalArgumentException(
          "workflowId " + Checks.show(workflowId) + " is already open");
    }
    return new Workflow(this, workflowId, subject, new WorkflowSlot(reservationId, leaseUntil));
  }

  /** Where every limit of {@code subject} stands now. Creates nothing. */
  public QuotaStatus status(SubjectRef subject) {
    Instant now = clock.instant();
    Resolved resolved = resolve(subject, now, false, false);
    List<Bound> bounds = new ArrayList<>();
    if (subject.kind() == SubjectKind.SYSTEM || subject.kind() == SubjectKind.WORKFLOW) {
      for (Limit limit : policy.limits()) {
        if (limit.appliesTo() == subject.kind()) {
          bounds.add(bind(limit, subject, limit.amount(), now));
        }
      }
    } else {
      for (Limit limit : limitsFor(resolved)) {
        if (isPlanLimit(resolved, limit) || limit.appliesTo() == subject.kind()) {
          bounds.add(bind(limit, subject, effectiveAmount(resolved, limit), now));
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
  private static LimitStatus limitStatus(Bound b, @Nullable CounterValue v) {
    long used = v == null ? 0 : v.used();
    long reserved = v == null ? 0 : v.reserved();
    long taken = saturatedAdd(used, reserved);
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

  /**
   * Releases reservations whose lease has ended, in the store, and returns how many. A host need
   * not call it: a hold whose lease ended counts nowhere, since every read that answers how much is
   * left ({@link #status}, {@link #check}, the CLAMP budget) and every reservation that would not
   * fit reclaims the ended holds it meets. Running it now and then ({@link
   * Retention#scheduleReclaim}) keeps counters and the ledger's {@code EXPIRED} events current for
   * reports between calls.
   */
  @CanIgnoreReturnValue
  public int reclaimExpired() {
    return store.reclaimExpired(clock.instant());
  }

  /**
   * Hands usage kept while the store was unreachable (in {@link FailMode#FAIL_OPEN}) to the store,
   * all of it, oldest first, stopping when the store is unreachable. Idempotent: each usage is
   * recorded once by its event id. Returns how many are still waiting. A usage the store refuses
   * (any failure other than {@link QuotaStoreUnavailableException}, such as {@link
   * QuotaStoreRefusedException}) is set aside ({@link UsageJournal#setAside()}, {@link
   * QuotaListener#onJournalSetAside}) and the replay goes on; it is not an outage.
   *
   * <p>The manager also does this by itself, a little at a time: after each store call that
   * succeeds, one caller hands over up to {@value #REPLAY_BATCH} waiting entries, so that a backlog
   * drains with traffic without holding any one caller for long. Call this method from maintenance
   * (or at start-up, for a journal a previous process left) to drain it at once.
   */
  @CanIgnoreReturnValue
  public int replayPending() {
    replaying.lock();
    try {
      return replay(Integer.MAX_VALUE);
    } finally {
      replaying.unlock();
    }
  }

  /**
   * Hands each waiting entry to the store, oldest first, and stops when the store is unreachable;
   * an entry the store refuses is set aside and the rest go on. An entry that closes a reservation
   * is replayed as that reservation's commit, so that the capacity the reservation still holds in
   * the store is freed now rather than when its lease ends; one that does not (a {@link #record} or
   * a usage admitted without the store) is recorded. Both are idempotent by event id. One replay at
   * a time.
   */
  private int replay(int max) {
    // cleared first: an entry kept while this runs sets it again, and is not forgotten
    maybePending.set(false);
    List<UsageJournal.Entry> entries = journal.pending();
    int left = entries.size();
    int done = 0;
    for (UsageJournal.Entry e : entries) {
      if (done++ == max) {
        maybePending.set(true);
        return left;
      }
      CommitResult r;
      UsageEvent event = e.event();
      String closes = event.reservationId();
      try {
        r =
            closes != null && event.status() != EventStatus.RELEASED
                ? store.commit(closes, e.charges(), event)
                : store.record(e.charges(), event);
        storeUp();
      } catch (QuotaStoreUnavailableException ex) {
        storeDown(clock.instant());
        maybePending.set(true);
        return left;
      } catch (RuntimeException refused) {
        // the store answered and refused this entry: not an outage, and it would refuse it again
        storeUp();
        if (!setAside(event, refused)) {
          maybePending.set(true);
          return left;
        }
        left--;
        continue;
      }
      journal.markReplayed(event.eventId());
      left--;
      List<Bound> bounds = pendingBounds.remove(event.eventId());
      if (bounds != null && r.status() != CommitResult.Status.ALREADY_APPLIED) {
        fireThresholds(bounds, e.charges(), r);
      }
    }
    return left;
  }

  /**
   * Takes an entry the store refused out of the replay and keeps it in the journal's set-aside
   * entries; tells listeners. False if the journal could not keep it aside (it then stays pending).
   */
  private boolean setAside(UsageEvent event, RuntimeException refused) {
    String reason = "refused by the store: " + FileUsageJournal.oneLine(refused.toString());
    try {
      journal.putAside(event.eventId(), reason);
    } catch (QuotaJournalException e) {
      LOG.error(
          "usage {} kept in the journal was refused by the store ({}) and could not be set aside;"
              + " the replay stops here",
          Checks.show(event.eventId()),
          refused.toString(),
          e);
      return false;
    }
    pendingBounds.remove(event.eventId());
    notify(l -> l.onJournalSetAside(event, reason));
    return true;
  }

  /**
   * How many usages kept while the store was unreachable are waiting for {@link #replayPending}.
   */
  public int pendingCount() {
    return journal.pending().size();
  }

  private void keep(List<Bound> bounds, List<Charge> charges, UsageEvent event) {
    List<Charge> unconditional =
        charges.stream().map(c -> c.withAdmission(Admission.ALWAYS)).toList();
    journal.append(new UsageJournal.Entry(unconditional, event));
    pendingBounds.put(event.eventId(), bounds);
    maybePending.set(true);
  }

  /**
   * After a store call succeeded: hand over what waits in the journal, if anything does, unless
   * another thread is doing so already.
   */
  private void replayIfPending() {
    if (maybePending.get() && replaying.tryLock()) {
      try {
        int unused = replay(REPLAY_BATCH);
      } finally {
        replaying.unlock();
      }
    }
  }

  // ---------------------------------------------------------------- store availability

  /**
   * Whether to do without the store now: only in {@link FailMode#FAIL_OPEN}, during {@link
   * Builder#storeRetryInterval} after a store call failed. When the interval is over, one caller
   * asks the store again (and the others go on without it meanwhile).
   */
  private boolean skipStore(Instant now) {
    if (failMode != FailMode.FAIL_OPEN || storeRetryInterval.isZero()) {
      return false;
    }
    long until = skipStoreUntil.get();
    if (until == ASK) {
      return false;
    }
    long at = now.toEpochMilli();
    if (at < until && until - at <= storeRetryInterval.toMillis()) {
      return true; // (a clock set back by more than the interval ends it)
    }
    return !skipStoreUntil.compareAndSet(until, retryAt(now));
  }

  private long retryAt(Instant now) {
    return saturatedAdd(now.toEpochMilli(), storeRetryInterval.toMillis());
  }

  private void storeDown(Instant now) {
    if (failMode == FailMode.FAIL_OPEN && !storeRetryInterval.isZero()) {
      skipStoreUntil.set(retryAt(now));
    }
  }

  private void storeUp() {
    if (skipStoreUntil.get() != ASK) {
      skipStoreUntil.set(ASK);
    }
  }

  /** {@link #storeCall} on an admission path, a plain call on others (status, reports). */
  private <T> T ask(boolean admission, Instant now, Supplier<T> call) {
    return admission ? storeCall(now, call) : call.get();
  }

  /**
   * Calls the store, or (fail-open, store failed a moment ago) throws {@link
   * QuotaStoreUnavailableException} without calling it; remembers whether the store answered.
   */
  private <T> T storeCall(Instant now, Supplier<T> call) {
    beforeStoreCall(now);
    T result;
    try {
      result = call.get();
    } catch (QuotaStoreUnavailableException e) {
      storeDown(now);
      throw e;
    }
    storeUp();
    return result;
  }

  /**
   * The first half of {@link #storeCall}, for the admission path, which calls the store directly (a
   * lambda per call is an allocation): throws when the store is not to be asked now.
   */
  private void beforeStoreCall(Instant now) {
    if (skipStore(now)) {
      throw new QuotaStoreUnavailableException(
          "the store was not asked: a call failed less than "
              + storeRetryInterval
              + " ago (storeRetryInterval)",
          null);
    }
  }

  @Override
  @CanIgnoreReturnValue
  public boolean record(String eventId, UsageRequest request, Usage usage) {
    Checks.id("eventId", eventId);
    policy.checkOperation(request.operation());
    Instant now = clock.instant();
    Resolved resolved = resolveOrFallBack(request.subject(), now, true);
    Estimate est = estimate(request, now);
    List<Bound> bounds = bounds(resolved, request, now, true, new HashMap<>());
    bounds.removeIf(b -> b.limit.window() == Window.IN_FLIGHT); // a recorded call is not in flight
    List<Charge> charges = new ArrayList<>();
    Actual actual = actual(request, est, usage, now);
    for (Bound b : bounds) {
      charges.add(b.charge(actual.amount(b.limit.metric(), b)).withAdmission(Admission.ALWAYS));
    }
    UsageEvent event =
        event(eventId, null, now, EventStatus.SUCCESS, request, est, actual, null, null);
    CommitResult r;
    try {
      r = storeCall(now, () -> store.record(charges, event));
    } catch (QuotaStoreUnavailableException e) {
      if (failMode == FailMode.FAIL_CLOSED) {
        throw e;
      }
      keep(bounds, charges, event);
      notifyFailOpen(request, e);
      return true;
    }
    replayIfPending();
    if (r.status() == CommitResult.Status.ALREADY_APPLIED) {
      return false;
    }
    fireThresholds(bounds, charges, r);
    notify(l -> l.onRecorded(event));
    return true;
  }

  // ---------------------------------------------------------------- admission

  private QuotaDecision admit(UsageRequest request, boolean reserve) {
    policy.checkOperation(request.operation());
    Instant now = clock.instant();
    Resolved resolved = resolveOrFallBack(request.subject(), now, reserve);
    if (resolved.denial != null) {
      return deny(resolved.denial, request, now, reserve);
    }
    Plan plan = resolved.plan;
    if (plan != null
        && !resolved.fallback
        && (!plan.allowsOperation(request.operation()) || !plan.allowsModel(request.model()))) {
      return deny(featureDenial(resolved, plan, request), request, now, reserve);
    }
    Estimate est = estimate(request, now);
    if (est.unpriced && request.model() != null && pricing.denyUnknownModels()) {
      QuotaDenial d =
          QuotaDenial.of(
              DenialCodes.UNKNOWN_MODEL_PRICE,
              "Model "
                  + Checks.show(request.model())
                  + " has no price and unknown models are denied",
              request.subject());
      return deny(d, request, now, reserve);
    }
    // entries of the keys and tenant the request names, read once (for their overrides, then
    // their active flag); a request naming none has no limit charged to such a subject, so
    // nothing is ever put into the empty map
    Map<SubjectRef, Optional<SubjectRecord>> others =
        namesOthers(request) ? new HashMap<>() : Map.of();
    BoundSet set = boundSet(resolved, request, now, others);
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
          && clampable(b.limit.metric())) {
        long fit = b.amount - (b.limit.metric() == Metric.TOKENS ? est.inputTokens : 0);
        if (fit > 0) {
          maxOutput = Math.min(maxOutput, fit);
          continue;
        }
      }
      QuotaDenial d = denialFor(b, amount, CounterValue.ZERO, now);
      if (b.limit.mode() != LimitMode.ENFORCE) {
        if (reserve) {
          wouldDeny(d, request);
        }
        continue;
      }
      return deny(d, request, now, reserve);
    }
    if (namesOthers(request)) {
      QuotaDenial inactive = inactiveOther(request, now, others);
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
          values = storeCall(now, () -> store.counters(keys, now)); // without ended holds
        } catch (QuotaStoreUnavailableException e) {
          if (failMode == FailMode.FAIL_CLOSED) {
            throw e;
          }
          values = Map.of(); // fail open: nothing to clamp against
        }
        for (Bound b : clampBounds) {
          CounterValue v = values.getOrDefault(b.key(), CounterValue.ZERO);
          long left = b.amount - saturatedAdd(v.used(), v.reserved());
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
          ids instanceof SequentialIds seq
              ? seq.next(RESERVATION_ID_PREFIX)
              : Checks.id("reservation id from the idGenerator", "r-" + ids.get());
      Instant leaseUntil = now.plus(leaseDuration);
      ReserveResult result;
      try {
        if (charges.isEmpty()) {
          result = GRANTED_NOTHING;
        } else {
          beforeStoreCall(now);
          try {
            result = store.reserve(reservationId, charges, now, leaseUntil);
          } catch (QuotaStoreUnavailableException e) {
            storeDown(now);
            throw e;
          }
          storeUp();
        }
      } catch (QuotaStoreUnavailableException e) {
        if (failMode == FailMode.FAIL_CLOSED) {
          throw e;
        }
        notifyFailOpen(request, e);
        return QuotaDecision.allowed(
            new Reservation(
                this,
                reservationId,
                request,
                est,
                set,
                charged,
                charges,
                maxOutput,
                leaseUntil,
                true));
      }
      if (result instanceof ReserveResult.Granted granted) {
        for (int i = 0; !granted.unconditional().isEmpty() && i < charges.size(); i++) {
          Charge c = charges.get(i);
          CounterValue after = granted.unconditional().get(c.key());
          if (after != null && c.admission() == Admission.ALWAYS) {
            long before = saturatedAdd(after.used(), after.reserved()) - c.amount();
            if (!charged
                .get(i)
                .admissionIfEnforced(c.amount())
                .admits(Math.max(0, before), 0, c.amount(), c.limit())) {
              wouldDeny(
                  denialFor(
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
                this,
                reservationId,
                request,
                est,
                set,
                charged,
                charges,
                maxOutput,
                leaseUntil,
                false));
      }
      if (result instanceof ReserveResult.Rejected rejected) {
        int index = charges.indexOf(rejected.charge());
        Bound b = charged.get(index);
        if (clamped && attempt < CLAMP_ATTEMPTS && b.limit.overshoot() == Overshoot.CLAMP) {
          continue; // raced with another caller: measure again
        }
        QuotaDenial denial = denialFor(b, rejected.charge().amount(), rejected.current(), now);
        return deny(withUpgrades(denial, resolved, b), request, now, true);
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
      values = storeCall(now, () -> store.counters(keys, now)); // without ended holds
    } catch (QuotaStoreUnavailableException e) {
      if (failMode == FailMode.FAIL_CLOSED) {
        throw e;
      }
      return QuotaDecision.allowed(null); // fail-open; a check admits nothing, so nobody is told
    }
    List<LimitStatus> limits = new ArrayList<>(charges.size());
    List<QuotaDenial> misses = new ArrayList<>(0);
    for (int i = 0; i < charges.size(); i++) {
      Charge c = charges.get(i);
      CounterValue v = values.getOrDefault(c.key(), CounterValue.ZERO);
      limits.add(limitStatus(charged.get(i), v));
      if (!c.admission().admits(v.used(), v.reserved(), c.amount(), c.limit())) {
        misses.add(denialFor(charged.get(i), c.amount(), v, now));
      }
    }
    return QuotaDecision.checked(misses, limits);
  }

  /**
   * For a denial by a limit of the subject's plan: the other plans whose limit of the same name
   * allows more (or that have no such limit), so the denial can say an upgrade would help.
   */
  private QuotaDenial withUpgrades(QuotaDenial denial, Resolved resolved, Bound b) {
    Plan current = resolved.plan;
    if (current == null || !isPlanLimit(resolved, b.limit) || !b.subject.equals(resolved.subject)) {
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

  private static boolean clampable(Metric m) {
    return m == Metric.TOKENS || m == Metric.OUTPUT_TOKENS;
  }

  private static final ReserveResult GRANTED_NOTHING = new ReserveResult.Granted(Map.of());

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
          eventBuilder("d-" + ids.get(), null, now, EventStatus.QUOTA_EXCEEDED, request)
              .errorCode(denial.code())
              .errorMessage(denial.message())
              .build();
      try {
        boolean unused = storeCall(now, () -> store.appendEvent(e));
      } catch (QuotaStoreUnavailableException ex) {
        LOG.debug("could not record a denial in the ledger", ex);
      }
    }
    notify(l -> l.onDenied(denial, request));
  }

  private void wouldDeny(QuotaDenial denial, UsageRequest request) {
    notify(l -> l.onWouldDeny(denial, request));
  }

  private void notifyFailOpen(UsageRequest request, QuotaStoreUnavailableException e) {
    notify(l -> l.onFailOpenAdmission(request, e));
  }

  private QuotaDenial featureDenial(Resolved resolved, Plan plan, UsageRequest request) {
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

  QuotaDenial denialFor(Bound b, long requested, CounterValue current, Instant now) {
    Limit limit = b.limit;
    long taken = saturatedAdd(current.used(), current.reserved());
    long overBy = Math.max(0, saturatedAdd(taken, requested) - b.amount);
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

  // ---------------------------------------------------------------- subjects and limits

  /**
   * Resolves the subject; when the store is unreachable and the manager fails open, falls back to
   * the default plan with no directory entry (feature gates are then not checked).
   */
  private Resolved resolveOrFallBack(SubjectRef subject, Instant now, boolean create) {
    try {
      return resolve(subject, now, create, true);
    } catch (QuotaStoreUnavailableException e) {
      if (failMode == FailMode.FAIL_CLOSED) {
        throw e;
      }
      Plan plan =
          subject.kind() == SubjectKind.USER || subject.kind() == SubjectKind.ANONYMOUS
              ? policy.plan(policy.defaultPlanFor(subject.kind()))
              : null;
      return new Resolved(subject, null, plan, null, true);
    }
  }

  /** The subject's directory entry and plan, or the denial. */
  private Resolved resolve(
      SubjectRef subject, Instant now, boolean create, boolean mayDoWithoutStore) {
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
      rec = ask(mayDoWithoutStore, now, () -> store.createSubjectIfAbsent(created));
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
    return new Resolved(subject, withTemporaryIncreases(rec, plan, now), plan, null);
  }

  private Optional<SubjectRecord> findSubject(
      SubjectRef subject, Instant now, boolean mayDoWithoutStore) {
    if (subjectCacheTtl.isZero()) {
      return ask(mayDoWithoutStore, now, () -> store.findSubject(subject));
    }
    CachedSubject c = subjectCache.get(subject);
    if (c != null && now.isBefore(c.expiresAt)) {
      return Optional.of(c.record);
    }
    long generation = subjectGeneration.get();
    Optional<SubjectRecord> found = ask(mayDoWithoutStore, now, () -> store.findSubject(subject));
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
   * reads it from the store. Call after changing the subject in the store directly; changes made
   * through quota4j's administration API do this themselves.
   */
  public void invalidateSubject(SubjectRef subject) {
    subjectGeneration.incrementAndGet();
    subjectCache.remove(subject);
    absentOthers.remove(subject);
  }

  private List<Limit> limitsFor(Resolved resolved) {
    return planLimitsOf(resolved).all;
  }

  private PlanLimits planLimitsOf(Resolved resolved) {
    Plan plan = resolved.plan;
    if (plan == null) {
      return policyLimits;
    }
    PlanLimits p = planLimits.get(plan.name());
    if (p != null && p.plan == plan) {
      return p;
    }
    List<Limit> all = new ArrayList<>(plan.limits()); // not a plan of the policy (never, today)
    all.addAll(policy.limits());
    return new PlanLimits(plan, all, plan.limits().size());
  }

  private static boolean isPlanLimit(Resolved resolved, Limit limit) {
    return resolved.plan != null && resolved.plan.limits().contains(limit);
  }

  private static long effectiveAmount(Resolved resolved, Limit limit) {
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
  private List<Bound> bounds(
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
    Optional<SubjectRecord> rec = entryOf(target, now, seen);
    Long o = rec.isPresent() ? rec.get().overrides().get(limit.name()) : null;
    return o != null ? o : limit.amount();
  }

  /**
   * The directory entry of a subject the request names besides its own, read once per request
   * (through the subject cache when one is configured). Fail-open: an unreachable store reads as no
   * entry.
   */
  private Optional<SubjectRecord> entryOf(
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
          if (failMode == FailMode.FAIL_CLOSED) {
            throw e;
          }
          rec = Optional.empty();
        }
      }
      seen.put(target, rec);
    }
    return rec;
  }

  private static boolean namesOthers(UsageRequest request) {
    return request.apiKey() != null || request.providerKey() != null || request.tenant() != null;
  }

  /**
   * The denial when an API key, provider key or tenant that the request names (besides its own
   * subject) has a directory entry that is deactivated; else null. Subjects without an entry are
   * active.
   */
  private @Nullable QuotaDenial inactiveOther(
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

  private static @Nullable SubjectRef targetOf(
      Resolved resolved, Limit limit, boolean planLimit, UsageRequest request) {
    if (planLimit) {
      return resolved.subject;
    }
    SubjectKind kind = limit.appliesTo();
    if (kind == request.subject().kind()) {
      return request.subject();
    }
    return kind == SubjectKind.SYSTEM ? SubjectRef.SYSTEM : named(request, kind);
  }

  /** The kinds of subject a request names besides its own whose directory entries count. */
  private static final SubjectKind[] NAMED_KINDS = {
    SubjectKind.API_KEY, SubjectKind.PROVIDER_KEY, SubjectKind.TENANT
  };

  /** The subject of this kind the request names (its API key, ...), or null. */
  private static @Nullable SubjectRef named(UsageRequest request, SubjectKind kind) {
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

  private Bound bind(Limit limit, SubjectRef subject, long amount, Instant now) {
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
   * The last window computed for each kind of window: every instant from its start to its end has
   * that start, so the next admissions in it skip the calendar math (time zone rules, dates).
   */
  private final AtomicReferenceArray<Span> spans =
      new AtomicReferenceArray<>(Window.values().length);

  private record Span(ZoneId zone, Duration offset, Instant start, Instant end) {
    boolean holds(ZoneId z, Duration o, Instant t) {
      return !t.isBefore(start) && t.isBefore(end) && zone.equals(z) && offset.equals(o);
    }
  }

  // ---------------------------------------------------------------- estimates and actuals

  private Estimate estimate(UsageRequest request, Instant now) {
    String prompt = request.prompt();
    String model = request.model();
    long input = request.inputTokens();
    long maxOutput = Math.max(0, request.maxOutputTokens());
    if (input == UsageRequest.UNKNOWN) {
      if (prompt != null) {
        // a request that names no model is counted as the most common current one (o200k_base)
        input = tokenCounter.count(prompt, model != null ? model : MODEL_WHEN_NONE_GIVEN);
        Checks.amount("inputTokens counted from the prompt by the TokenCounter", input);
      } else {
        OptionalLong op =
            request.operation() == null
                ? OptionalLong.empty()
                : operationEstimates.tokensFor(request.operation());
        input = 0;
        if (op.isPresent() && request.maxOutputTokens() == UsageRequest.UNKNOWN) {
          // an operation estimate is a total; count it as output so that CLAMP can shrink it
          maxOutput = op.getAsLong();
        } else if (op.isPresent()) {
          input = Math.max(0, op.getAsLong() - maxOutput);
        }
      }
    }
    long chars = request.characters();
    if (chars == UsageRequest.UNKNOWN) {
      chars = prompt != null ? TokenCounter.characters(prompt) : 0;
    }
    // input and output are each at most Usage.MAX_AMOUNT: their sum cannot overflow
    long costMicros;
    java.math.BigDecimal given = request.estimatedCost();
    if (given != null) {
      costMicros = Money.toMicros("estimatedCost", given);
      return new Estimate(input, maxOutput, chars, costMicros, null, false);
    }
    ModelPrice price = priceOf(model, now);
    return new Estimate(input, maxOutput, chars, 0, price, price == null);
  }

  /** The price of {@code model} (null: of a call naming none), or null when there is none. */
  private @Nullable ModelPrice priceOf(@Nullable String model, Instant now) {
    return model == null
        ? pricing.findUnnamed(now).orElse(null)
        : pricing.find(model, now).orElse(null);
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
    if (!est.unpriced || request.model() != null || !pricing.denyUnknownModels()) {
      return null;
    }
    Bound shadow = null;
    for (int i = 0; i < bounds.size(); i++) {
      Bound b = bounds.get(i);
      if (b.limit.metric() != Metric.COST) {
        continue;
      }
      if (b.limit.mode() != LimitMode.SHADOW) {
        return unpricedDenial(request, b.limit);
      }
      shadow = b;
    }
    if (shadow != null && reserve) {
      wouldDeny(unpricedDenial(request, shadow.limit), request);
    }
    return null;
  }

  private static QuotaDenial unpricedDenial(UsageRequest request, Limit limit) {
    return QuotaDenial.of(
        DenialCodes.UNKNOWN_MODEL_PRICE,
        "The call names no model, so it has no price, and unknown models are denied; cost limit "
            + Checks.show(limit.name())
            + " cannot count it (name the model or give the estimated cost)",
        request.subject());
  }

  Actual actual(UsageRequest request, Estimate est, Usage usage, Instant now) {
    long costMicros;
    java.math.BigDecimal billed = usage.cost();
    if (billed != null) {
      costMicros = Money.toMicros("cost", billed);
    } else {
      // usage that happened is never refused for want of a price, whatever the policy: it is
      // priced at zero and listeners are warned
      String model = usage.model() != null ? usage.model() : request.model();
      ModelPrice price = priceOf(model, now);
      if (price == null && warnUnpriced) {
        warnUnpriced(model);
      }
      costMicros =
          price == null
              ? 0
              : pricedCost(
                  "cost",
                  price,
                  usage.inputTokens(),
                  usage.outputTokens(),
                  usage.cachedInputTokens());
    }
    long chars = usage.characters() >= 0 ? usage.characters() : est.characters;
    return new Actual(usage, chars, costMicros);
  }

  /**
   * Tells listeners (and so the log, through the default {@link LoggingQuotaListener}) that usage
   * of {@code model} (null: of calls naming none) counts as zero cost: once per model name and
   * manager, for up to 1,024 names, then for each further name each time.
   */
  private void warnUnpriced(@Nullable String model) {
    String key = model == null ? "" : model;
    boolean first =
        warnedUnpriced.size() < 1_024 ? warnedUnpriced.add(key) : !warnedUnpriced.contains(key);
    if (!first) {
      return;
    }
    String message =
        model == null
            ? "A call that names no model has no price; its cost counts as zero"
            : "Model " + Checks.show(model) + " has no price; its cost counts as zero";
    notify(l -> l.onWarning("UNKNOWN_MODEL_PRICE", message));
  }

  // ---------------------------------------------------------------- reservation callbacks

  Reservation.Outcome commit(
      Reservation r,
      Usage usage,
      EventStatus status,
      @Nullable String errorCode,
      @Nullable String errorMessage) {
    Instant now = clock.instant();
    Actual actual = actual(r.request(), r.estimate(), usage, now);
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
        event(
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
        result = storeCall(now, () -> store.record(unconditional, event));
      } else {
        beforeStoreCall(now);
        try {
          result = store.commit(r.id(), charges, event);
        } catch (QuotaStoreUnavailableException e) {
          storeDown(now);
          throw e;
        }
        storeUp();
      }
    } catch (QuotaStoreUnavailableException e) {
      if (failMode == FailMode.FAIL_CLOSED && !r.detached()) {
        throw e;
      }
      keep(r.bounds(), charges, event);
      notify(l -> l.onWarning("STORE_UNAVAILABLE", "usage of " + r.id() + " kept for replay"));
      return Reservation.Outcome.PENDING;
    }
    replayIfPending();
    if (result.status() == CommitResult.Status.ALREADY_APPLIED) {
      return Reservation.Outcome.ALREADY_DONE;
    }
    fireThresholds(r.bounds(), charges, result);
    if (!listeners.isEmpty()) {
      notify(l -> l.onCommitted(event));
    }
    if (result.status() == CommitResult.Status.APPLIED_LATE) {
      notify(
          l ->
              l.onWarning(
                  "LEASE_EXPIRED",
                  "reservation "
                      + r.id()
                      + " was committed after its lease ended at "
                      + r.leaseUntil()
                      + "; its usage was recorded"));
      return Reservation.Outcome.COMMITTED_LATE;
    }
    return Reservation.Outcome.COMMITTED;
  }

  void release(Reservation r) {
    if (r.detached() || r.charges().isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    UsageEvent event =
        eventBuilder(r.id(), r.id(), now, EventStatus.RELEASED, r.request())
            .estimatedTokens(r.estimate().inputTokens + r.estimate().maxOutputTokens)
            .build();
    if (storeCall(now, () -> store.release(r.id(), event))) {
      notify(l -> l.onReleased(event));
    }
  }

  Instant extend(Reservation r, Duration more) {
    Checks.argument(!more.isNegative() && !more.isZero(), "extension", "must be positive", more);
    Instant now = clock.instant();
    Instant until = now.plus(more);
    if (r.detached() || r.charges().isEmpty()) {
      return until;
    }
    // fail-open: the call goes on; should the store reclaim the lease meanwhile, the commit still
    // counts (COMMITTED_LATE)
    Boolean extended =
        storeCallOrWarn(
            now,
            () -> store.extend(r.id(), now, until),
            () ->
                "could not extend reservation "
                    + Checks.show(r.id())
                    + ": the store is unreachable; its lease may end at "
                    + r.leaseUntil());
    if (extended == null) {
      return r.leaseUntil();
    }
    if (!extended) {
      // the store never revives an ended lease: it reclaimed it before, or in this very call
      throw new ReservationExpiredException(
          "reservation "
              + r.id()
              + " cannot be extended: its lease ended (it was to end at "
              + r.leaseUntil()
              + "; now "
              + now
              + ") and its hold has been released, by this call or an earlier reclaim; a commit"
              + " still records the usage, once, as COMMITTED_LATE");
    }
    return until;
  }

  /**
   * A store call for a call already admitted (a lease extension, a workflow's release): its answer;
   * when the store cannot be reached, fail-closed throws and fail-open logs {@code warning} and
   * answers null.
   */
  private @Nullable Boolean storeCallOrWarn(
      Instant now, Supplier<Boolean> call, Supplier<String> warning) {
    try {
      return storeCall(now, call);
    } catch (QuotaStoreUnavailableException e) {
      if (failMode == FailMode.FAIL_CLOSED) {
        throw e;
      }
      LOG.warn("{}", warning.get());
      return null;
    }
  }

  void closeWorkflow(Workflow w, WorkflowSlot slot) {
    UsageEvent event =
        UsageEvent.builder(slot.reservationId, clock.instant(), EventStatus.RELEASED, w.subject())
            .reservationId(slot.reservationId)
            .workflowId(w.id())
            .operation("workflow")
            .build();
    Boolean unused =
        storeCallOrWarn(
            clock.instant(),
            () -> store.release(slot.reservationId, event),
            () ->
                "could not release workflow "
                    + Checks.show(w.id())
                    + ": its lease will end by itself");
  }

  void extendWorkflow(Workflow w, WorkflowSlot slot) {
    Instant now = clock.instant();
    if (now.isAfter(slot.leaseUntil.minus(workflowLease.dividedBy(2)))) {
      Instant until = now.plus(workflowLease);
      Boolean extended =
          storeCallOrWarn(
              now,
              () -> store.extend(slot.reservationId, now, until),
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

  private void fireThresholds(List<Bound> bounds, List<Charge> charges, CommitResult result) {
    for (int i = 0; i < bounds.size(); i++) {
      Bound b = bounds.get(i);
      Charge c = charges.get(i);
      Long after = result.usedAfter().get(c.key());
      if (after == null
          || b.amount <= 0
          || c.amount() <= 0
          || b.limit.window() == Window.CONCURRENT) {
        continue;
      }
      long before = after - c.amount();
      List<Integer> thresholds = b.limit.thresholds();
      for (int t = 0; t < thresholds.size(); t++) {
        int percent = thresholds.get(t);
        long mark = ceilPercent(b.amount, percent);
        if (before < mark && after >= mark) {
          ThresholdEvent e =
              new ThresholdEvent(
                  b.subject,
                  b.limit.name(),
                  b.limit.metric(),
                  b.limit.window(),
                  b.windowStart,
                  b.windowEnd,
                  percent,
                  UsageLevel.forPercent(percent, b.limit.thresholds()),
                  after,
                  b.amount);
          notify(l -> l.onThreshold(e));
        }
      }
    }
  }

  private static long ceilPercent(long amount, int percent) {
    // amount * percent / 100 rounded up, without overflow for large amounts
    long whole = amount / 100 * percent;
    long rest = amount % 100 * percent;
    return whole + (rest + 99) / 100;
  }

  private UsageEvent event(
      String eventId,
      @Nullable String reservationId,
      Instant now,
      EventStatus status,
      UsageRequest request,
      Estimate est,
      Actual actual,
      @Nullable String errorCode,
      @Nullable String errorMessage) {
    Usage u = actual.usage;
    // the canonical constructor, not the builder: one object less per call
    return new UsageEvent(
        eventId,
        reservationId,
        now,
        status,
        request.subject(),
        request.apiKey(),
        request.providerKey(),
        request.tenant(),
        request.workflowId(),
        request.sessionId(),
        request.operation(),
        request.provider(),
        u.model() != null ? u.model() : request.model(),
        request.agent(),
        request.tool(),
        u.inputTokens(),
        u.outputTokens(),
        u.cachedInputTokens(),
        actual.characters,
        actual.costMicros,
        est.inputTokens + est.maxOutputTokens,
        errorCode,
        errorMessage,
        request.tags());
  }

  private static UsageEvent.Builder eventBuilder(
      String eventId,
      @Nullable String reservationId,
      Instant now,
      EventStatus status,
      UsageRequest request) {
    return UsageEvent.builder(eventId, now, status, request.subject())
        .reservationId(reservationId)
        .apiKey(request.apiKey())
        .providerKey(request.providerKey())
        .tenant(request.tenant())
        .workflowId(request.workflowId())
        .sessionId(request.sessionId())
        .operation(request.operation())
        .provider(request.provider())
        .model(request.model())
        .agent(request.agent())
        .tool(request.tool())
        .tags(request.tags());
  }

  private void notify(java.util.function.Consumer<QuotaListener> call) {
    for (QuotaListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.error("quota listener {} threw; admission goes on", l.getClass().getName(), e);
      }
    }
  }

  /**
   * The cost of tokens at a price, in micro-units, refused (naming {@code field}) when it is more
   * than {@link Usage#MAX_AMOUNT}: like an amount a caller hands in, it must not overflow a
   * counter.
   */
  static long pricedCost(String field, ModelPrice price, long input, long output, long cached) {
    long micros = price.costMicros(input, output, cached);
    if (micros > Usage.MAX_AMOUNT) {
      throw new IllegalArgumentException(
          field
              + " of "
              + input
              + " input and "
              + output
              + " output tokens at the price of "
              + Checks.show(price.model())
              + " must be at most "
              + Usage.MAX_AMOUNT
              + " micro-units (Usage.MAX_AMOUNT), was "
              + micros);
    }
    return micros;
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  // ---------------------------------------------------------------- small value types

  /**
   * The default ids: unique per manager by the counter, and across managers and processes by the
   * random prefix (two managers share one with probability 2^-64). {@link UUID#randomUUID()} per
   * call draws from a shared {@code SecureRandom}, a lock on the admission path of every thread.
   */
  static final class SequentialIds implements Supplier<String> {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    private final long prefix;
    private final AtomicLong next;

    /** The random half of every id, as {@link UUID#toString()} writes it, and the dash after it. */
    private final byte[] randomHalf;

    SequentialIds() {
      this(new java.security.SecureRandom().nextLong(), 0);
    }

    /** Ids with this random half, counting from {@code last + 1} (for tests). */
    SequentialIds(long prefix, long last) {
      this.prefix = prefix;
      this.next = new AtomicLong(last);
      this.randomHalf =
          new UUID(prefix, 0).toString().substring(0, 19).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public String get() {
      return new UUID(prefix, next.incrementAndGet()).toString();
    }

    /**
     * {@code tag + get()}, written straight into one array: the same string as the concatenation,
     * two objects fewer.
     */
    String next(byte[] tag) {
      long n = next.incrementAndGet();
      byte[] b = new byte[tag.length + 36];
      System.arraycopy(tag, 0, b, 0, tag.length);
      System.arraycopy(randomHalf, 0, b, tag.length, randomHalf.length);
      int at = tag.length + 19;
      for (int shift = 60; shift >= 48; shift -= 4) {
        b[at++] = HEX[(int) (n >>> shift) & 0xf];
      }
      b[at++] = '-';
      for (int shift = 44; shift >= 0; shift -= 4) {
        b[at++] = HEX[(int) (n >>> shift) & 0xf];
      }
      return new String(b, StandardCharsets.ISO_8859_1);
    }
  }

  /** What {@code "r-" + ids.get()} starts with, for {@link SequentialIds#next}. */
  private static final byte[] RESERVATION_ID_PREFIX = {'r', '-'};

  /**
   * A subject resolved: its effective record (temporary increases applied), plan, or the denial;
   * with the bounds of its last request, reused while the request's shape and windows are the same
   * (a cached directory entry keeps its {@code Resolved}).
   */
  private static final class Resolved {
    final SubjectRef subject;
    final @Nullable SubjectRecord record;
    final @Nullable Plan plan;
    final @Nullable QuotaDenial denial;
    final boolean fallback;
    volatile @Nullable BoundSet lastBounds;

    Resolved(
        SubjectRef subject,
        @Nullable SubjectRecord record,
        @Nullable Plan plan,
        @Nullable QuotaDenial denial,
        boolean fallback) {
      this.subject = subject;
      this.record = record;
      this.plan = plan;
      this.denial = denial;
      this.fallback = fallback;
    }

    Resolved(
        SubjectRef subject,
        @Nullable SubjectRecord record,
        @Nullable Plan plan,
        @Nullable QuotaDenial denial) {
      this(subject, record, plan, denial, false);
    }
  }

  /**
   * The limits that apply to {@code request}, bound to their current windows: the last ones
   * computed for this subject when the request has the same shape (provider, model, operation, no
   * other subject named) and {@code now} lies in the same windows; else computed now.
   */
  private BoundSet boundSet(
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

  /**
   * Bounds of one request shape, with the charges of the last reservation and commit made from
   * them, so that the same estimate and the same actual usage reuse the same immutable charges.
   */
  static final class BoundSet {
    final List<Bound> all;

    /** The bounds whose windows the store keeps: one charge each, in this order. */
    final List<Bound> stored;

    /** Stored, enforced CLAMP limits on tokens or output tokens. */
    final List<Bound> clamped;

    private final @Nullable String provider;
    private final @Nullable String model;
    private final @Nullable String operation;
    private final Instant validFrom;
    private final @Nullable Instant validUntil;
    private volatile @Nullable Charges lastReserved;
    private volatile @Nullable Charges lastActual;

    BoundSet(List<Bound> all, UsageRequest request) {
      this.all = List.copyOf(all);
      List<Bound> st = new ArrayList<>();
      List<Bound> cl = new ArrayList<>();
      Instant from = Instant.MIN;
      Instant until = null;
      for (Bound b : all) {
        if (b.limit.window().isStored()) {
          st.add(b);
          if (b.limit.mode() == LimitMode.ENFORCE
              && b.limit.overshoot() == Overshoot.CLAMP
              && clampable(b.limit.metric())) {
            cl.add(b);
          }
        }
        if (b.windowStart.isAfter(from)) {
          from = b.windowStart;
        }
        if (b.windowEnd != null && (until == null || b.windowEnd.isBefore(until))) {
          until = b.windowEnd;
        }
      }
      this.stored = List.copyOf(st);
      this.clamped = List.copyOf(cl);
      this.provider = request.provider();
      this.model = request.model();
      this.operation = request.operation();
      this.validFrom = from;
      this.validUntil = until;
    }

    /** Whether these bounds are the ones of {@code request} at {@code now}. */
    boolean fits(UsageRequest request, Instant now) {
      return !now.isBefore(validFrom)
          && (validUntil == null || now.isBefore(validUntil))
          && java.util.Objects.equals(provider, request.provider())
          && java.util.Objects.equals(model, request.model())
          && java.util.Objects.equals(operation, request.operation());
    }

    /** The charges of a reservation of {@code est} with at most {@code maxOutput} output tokens. */
    List<Charge> reserveCharges(Estimate est, long maxOutput) {
      Charges last = lastReserved;
      int n = stored.size();
      if (last != null) {
        int i = 0;
        while (i < n && est.amount(stored.get(i).limit.metric(), maxOutput) == last.amounts[i]) {
          i++;
        }
        if (i == n) {
          return last.charges;
        }
      }
      long[] amounts = new long[n];
      Charge[] charges = new Charge[n];
      for (int i = 0; i < n; i++) {
        Bound b = stored.get(i);
        amounts[i] = est.amount(b.limit.metric(), maxOutput);
        charges[i] = b.charge(amounts[i]);
      }
      Charges made = new Charges(null, amounts, List.of(charges));
      lastReserved = made;
      return made.charges;
    }

    /** The charges of the actual usage of a reservation made of {@code reserved}. */
    List<Charge> actualCharges(List<Charge> reserved, Actual actual) {
      Charges last = lastActual;
      int n = stored.size();
      if (last != null && last.basis == reserved) {
        int i = 0;
        while (i < n
            && actual.amount(stored.get(i).limit.metric(), stored.get(i)) == last.amounts[i]) {
          i++;
        }
        if (i == n) {
          return last.charges;
        }
      }
      long[] amounts = new long[n];
      Charge[] charges = new Charge[n];
      for (int i = 0; i < n; i++) {
        Bound b = stored.get(i);
        amounts[i] = actual.amount(b.limit.metric(), b);
        charges[i] = reserved.get(i).withAmount(amounts[i]);
      }
      Charges made = new Charges(reserved, amounts, List.of(charges));
      lastActual = made;
      return made.charges;
    }
  }

  /** Charges made from amounts (and, for actual usage, from the reserved charges {@code basis}). */
  private record Charges(@Nullable List<Charge> basis, long[] amounts, List<Charge> charges) {}

  /** A limit bound to a subject, its amount after overrides, and its current window. */
  static final class Bound {
    final Limit limit;
    final SubjectRef subject;
    final long amount;
    final Instant windowStart;
    final @Nullable Instant windowEnd;

    /** Where the window never ends: the end the store keeps, so that retention can delete it. */
    final Instant storedEnd;

    Bound(
        Limit limit,
        SubjectRef subject,
        long amount,
        Instant windowStart,
        @Nullable Instant windowEnd) {
      this(limit, subject, amount, windowStart, windowEnd, Instant.MAX);
    }

    Bound(
        Limit limit,
        SubjectRef subject,
        long amount,
        Instant windowStart,
        @Nullable Instant windowEnd,
        Instant storedEnd) {
      this.limit = limit;
      this.subject = subject;
      this.amount = amount;
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
      this.storedEnd = storedEnd;
    }

    CounterKey key() {
      return new CounterKey(limit.name(), subject, windowStart);
    }

    Admission admissionIfEnforced(long charge) {
      return limit.overshoot() == Overshoot.ADMIT_IF_ANY || charge == 0
          ? Admission.ANY_REMAINING
          : Admission.FIT;
    }

    Charge charge(long charge) {
      Admission a =
          limit.mode() != LimitMode.ENFORCE ? Admission.ALWAYS : admissionIfEnforced(charge);
      return new Charge(key(), charge, amount, a, windowEnd != null ? windowEnd : storedEnd);
    }
  }

  /** What admission estimated. */
  static final class Estimate {
    final long inputTokens;
    final long maxOutputTokens;
    final long characters;
    final long givenCostMicros;
    final @Nullable ModelPrice price;

    /** Neither a price nor a cost was found for the call: its cost counts as zero. */
    final boolean unpriced;

    Estimate(
        long inputTokens,
        long maxOutputTokens,
        long characters,
        long givenCostMicros,
        @Nullable ModelPrice price,
        boolean unpriced) {
      this.inputTokens = inputTokens;
      this.maxOutputTokens = maxOutputTokens;
      this.characters = characters;
      this.givenCostMicros = givenCostMicros;
      this.price = price;
      this.unpriced = unpriced;
    }

    long amount(Metric metric, long maxOutput) {
      return switch (metric) {
        case TOKENS -> inputTokens + maxOutput;
        case INPUT_TOKENS -> inputTokens;
        case OUTPUT_TOKENS -> maxOutput;
        case REQUESTS -> 1;
        case CHARACTERS -> characters;
        case COST ->
            price == null
                ? givenCostMicros
                : pricedCost("estimated cost", price, inputTokens, maxOutput, 0);
      };
    }
  }

  /** What a call really used, priced. */
  static final class Actual {
    final Usage usage;
    final long characters;
    final long costMicros;

    Actual(Usage usage, long characters, long costMicros) {
      this.usage = usage;
      this.characters = characters;
      this.costMicros = costMicros;
    }

    long amount(Metric metric, Bound b) {
      if (b.limit.window() == Window.CONCURRENT) {
        return 1; // a workflow step
      }
      if (b.limit.window() == Window.IN_FLIGHT) {
        return 0; // settled: no longer in flight (used stays 0, the reserved 1 goes)
      }
      return switch (metric) {
        case TOKENS -> usage.totalTokens();
        case INPUT_TOKENS -> usage.inputTokens();
        case OUTPUT_TOKENS -> usage.outputTokens();
        case REQUESTS -> 1;
        case CHARACTERS -> characters;
        case COST -> costMicros;
      };
    }
  }

  /** The concurrency reservation of an open workflow. */
  static final class WorkflowSlot {
    final String reservationId;
    volatile Instant leaseUntil;

    WorkflowSlot(String reservationId, Instant leaseUntil) {
      this.reservationId = reservationId;
      this.leaseUntil = leaseUntil;
    }
  }

  /** Builds a {@link QuotaManager}. */
  public static final class Builder {
    private @Nullable QuotaStore store;
    private QuotaPolicy policy = QuotaPolicy.builder().build();
    private Clock clock = Clock.systemUTC();
    private TokenCounter tokenCounter = TokenCounter.openAi();
    private @Nullable ModelPricing pricing;
    private OperationEstimates operationEstimates = OperationEstimates.none();
    private final List<QuotaListener> listeners = new ArrayList<>();
    private boolean defaultLogging = true;
    private Duration leaseDuration = Duration.ofMinutes(5);
    private Duration workflowLease = Duration.ofMinutes(30);
    private Duration workflowMaxDuration = Duration.ofDays(1);
    private FailMode failMode = FailMode.FAIL_CLOSED;
    private boolean recordDenials = true;
    private @Nullable Supplier<String> ids;
    private @Nullable UsageJournal journal;
    private Duration subjectCacheTtl = Duration.ZERO;
    private Duration storeRetryInterval = Duration.ofSeconds(5);

    private Builder() {}

    /**
     * In {@link FailMode#FAIL_OPEN}: after a store call failed, how long admissions, commits and
     * records go on without asking the store (reservations are detached, usage goes to the
     * journal); then one caller asks it again, and the first answer ends the interval. Default 5
     * seconds; zero asks the store on every call. It spares each call during an outage the time the
     * store takes to fail (for {@code JdbcQuotaStore}, its connection timeout), and stops every
     * caller from waiting on a store that is down. {@link QuotaManager#replayPending()} always asks
     * the store. Not used in {@link FailMode#FAIL_CLOSED}, where every call asks the store and
     * fails on its own.
     */
    @CanIgnoreReturnValue
    public Builder storeRetryInterval(Duration value) {
      Checks.argument(!value.isNegative(), "storeRetryInterval", "must not be negative", value);
      storeRetryInterval = value;
      return this;
    }

    /**
     * How long this manager may use a subject's directory entry (plan, overrides, active flag)
     * without reading it again; default zero, so that every admission reads it and a plan change
     * made anywhere applies to the next request. A positive value saves one store round trip per
     * admission, and one more for each API key, provider key or tenant a request names (their
     * entries are read for overrides and the active flag; that a key has no entry is remembered
     * too); a change made through another instance then applies within this time.
     */
    @CanIgnoreReturnValue
    public Builder subjectCacheTtl(Duration value) {
      Checks.argument(!value.isNegative(), "subjectCacheTtl", "must not be negative", value);
      subjectCacheTtl = value;
      return this;
    }

    /**
     * Where usage waits while the store is unreachable, in {@link FailMode#FAIL_OPEN}; default in
     * memory. Use {@link UsageJournal#file} so that it survives a restart.
     */
    @CanIgnoreReturnValue
    public Builder journal(UsageJournal value) {
      journal = value;
      return this;
    }

    /** Where counters and the ledger live. Required. */
    @CanIgnoreReturnValue
    public Builder store(QuotaStore value) {
      store = value;
      return this;
    }

    /** The plans and limits; default: one plan with no limits. */
    @CanIgnoreReturnValue
    public Builder policy(QuotaPolicy value) {
      policy = value;
      return this;
    }

    /** The clock windows and leases follow; default: the UTC system clock. */
    @CanIgnoreReturnValue
    public Builder clock(Clock value) {
      clock = value;
      return this;
    }

    /**
     * Counts prompt tokens; default: {@link TokenCounter#openAi()} (jtokkit, encodings loaded on
     * first use).
     */
    @CanIgnoreReturnValue
    public Builder tokenCounter(TokenCounter value) {
      tokenCounter = value;
      return this;
    }

    /**
     * Prices calls for COST limits and the ledger; default: no prices (every cost zero, no
     * warning). With a pricing set, an unpriced call is denied or priced at zero with a warning as
     * {@link ModelPricing#denyUnknownModels} says.
     */
    @CanIgnoreReturnValue
    public Builder pricing(ModelPricing value) {
      pricing = value;
      return this;
    }

    /** Token estimates for requests that give none; default: none. */
    @CanIgnoreReturnValue
    public Builder operationEstimates(OperationEstimates value) {
      operationEstimates = value;
      return this;
    }

    /** Adds a listener. */
    @CanIgnoreReturnValue
    public Builder listener(QuotaListener value) {
      listeners.add(value);
      return this;
    }

    /** Whether the built-in SLF4J listener is added; default true. */
    @CanIgnoreReturnValue
    public Builder defaultLogging(boolean value) {
      defaultLogging = value;
      return this;
    }

    /** How long a reservation holds its capacity unless extended; default 5 minutes. */
    @CanIgnoreReturnValue
    public Builder leaseDuration(Duration value) {
      Checks.argument(
          !value.isNegative() && !value.isZero(), "leaseDuration", "must be positive", value);
      leaseDuration = value;
      return this;
    }

    /**
     * How long an open workflow holds its concurrency slot without activity; each step renews it.
     * Default 30 minutes.
     */
    @CanIgnoreReturnValue
    public Builder workflowLease(Duration value) {
      Checks.argument(
          !value.isNegative() && !value.isZero(), "workflowLease", "must be positive", value);
      workflowLease = value;
      return this;
    }

    /**
     * How long a workflow's step count is surely kept; default 1 day. A workflow's step counter
     * never resets, but the store records it as ending this long after the workflow's first step,
     * and {@link Retention} deletes it once it has ended longer ago than the retention policy's
     * counter age (7 days by default), so that finished workflows leave nothing behind. A workflow
     * still taking steps after both have passed would count its steps from zero again.
     */
    @CanIgnoreReturnValue
    public Builder workflowMaxDuration(Duration value) {
      Checks.argument(
          value.compareTo(Duration.ofMinutes(1)) >= 0
              && value.compareTo(Duration.ofDays(3650)) <= 0,
          "workflowMaxDuration",
          "must be 1 minute to 3650 days",
          value);
      workflowMaxDuration = value;
      return this;
    }

    /** What happens when the store is unreachable; default {@link FailMode#FAIL_CLOSED}. */
    @CanIgnoreReturnValue
    public Builder failMode(FailMode value) {
      failMode = value;
      return this;
    }

    /** Whether denials are written to the ledger as QUOTA_EXCEEDED events; default true. */
    @CanIgnoreReturnValue
    public Builder recordDenials(boolean value) {
      recordDenials = value;
      return this;
    }

    /**
     * Where reservation and workflow ids come from; default UUID-shaped strings made of a random
     * 64-bit prefix, drawn once per manager from {@link java.security.SecureRandom}, and a counter.
     */
    @CanIgnoreReturnValue
    public Builder idGenerator(Supplier<String> value) {
      ids = value;
      return this;
    }

    /** Builds the manager. */
    public QuotaManager build() {
      return new QuotaManager(this);
    }
  }

  // ================================================================ administration (issue 5)
  // Helpers for QuotaAdmin, kept apart from the admission code above. Temporary increases are
  // overrides keyed "<limit name>@<window start>" whose value is added to the limit in force, in
  // that window only; resolve() folds them in through withTemporaryIncreases.

  /** Separates a limit name from a window start in a temporary-increase override key. */
  static final char WINDOW_KEY_SEPARATOR = '@';

  /**
   * The override key of a temporary increase of {@code limitName} in the window from {@code start}.
   */
  static String temporaryIncreaseKey(String limitName, Instant windowStart) {
    return limitName + WINDOW_KEY_SEPARATOR + windowStart;
  }

  /** A temporary-increase key split into limit name and window start; null for a plain override. */
  static Map.@Nullable Entry<String, Instant> parseTemporaryIncreaseKey(String key) {
    int at = key.lastIndexOf(WINDOW_KEY_SEPARATOR);
    if (at <= 0 || at == key.length() - 1) {
      return null;
    }
    try {
      return Map.entry(key.substring(0, at), Instant.parse(key.substring(at + 1)));
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** The limit called {@code name} among the plan's limits and then the policy's own. */
  @Nullable Limit limitNamed(@Nullable Plan plan, String name) {
    if (plan != null) {
      Limit l = plan.limit(name);
      if (l != null) {
        return l;
      }
    }
    for (Limit l : policy.limits()) {
      if (l.name().equals(name)) {
        return l;
      }
    }
    return null;
  }

  /** The start of {@code limit}'s window at {@code now}; null when the window is not calendar. */
  @Nullable Instant currentWindowStart(Limit limit, Instant now) {
    if (!limit.window().isCalendar()) {
      return null;
    }
    ZoneId zone = limit.zone() != null ? limit.zone() : policy.zone();
    return Windows.start(limit.window(), now, zone, limit.resetOffset());
  }

  /**
   * The record with the temporary increases of the current windows added to its overrides, and
   * every temporary-increase key removed; the record itself when it has none.
   */
  private @Nullable SubjectRecord withTemporaryIncreases(
      @Nullable SubjectRecord rec, @Nullable Plan plan, Instant now) {
    if (rec == null) {
      return null;
    }
    boolean any = false;
    for (String k : rec.overrides().keySet()) {
      if (k.indexOf(WINDOW_KEY_SEPARATOR) >= 0 && parseTemporaryIncreaseKey(k) != null) {
        any = true;
        break;
      }
    }
    if (!any) {
      return rec;
    }
    Map<String, Long> plain = new java.util.HashMap<>();
    Map<String, Long> extra = new java.util.HashMap<>();
    rec.overrides()
        .forEach(
            (k, v) -> {
              Map.@Nullable Entry<String, Instant> w =
                  k.indexOf(WINDOW_KEY_SEPARATOR) >= 0 ? parseTemporaryIncreaseKey(k) : null;
              if (w == null) {
                plain.put(k, v);
                return;
              }
              Limit limit = limitNamed(plan, w.getKey());
              if (limit != null && w.getValue().equals(currentWindowStart(limit, now))) {
                extra.merge(w.getKey(), v, QuotaManager::saturatedAdd);
              }
            });
    extra.forEach(
        (name, more) -> {
          Limit limit = java.util.Objects.requireNonNull(limitNamed(plan, name));
          long base = plain.getOrDefault(name, limit.amount());
          plain.put(name, saturatedAdd(base, more));
        });
    return rec.withOverrides(plain, rec.updatedAt());
  }
}
