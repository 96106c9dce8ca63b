package dev.quota4j;

import dev.quota4j.internal.FileUsageJournal;
import dev.quota4j.internal.MemoryUsageJournal;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.UsageEvent;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a manager in {@link FailMode#FAIL_OPEN} keeps usage the store could not take, until {@link
 * QuotaManager#replayPending()} hands it over. Each entry is replayed idempotently by its event id,
 * so an entry replayed twice (after a crash between the store write and {@link #markReplayed}) is
 * still counted once.
 *
 * <p>{@link #file(Path)} keeps entries on disk, flushed before {@link #append} returns, so they
 * survive a crash or restart of the process; {@link #inMemory()} (the default) does not.
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

  /** Keeps {@code entry} durably (as far as this journal is durable) before returning. */
  void append(Entry entry);

  /** Entries not yet marked replayed, oldest first. */
  List<Entry> pending();

  /** Marks the entry with this event id as handed to the store. */
  void markReplayed(String eventId);

  /** Releases files. */
  @Override
  default void close() {}

  /** A journal in this process's memory: lost with the process. */
  static UsageJournal inMemory() {
    return new MemoryUsageJournal();
  }

  /**
   * A journal in an append-only file, created if missing, flushed to disk on every append. Opening
   * it again after a crash finds every entry that was not marked replayed.
   */
  static UsageJournal file(Path path) {
    return FileUsageJournal.open(path);
  }
}
