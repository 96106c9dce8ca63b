package dev.quota4j.spi;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.Beta;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where counters, reservations, the subject directory and the usage ledger live. The {@link
 * dev.quota4j.QuotaManager} owns the admission algorithm; a store offers these atomic primitives
 * and reports what happened.
 *
 * <p>The protocol every store keeps:
 *
 * <ol>
 *   <li>{@link #reserve}: in one atomic step, for each charge in {@link CounterKey#LOCK_ORDER},
 *       make sure the counter exists and add the amount to its {@code reserved} if its {@link
 *       Admission} allows; if any charge does not fit, change nothing and report the first that did
 *       not (in the order given). Store the reservation (id, charges, lease end). Before rejecting,
 *       a store reclaims expired reservations that hold the counters it touched and tries once
 *       more.
 *   <li>{@link #commit}: in one atomic step, take each reserved amount off {@code reserved}, add
 *       each actual amount to {@code used}, delete the reservation and append the event. A second
 *       commit of the same id changes nothing. When the reservation is gone because its lease was
 *       reclaimed, add the actual amounts to {@code used} and append the event anyway, once. The
 *       event id of a commit or release is the reservation id, so the ledger's unique key makes
 *       both idempotent.
 *   <li>{@link #release}: in one atomic step, take the reserved amounts off {@code reserved},
 *       delete the reservation and append the event. Idempotent.
 *   <li>{@link #record}: in one atomic step, add the amounts to {@code used} without any condition
 *       and append the event; idempotent by event id.
 *   <li>{@link #reclaimExpired}: release every reservation whose lease ended before {@code now},
 *       appending an {@link EventStatus#EXPIRED} event for each, with the id {@code reservationId +
 *       "#expired"} (so that a late commit can still append its own event), the reservation id, and
 *       as subject the subject of its first charge that is neither SYSTEM nor WORKFLOW (else of its
 *       first charge).
 *   <li>Reads ({@link #counters}, {@link #findSubject}, {@link #findEvents}) see only committed
 *       state. A hold whose lease has ended counts nowhere: {@link #counters(Collection, Instant)},
 *       the read behind every answer to "how much is left" (status, check, the CLAMP budget),
 *       reclaims the ended reservations it would otherwise count (as {@link #reclaimExpired} does)
 *       before it answers.
 *   <li>{@link #extend}: moves the lease end of a live reservation. One whose lease has ended is
 *       not revived (something may have been admitted on top of it): the store reclaims it then, as
 *       {@link #reclaimExpired} would, and answers false; a later commit still counts, late.
 *   <li>Whose clock judges a lease: {@code now} is the caller's clock. A store shared by several
 *       processes must not let one whose clock runs ahead reclaim another's live reservation: it
 *       judges a reservation another instance made by a clock all instances share (the JDBC store:
 *       the database's), and only its own by the caller's {@code now}, so that a fake clock in a
 *       host's unit test still ends that host's leases.
 *   <li>Optional capabilities are {@code default} methods that throw {@link
 *       UnsupportedOperationException} naming the store class until a store implements them:
 *       <ol type="a">
 *         <li>{@link #aggregate}: sums of outcome events grouped in the store (GROUP BY in the
 *             database, not rows pulled into the JVM), over the ledger and the daily summaries that
 *             retention wrote (see {@link AggregateQuery} for how the two meet).
 *         <li>{@link #resetCounters}: in one atomic step, set {@code used} of each counter to zero
 *             (reserved amounts stay) and append the audit event; nothing happens, and false is
 *             returned, when the event id is already in the ledger.
 *         <li>{@link #moveSubject}: in one atomic step, charge each {@link UsageMove} with what the
 *             ledger events of {@code from} would have charged it, empty the given counters of
 *             {@code from}, move every ledger event of {@code from} to {@code to} (out of any
 *             rollup it is in, so that it is counted under {@code to}) and append the audit event;
 *             idempotent by the audit event's id. Daily summaries stay where they are.
 *         <li>{@link #compactEvents}: in one atomic step, take up to {@code maxEvents} ledger
 *             events that are in no rollup yet, add them to the store's rollups and mark them as
 *             rolled up, so that aggregates read each event either from a rollup or as an event,
 *             never both and never neither. Several callers at once never add an event twice; a
 *             batch never waits for another. A store without rollups does nothing.
 *         <li>{@link #purgeEvents}: in one atomic step, take up to {@code maxEvents} ledger events
 *             older than the cutoff, add them to the daily summaries (one row per UTC day, subject,
 *             operation, provider, model, agent, tool, provider key and status, kept until deleted
 *             by hand), and to the rollups when they are not in them yet, and delete them. Several
 *             callers at once, in this process or others, never purge or summarize an event twice;
 *             a batch never waits for another.
 *         <li>{@link #purgeCounters}: delete up to {@code maxCounters} counters whose window ended
 *             before the cutoff and that no live reservation holds ({@code reserved == 0}).
 *       </ol>
 * </ol>
 *
 * <p>Every method throws {@link QuotaStoreUnavailableException} when the store cannot be reached;
 * then nothing was changed. Amounts never go below zero. Stores may keep instants only to the
 * microsecond (PostgreSQL and MySQL keep no finer).
 *
 * <p>Beta until 1.0.
 */
@Beta
public interface QuotaStore extends AutoCloseable {

  /** Reserves every charge or none. */
  ReserveResult reserve(
      String reservationId, List<Charge> charges, Instant now, Instant leaseUntil);

  /**
   * Replaces the reservation's reserved amounts with the actual ones and appends {@code event}.
   *
   * @param actual the actual amount for each charged counter; a reserved counter missing here is
   *     committed as zero
   */
  CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event);

  /** Releases the reservation and appends {@code event}. Returns false if it was already gone. */
  @CanIgnoreReturnValue
  boolean release(String reservationId, UsageEvent event);

  /** Adds usage that was never reserved; idempotent by {@code event.eventId()}. */
  CommitResult record(List<Charge> charges, UsageEvent event);

  /** Appends an event that charges nothing, such as a denial. Returns false for a duplicate id. */
  @CanIgnoreReturnValue
  boolean appendEvent(UsageEvent event);

  /**
   * Moves a live reservation's lease end. False when it is gone, or when its lease already ended:
   * then the store has reclaimed it in this call (an {@link EventStatus#EXPIRED} event, its amounts
   * off {@code reserved}), so that the answer "no longer held" is true either way.
   */
  boolean extend(String reservationId, Instant now, Instant leaseUntil);

  /** Releases reservations whose lease ended before {@code now}; returns how many. */
  @CanIgnoreReturnValue
  int reclaimExpired(Instant now);

  /**
   * Values of the given counters as stored: {@code reserved} includes holds whose lease ended and
   * that nobody reclaimed yet. A missing counter is absent from the map. To answer how much is
   * left, use {@link #counters(Collection, Instant)}.
   */
  Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys);

  /**
   * Values of the given counters with no hold whose lease ended by {@code now} in them: the store
   * reclaims such holds before it reads (the read behind status, check and the CLAMP budget). A
   * missing counter is absent from the map.
   *
   * <p>The default reclaims every ended lease ({@link #reclaimExpired}) and then reads; a store
   * overrides it to do so only when an ended lease exists.
   */
  default Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys, Instant now) {
    reclaimExpired(now);
    return counters(keys);
  }

  /** The directory entry of a subject. */
  Optional<SubjectRecord> findSubject(SubjectRef subject);

  /** Creates the entry unless one exists; returns the one stored. */
  SubjectRecord createSubjectIfAbsent(SubjectRecord record);

  /** Creates or replaces the entry. */
  void saveSubject(SubjectRecord record);

  /** Ledger events, oldest first. */
  List<UsageEvent> findEvents(EventQuery query);

  // ---- optional capabilities ---------------------------------------------------------------

  /**
   * Sums of the ledger's outcome events, grouped as the query says, in no particular order.
   *
   * @throws UnsupportedOperationException when the store cannot aggregate, or cannot group or
   *     filter by one of the query's dimensions (it never ignores one)
   */
  default List<AggregateRow> aggregate(AggregateQuery query) {
    throw unsupported(this, "aggregate");
  }

  /**
   * Denials (QUOTA_EXCEEDED events) with {@code from <= time < to}, counted per code and kind of
   * subject, in no particular order; those retention rolled into daily summaries count by the start
   * of their UTC day, with their code.
   *
   * @throws UnsupportedOperationException when the store cannot count denials
   */
  default List<DenialCount> denialsByCode(Instant from, Instant to) {
    throw unsupported(this, "denialsByCode");
  }

  /**
   * The ids of the subjects of one kind that have outcome events in {@code [from, to)} (in the
   * ledger or, by the start of their day, in the daily summaries), after {@code after} (none: from
   * the first), in ascending order, at most {@code limit}: the keyset by which reports page over
   * subjects. It may also name a subject whose events there are all of other statuses; a report
   * then finds no rows for it.
   *
   * <p>The default groups {@link #aggregate} by subject over every later subject and sorts the ids
   * ({@link String#compareTo}); a store with an index on subjects answers from it instead, reading
   * no more than the subjects it returns.
   *
   * @throws UnsupportedOperationException when the store cannot aggregate
   */
  default List<String> subjectIds(
      SubjectKind kind, Instant from, Instant to, @Nullable String after, int limit) {
    Checks.positive("limit", limit);
    List<String> ids = new ArrayList<>();
    for (AggregateRow r :
        aggregate(
            AggregateQuery.between(from, to)
                .forSubjectKind(kind)
                .forSubjectIds(after, null)
                .groupBy(Dimension.SUBJECT))) {
      SubjectRef s = r.subject();
      if (s != null && (after == null || s.id().compareTo(after) > 0)) {
        ids.add(s.id());
      }
    }
    Collections.sort(ids);
    return ids.size() > limit ? List.copyOf(ids.subList(0, limit)) : ids;
  }

  /**
   * Sets {@code used} of each counter to zero and appends {@code audit}, atomically; reserved
   * amounts stay. A missing counter is left missing.
   *
   * @return false, changing nothing, when {@code audit}'s event id is already in the ledger
   * @throws UnsupportedOperationException when the store cannot reset counters
   */
  @CanIgnoreReturnValue
  default boolean resetCounters(Collection<CounterKey> keys, UsageEvent audit) {
    throw unsupported(this, "resetCounters");
  }

  /**
   * Moves usage from one subject to another, atomically: takes every ledger event whose primary
   * subject is {@code from} (waiting for a commit or record of {@code from} that is under way on
   * one of the {@code emptied} counters), adds to each {@link UsageMove}'s counter what those
   * events would have charged it, sets {@code used} of each {@code emptied} counter to zero
   * (reserved amounts stay: a live reservation settles on the counter it reserved), moves the
   * events to {@code to} and appends {@code audit}. The amounts come from the events the step
   * moves, so a call of {@code from} that lands meanwhile is either moved and counted, or stays
   * with {@code from} on both its counter and its event.
   *
   * @param emptied counters of {@code from} whose usage now belongs to {@code to}; a missing one is
   *     left missing
   * @param charged counters of {@code to} to charge with the moved events
   * @return false, changing nothing, when {@code audit}'s event id is already in the ledger
   * @throws UnsupportedOperationException when the store cannot move subjects
   */
  @CanIgnoreReturnValue
  default boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    throw unsupported(this, "moveSubject");
  }

  /**
   * Adds up to {@code maxEvents} ledger events that are in no rollup yet to the store's rollups,
   * oldest first, and marks them as rolled up, in one atomic step. Aggregates read the rollups plus
   * the events not rolled up yet, so compaction changes no figure, only how fast they are read; run
   * it often (every minute, say: {@link dev.quota4j.Retention#scheduleCompaction}). Safe to call
   * from several threads and processes at once: each event is added exactly once.
   *
   * <p>The default does nothing and returns 0, for stores that keep no rollups (the in-memory store
   * aggregates its events directly).
   *
   * @param maxEvents the most events to take, at least 1
   * @return how many events were rolled up; fewer than {@code maxEvents} when no more are waiting
   *     (or other callers hold them)
   * @throws IllegalArgumentException when {@code maxEvents} is less than 1
   */
  @CanIgnoreReturnValue
  default int compactEvents(int maxEvents) {
    Checks.argument(maxEvents >= 1, "maxEvents", "must be greater than zero", maxEvents);
    return 0;
  }

  /**
   * Rolls up to {@code maxEvents} ledger events with {@code time < before} into the daily summaries
   * and deletes them, in one atomic step. Safe to call from several threads and processes at once:
   * each event is summarized exactly once.
   *
   * @return how many events were purged; fewer than {@code maxEvents} when no more are old enough
   *     (or other callers hold them)
   * @throws UnsupportedOperationException when the store cannot purge
   */
  @CanIgnoreReturnValue
  default int purgeEvents(Instant before, int maxEvents) {
    throw unsupported(this, "purgeEvents");
  }

  /**
   * Deletes up to {@code maxCounters} counters whose window ended before {@code endedBefore} and
   * that hold no reserved amount.
   *
   * @return how many were deleted
   * @throws UnsupportedOperationException when the store cannot purge
   */
  @CanIgnoreReturnValue
  default int purgeCounters(Instant endedBefore, int maxCounters) {
    throw unsupported(this, "purgeCounters");
  }

  private static UnsupportedOperationException unsupported(QuotaStore store, String what) {
    return new UnsupportedOperationException(
        store.getClass().getName() + " does not support " + what);
  }

  /** Releases what the store owns (a pool it built). Never closes a caller's data source. */
  @Override
  default void close() {}
}
