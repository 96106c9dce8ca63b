package dev.quota4j.spi;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.Beta;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectRef;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 *       state.
 *   <li>Optional capabilities are {@code default} methods that throw {@link
 *       UnsupportedOperationException} until a store implements them.
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

  /** Moves a live reservation's lease end; false when it is gone or its lease already ended. */
  boolean extend(String reservationId, Instant now, Instant leaseUntil);

  /** Releases reservations whose lease ended before {@code now}; returns how many. */
  @CanIgnoreReturnValue
  int reclaimExpired(Instant now);

  /** Current values of the given counters; a missing counter is absent from the map. */
  Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys);

  /** The directory entry of a subject. */
  Optional<SubjectRecord> findSubject(SubjectRef subject);

  /** Creates the entry unless one exists; returns the one stored. */
  SubjectRecord createSubjectIfAbsent(SubjectRecord record);

  /** Creates or replaces the entry. */
  void saveSubject(SubjectRecord record);

  /** Ledger events, oldest first. */
  List<UsageEvent> findEvents(EventQuery query);

  /** Releases what the store owns (a pool it built). Never closes a caller's data source. */
  @Override
  default void close() {}
}
