package dev.quota4j;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A limit's usage crossed a threshold.
 *
 * @param subject who is charged
 * @param limitName the limit
 * @param metric its metric
 * @param window its window
 * @param windowStart the start of the window
 * @param windowEnd when the window ends (and the limit resets); null for windows that do not roll
 * @param percent the threshold crossed
 * @param level the level the threshold stands for
 * @param used usage after the change that crossed it
 * @param limit the limit in force
 */
public record ThresholdEvent(
    SubjectRef subject,
    String limitName,
    Metric metric,
    Window window,
    Instant windowStart,
    @Nullable Instant windowEnd,
    int percent,
    UsageLevel level,
    long used,
    long limit) {}
