package dev.quota4j;

import org.jspecify.annotations.Nullable;

/**
 * The store answered and refused the data of one call: a value out of the range its columns hold (a
 * counter that would overflow), a constraint. Not an outage: the store is up, and the same data
 * would be refused again. The manager never switches to its fail-open state because of it; a usage
 * kept in the {@link UsageJournal} that the store refuses is set aside ({@link
 * UsageJournal#setAside()}) and reported to {@link QuotaListener#onJournalSetAside}.
 */
public class QuotaStoreRefusedException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /** With a message that names the operation, and the cause from the store. */
  public QuotaStoreRefusedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
