package dev.quota4j;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where one limit stands for one subject now.
 *
 * @param subject who is charged
 * @param limitName the limit
 * @param metric its metric (cost in micro-units)
 * @param window its window
 * @param mode its mode
 * @param used committed usage in the current window
 * @param reserved usage held by open reservations
 * @param limit the limit in force (after overrides)
 * @param remaining what is left, never negative
 * @param percent used plus reserved, as a percentage of the limit
 * @param level how close it is to being used up
 * @param windowStart the start of the current window; null for per-request caps
 * @param resetsAt when the window resets; null when it does not
 */
public record LimitStatus(
    SubjectRef subject,
    String limitName,
    Metric metric,
    Window window,
    LimitMode mode,
    long used,
    long reserved,
    long limit,
    long remaining,
    double percent,
    UsageLevel level,
    @Nullable Instant windowStart,
    @Nullable Instant resetsAt) {}
