package dev.quota4j;

import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import java.util.List;

/** Threshold crossings, from what a commit left used ({@link CommitResult#usedAfter}). */
final class Thresholds {
  private final Listeners listeners;

  Thresholds(Listeners listeners) {
    this.listeners = listeners;
  }

  void fire(List<Bound> bounds, List<Charge> charges, CommitResult result) {
    for (int i = 0; i < bounds.size(); i++) {
      Bound b = bounds.get(i);
      Charge c = charges.get(i);
      Long after = result.usedAfter().get(c.key());
      if (after == null
          || b.amount <= 0
          || c.amount() <= 0
          || b.limit.window() == Window.CONCURRENT) {
        continue;
      }
      long before = after - c.amount();
      List<Integer> thresholds = b.limit.thresholds();
      for (int t = 0; t < thresholds.size(); t++) {
        int percent = thresholds.get(t);
        long mark = ceilPercent(b.amount, percent);
        if (before < mark && after >= mark) {
          ThresholdEvent e =
              new ThresholdEvent(
                  b.subject,
                  b.limit.name(),
                  b.limit.metric(),
                  b.limit.window(),
                  b.windowStart,
                  b.windowEnd,
                  percent,
                  UsageLevel.forPercent(percent, b.limit.thresholds()),
                  after,
                  b.amount);
          listeners.fire(l -> l.onThreshold(e));
        }
      }
    }
  }

  private static long ceilPercent(long amount, int percent) {
    // amount * percent / 100 rounded up, without overflow for large amounts
    long whole = amount / 100 * percent;
    long rest = amount % 100 * percent;
    return whole + (rest + 99) / 100;
  }
}
