package dev.quota4j;

import java.util.List;

/** How close a limit is to being used up. */
public enum UsageLevel {
  /** Below the first threshold. */
  OK,
  /** At or above the first threshold (75 % by default). */
  WARNING,
  /** At or above the last threshold below 100 % (90 % by default). */
  CRITICAL,
  /** Used up: at or above 100 %. */
  EXCEEDED;

  /**
   * The level of {@code used} against {@code limit} with the given ascending thresholds: EXCEEDED
   * from 100 %, CRITICAL from the highest threshold below 100 %, WARNING from the lowest (when
   * there are two or more below 100 %).
   */
  public static UsageLevel of(long used, long limit, List<Integer> thresholds) {
    if (used >= limit) {
      return EXCEEDED;
    }
    return forPercent(percentOf(used, limit), thresholds);
  }

  /** The level a threshold of {@code percent} stands for. */
  public static UsageLevel forPercent(double percent, List<Integer> thresholds) {
    if (percent >= 100) {
      return EXCEEDED;
    }
    List<Integer> below = thresholds.stream().filter(t -> t < 100).toList();
    if (below.isEmpty()) {
      return OK;
    }
    if (percent >= below.get(below.size() - 1) && below.size() >= 2) {
      return CRITICAL;
    }
    if (percent >= below.get(0)) {
      return below.size() >= 2 ? WARNING : CRITICAL;
    }
    return OK;
  }

  static double percentOf(long used, long limit) {
    return limit == 0 ? (used > 0 ? 100.0 : 0.0) : used * 100.0 / limit;
  }
}
