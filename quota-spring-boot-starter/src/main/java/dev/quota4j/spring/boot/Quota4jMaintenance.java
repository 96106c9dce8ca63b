package dev.quota4j.spring.boot;

import dev.quota4j.QuotaManager;
import dev.quota4j.Retention;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Runs quota4j's maintenance while the application runs: {@link Retention#runOnce} every {@code
 * quota4j.retention.interval}; and every {@code quota4j.retention.maintenance-interval} the ledger
 * compaction, the reclaim of ended leases and the replay of journaled usage. On the application's
 * {@link TaskScheduler} when it has exactly one, else on a single thread of its own. A run that
 * fails is logged and the next one runs as planned.
 */
public final class Quota4jMaintenance implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(Quota4jMaintenance.class);

  private final Retention retention;
  private final QuotaManager manager;
  private final Duration interval;
  private final Duration maintenanceInterval;
  private final @Nullable TaskScheduler shared;
  private final List<ScheduledFuture<?>> futures = new ArrayList<>();
  private @Nullable ThreadPoolTaskScheduler own;
  private volatile boolean running;

  Quota4jMaintenance(
      Retention retention,
      QuotaManager manager,
      Duration interval,
      Duration maintenanceInterval,
      @Nullable TaskScheduler shared) {
    this.retention = retention;
    this.manager = manager;
    this.interval = interval;
    this.maintenanceInterval = maintenanceInterval;
    this.shared = shared;
  }

  /** One retention run. */
  public void retainOnce() {
    var unused = retention.runOnce();
  }

  /** One maintenance pass: compaction, lease reclaim, journal replay. */
  public void maintainOnce() {
    var unusedCompacted = retention.compactOnce();
    var unusedReclaimed = retention.reclaimOnce();
    var unusedPending = manager.replayPending();
  }

  @Override
  public synchronized void start() {
    TaskScheduler scheduler = shared;
    if (scheduler == null) {
      ThreadPoolTaskScheduler t = new ThreadPoolTaskScheduler();
      t.setThreadNamePrefix("quota4j-maintenance-");
      t.setDaemon(true);
      t.initialize();
      own = t;
      scheduler = t;
    }
    Instant now = Instant.now();
    futures.add(
        scheduler.scheduleWithFixedDelay(
            safely("retention", this::retainOnce), now.plus(interval), interval));
    futures.add(
        scheduler.scheduleWithFixedDelay(
            safely("maintenance", this::maintainOnce),
            now.plus(maintenanceInterval),
            maintenanceInterval));
    running = true;
  }

  private static Runnable safely(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.warn("quota4j {} failed; it runs again at its next time", what, e);
      }
    };
  }

  @Override
  public synchronized void stop() {
    futures.forEach(f -> f.cancel(false));
    futures.clear();
    ThreadPoolTaskScheduler t = own;
    if (t != null) {
      t.shutdown();
      own = null;
    }
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
