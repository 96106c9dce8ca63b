package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Operators steer usage here, in the store that enforces it: plans, overrides, the active flag,
 * resets, temporary increases and the migration of an anonymous session on sign-up. Every change
 * goes through the manager's store and then {@link QuotaManager#invalidateSubject}, so this
 * manager's next request sees it; other instances see it within their {@code subjectCacheTtl} (zero
 * by default: at once).
 *
 * <pre>{@code
 * QuotaAdmin admin = QuotaAdmin.of(quotas);
 * admin.assignPlan(SubjectRef.user("u-42"), "premium");       // applies to the next request
 * admin.resetAll(SubjectRef.providerKey("groq_1"), "ticket-123");
 * admin.migrateAnonymous(SubjectRef.anonymous(sessionId), SubjectRef.user(newUserId), sessionId);
 * }</pre>
 *
 * <p>Directory changes (plan, overrides, active) read the subject's entry and write it back: of two
 * operators changing the same subject at the same instant, the last write wins. A subject not in
 * the directory is created on the policy's default plan first. Every change (plan, override,
 * activation, reset, temporary increase, migration) appends an {@link EventStatus#ADMIN} event to
 * the ledger, before the change itself where the store makes them apart; resets and migrations are
 * idempotent by that event's id.
 *
 * <p>Thread-safe.
 */
public final class QuotaAdmin {
  /** The operation of admin events in the ledger. */
  public static final String ADMIN_OPERATION = "quota4j.admin";

  private final QuotaManager manager;
  private final QuotaStore store;

  private QuotaAdmin(QuotaManager manager) {
    this.manager = manager;
    this.store = manager.store();
  }

  /** Administration through the manager's store, policy and clock. */
  public static QuotaAdmin of(QuotaManager manager) {
    return new QuotaAdmin(Checks.notNull("manager", manager));
  }

  // ---------------------------------------------------------------- directory

  /**
   * Puts the subject on another plan; an upgrade or downgrade applies from the next request. Usage
   * so far stays counted; the new plan's limits apply to it.
   *
   * @throws IllegalArgumentException when the policy has no such plan
   */
  @CanIgnoreReturnValue
  public SubjectRecord assignPlan(SubjectRef subject, String plan) {
    Checks.id("plan", plan);
    Checks.argument(
        manager.policy().plan(plan) != null,
        "plan",
        "must be one of the policy's plans " + manager.policy().plans().keySet(),
        plan);
    return change(
        subject,
        "assign_plan",
        r -> r.withPlan(plan, now()),
        (before, after) -> "plan " + before.plan() + " -> " + after.plan());
  }

  /**
   * Gives the subject its own amount for a limit, in place of its plan's.
   *
   * @throws IllegalArgumentException when the amount is negative or no plan or policy limit has the
   *     name
   */
  @CanIgnoreReturnValue
  public SubjectRecord setOverride(SubjectRef subject, String limitName, long amount) {
    Checks.id("limitName", limitName);
    Checks.nonNegative("amount", amount);
    checkLimitExists(limitName);
    return change(
        subject,
        "set_override",
        r -> {
          Map<String, Long> o = new HashMap<>(r.overrides());
          o.put(limitName, amount);
          return r.withOverrides(o, now());
        },
        (before, after) ->
            "override of "
                + limitName
                + ": "
                + (before.overrides().containsKey(limitName)
                    ? before.overrides().get(limitName)
                    : "none")
                + " -> "
                + amount);
  }

  /** Removes the subject's own amount for a limit: its plan's applies again. */
  @CanIgnoreReturnValue
  public SubjectRecord clearOverride(SubjectRef subject, String limitName) {
    Checks.id("limitName", limitName);
    return change(
        subject,
        "clear_override",
        r -> {
          Map<String, Long> o = new HashMap<>(r.overrides());
          o.remove(limitName);
          return r.withOverrides(o, now());
        },
        (before, after) ->
            "override of " + limitName + ": " + before.overrides().get(limitName) + " -> none");
  }

  /**
   * Denies every request of the subject from now on: with {@link DenialCodes#USER_INACTIVE} the
   * requests it makes, and with {@link DenialCodes#SUBJECT_INACTIVE} the requests that name it as
   * their API key, provider key or tenant.
   */
  @CanIgnoreReturnValue
  public SubjectRecord deactivate(SubjectRef subject) {
    return change(
        subject, "deactivate", r -> r.withActive(false, now()), (before, after) -> "deactivated");
  }

  /** Lets the subject be admitted again. */
  @CanIgnoreReturnValue
  public SubjectRecord activate(SubjectRef subject) {
    return change(
        subject, "activate", r -> r.withActive(true, now()), (before, after) -> "activated");
  }

  /**
   * Adds {@code extra} to the subject's limit in the limit's current window only (replacing an
   * increase given before in the same window); the next window has the usual amount again.
   * Increases of windows that have ended are removed from the entry. Appends an audit event.
   *
   * @throws IllegalArgumentException when the limit does not apply to the subject or its window is
   *     not an hour, day, week or month
   */
  @CanIgnoreReturnValue
  public SubjectRecord temporaryIncrease(SubjectRef subject, String limitName, long extra) {
    Checks.id("limitName", limitName);
    Checks.nonNegative("extra", extra);
    SubjectRecord rec = ensure(subject);
    Plan plan = manager.policy().plan(rec.plan());
    Limit limit = TemporaryIncreases.limitNamed(manager.policy(), plan, limitName);
    if (limit == null) {
      throw new IllegalArgumentException(
          "limitName must name a limit of the subject's plan or policy, was "
              + Checks.show(limitName));
    }
    Instant now = now();
    Instant start = TemporaryIncreases.currentWindowStart(manager.policy(), limit, now);
    if (start == null) {
      throw new IllegalArgumentException(
          "limitName must name a limit with an hour, day, week or month window, not "
              + limit.window()
              + ", was "
              + Checks.show(limitName));
    }
    String key = TemporaryIncreases.key(limitName, start);
    // the event first, as for every change: no increase is saved without its event
    boolean unused =
        store.appendEvent(
            audit("admin-" + UUID.randomUUID(), subject, "temporary_increase")
                .tag("limit", limitName)
                .errorMessage("temporary increase of " + extra + " for the window from " + start)
                .build());
    SubjectRecord saved =
        change(
            subject,
            r -> {
              Map<String, Long> o = new HashMap<>();
              r.overrides()
                  .forEach(
                      (k, v) -> {
                        if (!isStaleIncrease(plan, k, now)) {
                          o.put(k, v);
                        }
                      });
              o.put(key, extra);
              return r.withOverrides(o, now);
            });
    return saved;
  }

  private boolean isStaleIncrease(@Nullable Plan plan, String key, Instant now) {
    Map.@Nullable Entry<String, Instant> w = TemporaryIncreases.parse(key);
    if (w == null) {
      return false;
    }
    Limit l = TemporaryIncreases.limitNamed(manager.policy(), plan, w.getKey());
    return l == null
        || !w.getValue().equals(TemporaryIncreases.currentWindowStart(manager.policy(), l, now));
  }

  // ---------------------------------------------------------------- counters

  /**
   * Sets the subject's usage of one limit in its current window to zero, and appends an audit event
   * with id {@code auditId}. Reserved amounts of calls in flight stay.
   *
   * @return false, changing nothing, when an event with {@code auditId} is already in the ledger
   * @throws IllegalArgumentException when no limit of that name applies to the subject
   */
  @CanIgnoreReturnValue
  public boolean reset(SubjectRef subject, String limitName, String auditId) {
    Checks.id("limitName", limitName);
    Checks.id("auditId", auditId);
    List<CounterKey> keys = currentKeys(subject, limitName);
    Checks.argument(
        !keys.isEmpty(),
        "limitName",
        "must name a stored limit that applies to " + subject,
        limitName);
    return resetKeys(subject, keys, auditId, limitName);
  }

  /** Like {@link #reset(SubjectRef, String, String)} with a random audit id. */
  @CanIgnoreReturnValue
  public boolean reset(SubjectRef subject, String limitName) {
    return reset(subject, limitName, "admin-" + UUID.randomUUID());
  }

  /**
   * Sets the subject's usage of every limit in its current windows to zero, and appends an audit
   * event with id {@code auditId} (to reset one provider key or, called for each, all of them).
   *
   * @return false, changing nothing, when an event with {@code auditId} is already in the ledger
   */
  @CanIgnoreReturnValue
  public boolean resetAll(SubjectRef subject, String auditId) {
    Checks.id("auditId", auditId);
    return resetKeys(subject, currentKeys(subject, null), auditId, null);
  }

  /** Like {@link #resetAll(SubjectRef, String)} with a random audit id. */
  @CanIgnoreReturnValue
  public boolean resetAll(SubjectRef subject) {
    return resetAll(subject, "admin-" + UUID.randomUUID());
  }

  /**
   * Resets every limit of each provider key ("reset all"); the audit id of key {@code k} is {@code
   * auditId + ":" + k} (hashed when longer than an id may be).
   *
   * @return how many keys were reset now (not before, by the same audit id)
   */
  @CanIgnoreReturnValue
  public int resetProviderKeys(Collection<String> keys, String auditId) {
    Checks.id("auditId", auditId);
    for (String k : keys) {
      Checks.id("provider key", k); // every key before the first reset: all or none is refused
    }
    int n = 0;
    for (String k : keys) {
      String id = auditId + ":" + k;
      if (id.length() > Checks.MAX_ID_LENGTH) {
        int cut = Math.min(auditId.length(), 100);
        if (Character.isHighSurrogate(auditId.charAt(cut - 1))) {
          cut--; // never half of a pair: the id must stay text a store keeps exactly
        }
        id = auditId.substring(0, cut) + ":" + k.hashCode();
      }
      if (resetAll(SubjectRef.providerKey(k), id)) {
        n++;
      }
    }
    return n;
  }

  private boolean resetKeys(
      SubjectRef subject, List<CounterKey> keys, String auditId, @Nullable String limitName) {
    UsageEvent.Builder e = audit(auditId, subject, "reset");
    e.tag("limit", limitName == null ? "*" : limitName)
        .errorMessage(
            "reset "
                + keys.size()
                + " counter(s): "
                + keys.stream().map(k -> k.limitId() + "@" + k.windowStart()).toList());
    boolean applied = store.resetCounters(keys, e.build());
    manager.invalidateSubject(subject);
    return applied;
  }

  private List<CounterKey> currentKeys(SubjectRef subject, @Nullable String limitName) {
    List<CounterKey> keys = new ArrayList<>();
    for (LimitStatus l : manager.status(subject).limits()) {
      Instant start = l.windowStart();
      if (start == null || (limitName != null && !limitName.equals(l.limitName()))) {
        continue;
      }
      keys.add(new CounterKey(l.limitName(), l.subject(), start));
    }
    return keys;
  }

  // ---------------------------------------------------------------- migration

  /**
   * Moves an anonymous session's usage to the user it signed up as, counted once: in one atomic
   * step, every limit of the user with a calendar window (its plan's, overrides and temporary
   * increases applied, and the policy's) is charged what the session's calls would have charged it
   * in its current window, under its own metric and filters (provider, model, operations): each of
   * the session's ledger events counts when it is a call's outcome ({@code SUCCESS} or {@code
   * ERROR}), falls in that window and passes the filters, whatever limits the session's own plan
   * had. The session's counters of the current windows drop to zero, and every ledger event of the
   * session becomes the user's. The user is created on the default plan when not in the directory.
   *
   * <p>Calls of earlier windows move in the ledger (reports count them under the user) but charge
   * no counter: a window that ended is not reopened. An event counts by its time, so a call
   * reserved just before a window boundary and committed after it counts in the new window. Usage
   * already rolled into daily summaries stays under the session. A reservation of the session still
   * open settles on the session's counter and ledger. An operator's reset of a session counter does
   * not carry over: the user is charged the session's calls.
   *
   * @param migrationId the audit event's id: a second call with it changes nothing
   * @return false when this migration was already done
   * @throws IllegalArgumentException when {@code anonymous} is not an anonymous session or {@code
   *     user} not a user
   */
  @CanIgnoreReturnValue
  public boolean migrateAnonymous(SubjectRef anonymous, SubjectRef user, String migrationId) {
    Checks.argument(
        anonymous.kind() == SubjectKind.ANONYMOUS,
        "anonymous",
        "must be an anonymous session",
        anonymous);
    Checks.argument(user.kind() == SubjectKind.USER, "user", "must be a user", user);
    Checks.id("migrationId", migrationId);
    SubjectRecord userRec = ensure(user);
    Plan toPlan = manager.policy().plan(userRec.plan());
    List<CounterKey> emptied = new ArrayList<>();
    for (LimitStatus f : manager.status(anonymous).limits()) {
      Instant fs = f.windowStart();
      if (fs != null && f.window().isCalendar() && f.subject().equals(anonymous)) {
        emptied.add(new CounterKey(f.limitName(), anonymous, fs));
      }
    }
    List<UsageMove> charged = new ArrayList<>();
    for (LimitStatus t : manager.status(user).limits()) {
      Instant ts = t.windowStart();
      Instant te = t.resetsAt();
      Limit tl = TemporaryIncreases.limitNamed(manager.policy(), toPlan, t.limitName());
      if (ts != null
          && te != null
          && tl != null
          && t.window().isCalendar()
          && t.subject().equals(user)) {
        charged.add(new UsageMove(new CounterKey(t.limitName(), user, ts), t.limit(), te, tl));
      }
    }
    UsageEvent e =
        audit(migrationId, user, "migrate")
            .tag("from_kind", anonymous.kind().name())
            .tag("from_id", anonymous.id())
            .errorMessage(
                "moved the ledger of "
                    + anonymous
                    + " and charged its calls to "
                    + charged.size()
                    + " counter(s)")
            .build();
    boolean applied = store.moveSubject(anonymous, user, emptied, charged, e);
    manager.invalidateSubject(anonymous);
    manager.invalidateSubject(user);
    return applied;
  }

  // ---------------------------------------------------------------- helpers

  private interface Change {
    SubjectRecord apply(SubjectRecord r);
  }

  /** What a change did, for its audit event: e.g. {@code plan free -> pro}. */
  private interface Described {
    String of(SubjectRecord before, SubjectRecord after);
  }

  private SubjectRecord change(SubjectRef subject, Change change) {
    SubjectRecord next = change.apply(ensure(subject));
    store.saveSubject(next);
    manager.invalidateSubject(subject);
    return next;
  }

  /**
   * A change of the subject's entry that the ledger records: when it changes the entry, an {@link
   * EventStatus#ADMIN} event tagged {@code action}, with the description as its message
   * (subscription changes, for instance). The event is appended before the entry is saved, so that
   * no change is ever saved without its event; a call that fails after appending leaves its event,
   * and calling it again appends another.
   */
  private SubjectRecord change(
      SubjectRef subject, String action, Change change, Described described) {
    SubjectRecord before = ensure(subject);
    SubjectRecord next = change.apply(before);
    if (before.active() != next.active()
        || !before.plan().equals(next.plan())
        || !before.overrides().equals(next.overrides())) {
      boolean unused =
          store.appendEvent(
              audit("admin-" + UUID.randomUUID(), subject, action)
                  .errorMessage(described.of(before, next))
                  .build());
    }
    store.saveSubject(next);
    manager.invalidateSubject(subject);
    return next;
  }

  private SubjectRecord ensure(SubjectRef subject) {
    Checks.argument(
        subject.kind() != SubjectKind.SYSTEM && subject.kind() != SubjectKind.WORKFLOW,
        "subject",
        "must not be the system or a workflow",
        subject);
    return store
        .findSubject(subject)
        .orElseGet(
            () ->
                store.createSubjectIfAbsent(
                    SubjectRecord.create(
                        subject, manager.policy().defaultPlanFor(subject.kind()), now())));
  }

  private void checkLimitExists(String limitName) {
    boolean found = TemporaryIncreases.limitNamed(manager.policy(), null, limitName) != null;
    for (Plan p : manager.policy().plans().values()) {
      found |= p.limit(limitName) != null;
    }
    Checks.argument(found, "limitName", "must name a limit of a plan or of the policy", limitName);
  }

  private UsageEvent.Builder audit(String id, SubjectRef subject, String action) {
    return UsageEvent.builder(id, now(), EventStatus.ADMIN, subject)
        .operation(ADMIN_OPERATION)
        .tag("action", action);
  }

  private Instant now() {
    return manager.clock().instant();
  }
}
