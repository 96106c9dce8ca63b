package dev.quota4j;

import dev.quota4j.internal.Saturated;
import dev.quota4j.internal.Windows;
import dev.quota4j.spi.SubjectRecord;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Temporary increases: overrides keyed {@code "<limit name>@<window start>"} whose value is added
 * to the limit in force, in that window only. {@link QuotaAdmin} writes them; {@link
 * SubjectResolver} folds those of the current windows into a subject's overrides ({@link #apply}).
 */
final class TemporaryIncreases {
  private TemporaryIncreases() {}

  /** Separates a limit name from a window start in a temporary-increase override key. */
  static final char SEPARATOR = '@';

  /**
   * The override key of a temporary increase of {@code limitName} in the window from {@code start}.
   */
  static String key(String limitName, Instant windowStart) {
    return limitName + SEPARATOR + windowStart;
  }

  /** A temporary-increase key split into limit name and window start; null for a plain override. */
  static Map.@Nullable Entry<String, Instant> parse(String key) {
    int at = key.lastIndexOf(SEPARATOR);
    if (at <= 0 || at == key.length() - 1) {
      return null;
    }
    try {
      return Map.entry(key.substring(0, at), Instant.parse(key.substring(at + 1)));
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** The limit called {@code name} among the plan's limits and then the policy's own. */
  static @Nullable Limit limitNamed(QuotaPolicy policy, @Nullable Plan plan, String name) {
    if (plan != null) {
      Limit l = plan.limit(name);
      if (l != null) {
        return l;
      }
    }
    for (Limit l : policy.limits()) {
      if (l.name().equals(name)) {
        return l;
      }
    }
    return null;
  }

  /** The start of {@code limit}'s window at {@code now}; null when the window is not calendar. */
  static @Nullable Instant currentWindowStart(QuotaPolicy policy, Limit limit, Instant now) {
    if (!limit.window().isCalendar()) {
      return null;
    }
    ZoneId zone = limit.zone() != null ? limit.zone() : policy.zone();
    return Windows.start(limit.window(), now, zone, limit.resetOffset());
  }

  /**
   * The record with the temporary increases of the current windows added to its overrides, and
   * every temporary-increase key removed; the record itself when it has none.
   */
  static @Nullable SubjectRecord apply(
      QuotaPolicy policy, @Nullable SubjectRecord rec, @Nullable Plan plan, Instant now) {
    if (rec == null) {
      return null;
    }
    boolean any = false;
    for (String k : rec.overrides().keySet()) {
      if (k.indexOf(SEPARATOR) >= 0 && parse(k) != null) {
        any = true;
        break;
      }
    }
    if (!any) {
      return rec;
    }
    Map<String, Long> plain = new java.util.HashMap<>();
    Map<String, Long> extra = new java.util.HashMap<>();
    rec.overrides()
        .forEach(
            (k, v) -> {
              Map.@Nullable Entry<String, Instant> w = k.indexOf(SEPARATOR) >= 0 ? parse(k) : null;
              if (w == null) {
                plain.put(k, v);
                return;
              }
              Limit limit = limitNamed(policy, plan, w.getKey());
              if (limit != null && w.getValue().equals(currentWindowStart(policy, limit, now))) {
                extra.merge(w.getKey(), v, Saturated::add);
              }
            });
    extra.forEach(
        (name, more) -> {
          Limit limit = java.util.Objects.requireNonNull(limitNamed(policy, plan, name));
          long base = plain.getOrDefault(name, limit.amount());
          plain.put(name, Saturated.add(base, more));
        });
    return rec.withOverrides(plain, rec.updatedAt());
  }
}
