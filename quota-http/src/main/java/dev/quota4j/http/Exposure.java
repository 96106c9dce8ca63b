package dev.quota4j.http;

import dev.quota4j.SubjectKind;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which subjects' limits an HTTP answer may show to the caller. A caller may see the numbers of its
 * own limits (its user, API key or anonymous session); the limits of the service as a whole ({@link
 * SubjectKind#SYSTEM}), of an upstream provider key and of a tenant are the service's business: an
 * answer names neither them nor their amounts, and says only that the service is busy and when to
 * retry.
 *
 * @param visible the subject kinds whose limit names and amounts are shown
 */
public record Exposure(Set<SubjectKind> visible) {

  /** The caller's own limits: {@code USER}, {@code API_KEY}, {@code ANONYMOUS}. */
  public static final Exposure CALLER =
      new Exposure(EnumSet.of(SubjectKind.USER, SubjectKind.API_KEY, SubjectKind.ANONYMOUS));

  /** Copies the set. */
  public Exposure {
    visible = Set.copyOf(visible);
  }

  /** Whether limits of {@code kind} may be shown. */
  public boolean shows(SubjectKind kind) {
    return visible.contains(kind);
  }
}
