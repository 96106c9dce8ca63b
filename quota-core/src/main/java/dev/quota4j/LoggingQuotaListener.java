package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.spi.UsageEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs thresholds, denials, would-be denials, fail-open admissions, journal entries set aside and
 * warnings through SLF4J (logger {@code dev.quota4j}). Ids are escaped, so a hostile id cannot
 * forge a log line; prompt text is never logged. Added to every manager unless {@link
 * QuotaManager.Builder#defaultLogging(boolean)} turns it off.
 */
public final class LoggingQuotaListener implements QuotaListener {
  private static final Logger LOG = LoggerFactory.getLogger("dev.quota4j");

  @Override
  public void onThreshold(ThresholdEvent e) {
    if (e.level() == UsageLevel.OK || e.level() == UsageLevel.WARNING) {
      LOG.info(
          "{} reached {}% of limit {} ({} of {})",
          e.subject(), e.percent(), Checks.show(e.limitName()), e.used(), e.limit());
    } else {
      LOG.warn(
          "{} reached {}% of limit {} ({} of {})",
          e.subject(), e.percent(), Checks.show(e.limitName()), e.used(), e.limit());
    }
  }

  @Override
  public void onDenied(QuotaDenial denial, UsageRequest request) {
    LOG.info("denied {}: {}", denial.code(), denial.message());
  }

  @Override
  public void onWouldDeny(QuotaDenial denial, UsageRequest request) {
    LOG.warn("would deny {} (limit not enforced): {}", denial.code(), denial.message());
  }

  @Override
  public void onFailOpenAdmission(UsageRequest request, QuotaStoreUnavailableException cause) {
    LOG.warn("store unreachable; admitted {} because the manager fails open", request.subject());
  }

  @Override
  public void onJournalSetAside(UsageEvent event, String reason) {
    LOG.error(
        "usage {} of {} kept in the journal was set aside and is not counted: {}; see"
            + " UsageJournal.setAside()",
        Checks.show(event.eventId()),
        event.subject(),
        reason);
  }

  @Override
  public void onWarning(String code, String message) {
    LOG.warn("{}: {}", code, message);
  }
}
