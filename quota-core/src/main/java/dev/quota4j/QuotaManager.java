package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import dev.quota4j.pricing.ModelPricing;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.tokens.OperationEstimates;
import dev.quota4j.tokens.TokenCounter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>A call is admitted in these steps ({@link #tryReserve}; {@link #check} takes the same ones up
 * to the store, then reads the counters instead of reserving):
 *
 * <ol>
 *   <li>Check the operation against the policy.
 *   <li>Resolve the subject: its directory entry (unknown: created on the default plan, or denied;
 *       inactive: denied), its plan and its overrides, with the temporary increases of the current
 *       windows.
 *   <li>Gate features: an operation or model the plan does not include is denied.
 *   <li>Estimate: input tokens (given, counted from the prompt, or from the operation's estimate),
 *       output tokens, characters and cost; a model without a price is denied when the pricing says
 *       so.
 *   <li>Read the directory entries of the API key, provider key and tenant the call names, and bind
 *       the limits: which apply to this call, to whom (the subject, the system, a key or tenant it
 *       names), with what amount and in which window.
 *   <li>Check what needs no store: per-request caps (CLAMP shrinks the output instead of denying)
 *       and a deactivated key or tenant named by the call.
 *   <li>For stored CLAMP limits, read what is left and shrink the output to fit.
 *   <li>Reserve one charge per stored limit in the store, all or none, under a lease. The store
 *       reports the first charge, in the order given, that does not fit: that limit's denial is
 *       returned (a CLAMP that raced another caller measures again, up to three times).
 *   <li>When the store is unreachable: {@link FailMode#FAIL_CLOSED} throws {@link
 *       QuotaStoreUnavailableException}; {@link FailMode#FAIL_OPEN} admits a detached reservation.
 * </ol>
 *
 * <p>A reservation is settled in these steps ({@link Reservation#commit}, {@link
 * Reservation#fail}):
 *
 * <ol>
 *   <li>Price the actual usage and turn it into one charge per limit reserved.
 *   <li>Commit in the store: the reserved charges are replaced by the actual ones and the ledger
 *       event is written, once, by the reservation id.
 *   <li>When the store is unreachable: FAIL_CLOSED throws and the reservation stays open; FAIL_OPEN
 *       (and a detached reservation) keeps the usage in the {@link UsageJournal} for replay.
 *   <li>Tell listeners: thresholds crossed, the commit, a commit after the lease ended.
 *   <li>Hand waiting journal entries to the store, a batch at a time.
 * </ol>
 *
 * <p>{@link Reservation#close} releases what was not committed. Thread-safe.
 */
public final class QuotaManager implements UsageRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaManager.class);

  /** Journal entries a caller hands to the store after one of its own store calls succeeded. */
  static final int REPLAY_BATCH = 32;

  private final Engine engine;
  private final SubjectResolver resolver;
  private final StatusReader statusReader;
  private final Replayer replayer;
  private final Admitter admitter;

  private QuotaManager(Builder b) {
    List<QuotaListener> l = new ArrayList<>();
    if (b.defaultLogging) {
      l.add(new LoggingQuotaListener());
    }
    l.addAll(b.listeners);
    Listeners listeners = new Listeners(l);
    this.engine =
        new Engine(
            Checks.notNull("store", b.store),
            b.policy,
            b.clock,
            b.tokenCounter,
            b.pricing != null ? b.pricing : ModelPricing.none(),
            b.pricing != null,
            b.operationEstimates,
            listeners,
            b.leaseDuration,
            b.workflowLease,
            b.workflowMaxDuration,
            b.failMode,
            b.recordDenials,
            b.ids != null ? b.ids : new SequentialIds(),
            b.journal != null ? b.journal : UsageJournal.inMemory(),
            b.subjectCacheTtl,
            b.storeRetryInterval);
    StoreGate gate = new StoreGate(engine);
    this.resolver = new SubjectResolver(engine, gate);
    LimitBinder binder = new LimitBinder(engine, resolver);
    this.statusReader = new StatusReader(engine, resolver, binder);
    Estimator estimator = new Estimator(engine, listeners);
    Thresholds thresholds = new Thresholds(listeners);
    this.replayer = new Replayer(engine, gate, thresholds, listeners);
    Settlement settlement =
        new Settlement(engine, gate, estimator, replayer, thresholds, listeners);
    this.admitter =
        new Admitter(
            engine, gate, resolver, binder, estimator, settlement, replayer, thresholds, listeners);
    warnAboutConfiguration(b);
  }

  /** Settings that are legal but rarely what is meant: said once, at build time. */
  private void warnAboutConfiguration(Builder b) {
    if (engine.failMode() == FailMode.FAIL_OPEN && b.journal == null) {
      LOG.warn(
          "failMode FAIL_OPEN with the in-memory journal: usage admitted during a store outage is"
              + " lost if this process stops before the store is back; give"
              + " journal(UsageJournal.file(path)) to keep it on disk");
    }
    if (b.pricing == null) {
      QuotaPolicy policy = engine.policy();
      List<String> costLimits = new ArrayList<>();
      List<Limit> all = new ArrayList<>(policy.limits());
      for (Plan plan : policy.plans().values()) {
        all.addAll(plan.limits());
      }
      for (Limit limit : all) {
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

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The policy in force. */
  public QuotaPolicy policy() {
    return engine.policy();
  }

  /** The store. */
  public QuotaStore store() {
    return engine.store();
  }

  /** The clock. */
  public Clock clock() {
    return engine.clock();
  }

  /** The token counter. */
  public TokenCounter tokenCounter() {
    return engine.tokenCounter();
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
    return admitter.tryReserve(request);
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
    return admitter.check(request);
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
    return openWorkflow(subject, "wf-" + engine.ids().get());
  }

  /** Opens a workflow with a caller-chosen id; see {@link #openWorkflow(SubjectRef)}. */
  public Workflow openWorkflow(SubjectRef subject, String workflowId) {
    return admitter.openWorkflow(this, subject, workflowId);
  }

  /** Where every limit of {@code subject} stands now. Creates nothing. */
  public QuotaStatus status(SubjectRef subject) {
    return statusReader.status(subject);
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
    return engine.store().reclaimExpired(engine.clock().instant());
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
    return replayer.replayPending();
  }

  /**
   * How many usages kept while the store was unreachable are waiting for {@link #replayPending}.
   */
  public int pendingCount() {
    return replayer.pendingCount();
  }

  @Override
  @CanIgnoreReturnValue
  public boolean record(String eventId, UsageRequest request, Usage usage) {
    return admitter.record(eventId, request, usage);
  }

  /**
   * Forgets this manager's cached directory entry of {@code subject}, so that the next request
   * reads it from the store. Call after changing the subject in the store directly; changes made
   * through quota4j's administration API do this themselves.
   */
  public void invalidateSubject(SubjectRef subject) {
    resolver.invalidate(subject);
  }

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
}
