package dev.quota4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A scheduled executor whose periodic tasks run only when the test calls {@link #runAll()}, on the
 * test's thread: schedules can be tested without waiting.
 */
final class ManualScheduler extends ScheduledThreadPoolExecutor {
  private final List<Runnable> periodic = new ArrayList<>();

  ManualScheduler() {
    super(1);
  }

  @Override
  public synchronized ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    periodic.add(command);
    return super.schedule(() -> {}, 365, TimeUnit.DAYS);
  }

  synchronized void runAll() {
    try {
      for (Runnable r : periodic) {
        r.run();
      }
    } finally {
      shutdownNow();
    }
  }
}
