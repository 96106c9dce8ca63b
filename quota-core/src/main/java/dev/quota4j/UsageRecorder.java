package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;

/**
 * Charges usage that was never reserved: an agent microservice reporting its own tokens, a batch
 * sync, an anonymous session's local count. Idempotent by event id, so a retried sync never counts
 * twice. Limits are not enforced here (the usage already happened), but counters, the ledger and
 * thresholds see it.
 */
public interface UsageRecorder {

  /**
   * Records {@code usage} for {@code request} once.
   *
   * @param eventId unique id of this usage, chosen by the caller (for example the provider's
   *     response id); a second record with the same id changes nothing
   * @return true if recorded now, false if this id was recorded before
   */
  @CanIgnoreReturnValue
  boolean record(String eventId, UsageRequest request, Usage usage);
}
