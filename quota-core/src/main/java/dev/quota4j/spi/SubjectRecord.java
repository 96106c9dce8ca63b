package dev.quota4j.spi;

import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import java.util.Map;

/**
 * A subject in the directory: its plan, its own limits and whether it may use anything.
 *
 * @param subject the subject
 * @param plan the name of its plan
 * @param overrides its own amounts, by limit name, in place of the plan's
 * @param active whether it may be admitted at all
 * @param createdAt when it was created
 * @param updatedAt when it was last changed
 */
public record SubjectRecord(
    SubjectRef subject,
    String plan,
    Map<String, Long> overrides,
    boolean active,
    Instant createdAt,
    Instant updatedAt) {

  /** Validates the plan name and the overrides. */
  public SubjectRecord {
    Checks.id("plan", plan);
    overrides.forEach(
        (limit, amount) -> {
          Checks.id("override limit name", limit);
          Checks.nonNegative("override of limit " + Checks.show(limit), amount);
        });
    overrides = Map.copyOf(overrides);
  }

  /** A new, active subject on the given plan, with no overrides. */
  public static SubjectRecord create(SubjectRef subject, String plan, Instant now) {
    return new SubjectRecord(subject, plan, Map.of(), true, now, now);
  }

  /** The same subject on another plan. */
  public SubjectRecord withPlan(String newPlan, Instant now) {
    return new SubjectRecord(subject, newPlan, overrides, active, createdAt, now);
  }

  /** The same subject with other overrides. */
  public SubjectRecord withOverrides(Map<String, Long> newOverrides, Instant now) {
    return new SubjectRecord(subject, plan, newOverrides, active, createdAt, now);
  }

  /** The same subject, activated or deactivated. */
  public SubjectRecord withActive(boolean newActive, Instant now) {
    return new SubjectRecord(subject, plan, overrides, newActive, createdAt, now);
  }
}
