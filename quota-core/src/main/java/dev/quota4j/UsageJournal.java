package dev.quota4j;

import dev.quota4j.internal.FileUsageJournal;
import dev.quota4j.internal.MemoryUsageJournal;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.UsageEvent;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a manager in {@link FailMode#FAIL_OPEN} keeps usage the store could not take, until {@link
 * QuotaManager#replayPending()} hands it over. Each entry is replayed idempotently by its event id,
 * so an entry replayed twice (after a crash between the store write and {@link #markReplayed}) is
 * still counted once.
 *
 * <p>{@link #file(Path)} keeps entries on disk, flushed before {@link #append} returns, so they
 * survive a crash or restart of the process; {@link #inMemory()} (the default) does not.
 *
 * <p>Nothing is deleted silently: an entry the store refuses ({@link QuotaStoreRefusedException})
 * and, in a file journal, a line that cannot be read are set aside ({@link #putAside}, {@link
 * #setAside()}) and kept, with the reason, so that an operator can look at them.
 */
public interface UsageJournal extends AutoCloseable {

  /**
   * One usage waiting for the store.
   *
   * @param charges what to add, unconditionally
   * @param event the ledger event; its id makes the replay idempotent
   */
  record Entry(List<Charge> charges, UsageEvent event) {
    /** Copies the list. */
    public Entry {
      charges = List.copyOf(charges);
    }
  }

  /**
   * An entry or a line taken out of the replay and kept, never deleted.
   *
   * @param eventId the entry's event id, or null for a line that could not be read
   * @param reason why: the store's refusal, or the file and line number of a damaged line
   * @param entry the entry, or null for a line that could not be read
   */
  record SetAside(@Nullable String eventId, String reason, @Nullable Entry entry) {}

  /**
   * Keeps {@code entry} durably (as far as this journal is durable) before returning.
   *
   * @throws QuotaJournalException if it could not be written (a full disk, an I/O error): the entry
   *     is then not kept, and the journal stays readable
   */
  void append(Entry entry);

  /** Entries not yet marked replayed, oldest first. */
  List<Entry> pending();

  /** Marks the entry with this event id as handed to the store. */
  void markReplayed(String eventId);

  /**
   * Takes the pending entry with this event id out of the replay and keeps it, with {@code reason},
   * among {@link #setAside()}: the store refused it, so replaying it again would fail again.
   *
   * @throws QuotaJournalException if it could not be kept: the entry then stays pending
   */
  void putAside(String eventId, String reason);

  /**
   * Entries the store refused and lines that could not be read, oldest first; kept, not replayed.
   */
  default List<SetAside> setAside() {
    return List.of();
  }

  /** Releases files. */
  @Override
  default void close() {}

  /** A journal in this process's memory: lost with the process. */
  static UsageJournal inMemory() {
    return new MemoryUsageJournal();
  }

  /**
   * A journal in an append-only file, created if missing, flushed to disk on every append. Opening
   * it again after a crash finds every entry that was not marked replayed. Opening rewrites the
   * file crash-safely (a new file, forced to disk, renamed over it); a damaged line is reported
   * with the file and line number and set aside in {@code <path>.set-aside}; one process at a time
   * may have it open (a lock on {@code <path>.lock}).
   *
   * @throws QuotaJournalException if another process, or this one, has it open, or it cannot be
   *     read
   */
  static UsageJournal file(Path path) {
    return FileUsageJournal.open(path);
  }
}
