package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.internal.FileUsageJournal;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage kept in the {@link UsageJournal} while the store was unreachable, handed to the store when
 * it is back: all of it on demand, a batch after each store call that succeeded. Idempotent by
 * event id; one replay at a time.
 */
final class Replayer {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaManager.class);

  private final UsageJournal journal;
  private final Clock clock;
  private final StoreGate gate;
  private final Thresholds thresholds;
  private final Listeners listeners;
  private final Map<String, List<Bound>> pendingBounds = new ConcurrentHashMap<>();
  private final AtomicBoolean maybePending = new AtomicBoolean(true);
  private final ReentrantLock replaying = new ReentrantLock();

  Replayer(Engine engine, StoreGate gate, Thresholds thresholds, Listeners listeners) {
    this.journal = engine.journal();
    this.clock = engine.clock();
    this.gate = gate;
    this.thresholds = thresholds;
    this.listeners = listeners;
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
   * succeeds, one caller hands over up to {@value QuotaManager#REPLAY_BATCH} waiting entries, so
   * that a backlog drains with traffic without holding any one caller for long. Call this method
   * from maintenance (or at start-up, for a journal a previous process left) to drain it at once.
   */
  int replayPending() {
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
   * the store is freed now rather than when its lease ends; one that does not (a {@link
   * QuotaManager#record} or a usage admitted without the store) is recorded. Both are idempotent by
   * event id. One replay at a time.
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
                ? gate.store().commit(closes, e.charges(), event)
                : gate.store().record(e.charges(), event);
        gate.up();
      } catch (QuotaStoreUnavailableException ex) {
        gate.down(clock.instant());
        maybePending.set(true);
        return left;
      } catch (RuntimeException refused) {
        // the store answered and refused this entry: not an outage, and it would refuse it again
        gate.up();
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
        thresholds.fire(bounds, e.charges(), r);
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
    listeners.fire(l -> l.onJournalSetAside(event, reason));
    return true;
  }

  /**
   * How many usages kept while the store was unreachable are waiting for {@link
   * QuotaManager#replayPending}.
   */
  int pendingCount() {
    return journal.pending().size();
  }

  void keep(List<Bound> bounds, List<Charge> charges, UsageEvent event) {
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
  void replayIfPending() {
    if (maybePending.get() && replaying.tryLock()) {
      try {
        int unused = replay(QuotaManager.REPLAY_BATCH);
      } finally {
        replaying.unlock();
      }
    }
  }
}
