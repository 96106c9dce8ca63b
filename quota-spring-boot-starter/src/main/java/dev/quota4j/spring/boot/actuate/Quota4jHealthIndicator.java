package dev.quota4j.spring.boot.actuate;

import dev.quota4j.FailMode;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectRef;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * quota4j's health: whether the store answers, the fail mode, and how much usage waits in the
 * fail-open journal. An unreachable store is {@code DOWN} when the manager fails closed (every call
 * is refused), and {@code UP} with {@code failingOpen: true} when it fails open (calls go on and
 * are journaled).
 */
public class Quota4jHealthIndicator extends AbstractHealthIndicator {
  private final QuotaManager manager;
  private final FailMode failMode;

  /** Health of {@code manager}, which fails as {@code failMode} says. */
  public Quota4jHealthIndicator(QuotaManager manager, FailMode failMode) {
    super("quota4j health check failed");
    this.manager = manager;
    this.failMode = failMode;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    boolean reachable;
    try {
      var unused = manager.store().findSubject(SubjectRef.SYSTEM);
      reachable = true;
    } catch (QuotaStoreUnavailableException e) {
      reachable = false;
    }
    int pending = manager.pendingCount();
    if (reachable) {
      builder.up();
    } else if (failMode == FailMode.FAIL_OPEN) {
      builder.up().withDetail("failingOpen", true);
    } else {
      builder.down();
    }
    builder
        .withDetail("store", reachable ? "reachable" : "unreachable")
        .withDetail("failMode", failMode.name())
        .withDetail("journalPending", pending);
  }
}
