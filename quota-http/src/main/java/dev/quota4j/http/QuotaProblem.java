package dev.quota4j.http;

import dev.quota4j.DenialCodes;
import dev.quota4j.QuotaDenial;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A denial as an RFC 9457 problem detail ({@code application/problem+json}) that is safe to send to
 * the caller: the stable {@code code}, and for the caller's own limits the limit's name, what is
 * left, when it resets and whether an upgrade helps. It never carries the subject id or the
 * internal message; a denial by a limit the {@link Exposure} hides (the system's, a provider key's,
 * a tenant's) says only that the service is busy and when to retry.
 *
 * @param status the HTTP status: 404 for an unknown user, 403 for an inactive subject or a feature
 *     outside the plan, 413 for a call larger than a per-request cap, 429 otherwise
 * @param type the problem type: {@code typeBase} plus the code in lower case, or {@code
 *     about:blank} when no base is given
 * @param title a short, fixed summary for the status
 * @param detail a sentence for a person, with no subject id and no hidden figures
 * @param properties the extension members, in order: {@code code}, and where shown {@code limit},
 *     {@code metric}, {@code window}, {@code limitAmount}, {@code requested}, {@code remaining};
 *     then {@code resetsAt} (ISO-8601), {@code retryAfterSeconds}, {@code upgradeAvailable} and
 *     {@code upgradePlans}
 */
public record QuotaProblem(
    int status, URI type, String title, String detail, Map<String, Object> properties) {

  /** Copies the properties, keeping their order. */
  public QuotaProblem {
    properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
  }

  /** The problem of {@code denial} for the caller's own limits, with {@code about:blank} types. */
  public static QuotaProblem of(QuotaDenial denial, Clock clock) {
    return of(denial, clock, Exposure.CALLER, null);
  }

  /**
   * The problem of {@code denial}.
   *
   * @param exposure whose limits may be named
   * @param typeBase the base URI of problem types (such as {@code
   *     https://api.example.com/problems/}); null for {@code about:blank}
   */
  public static QuotaProblem of(
      QuotaDenial denial, Clock clock, Exposure exposure, @Nullable URI typeBase) {
    Instant now = clock.instant();
    int status = status(denial.code());
    URI type =
        typeBase == null
            ? URI.create("about:blank")
            : typeBase.resolve(denial.code().toLowerCase(Locale.ROOT).replace('_', '-'));
    boolean shown = denial.limitName() != null && exposure.shows(denial.subject().kind());
    boolean hidden = denial.limitName() != null && !shown;
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("code", denial.code());
    if (shown) {
      p.put("limit", denial.limitName());
      if (denial.metric() != null) {
        p.put("metric", denial.metric().name().toLowerCase(Locale.ROOT));
      }
      if (denial.window() != null) {
        p.put("window", denial.window().name().toLowerCase(Locale.ROOT));
      }
      p.put("limitAmount", denial.limit());
      p.put("requested", denial.requested());
      p.put("remaining", denial.remaining());
    }
    Duration retry = RateLimitHeaders.retryAfter(denial, now);
    if (denial.resetsAt() != null) {
      p.put("resetsAt", denial.resetsAt().toString());
    }
    if (retry != null) {
      p.put("retryAfterSeconds", RateLimitHeaders.seconds(retry));
    }
    if (!hidden) {
      p.put("upgradeAvailable", denial.requiresUpgrade());
      if (!denial.upgradePlans().isEmpty()) {
        p.put("upgradePlans", denial.upgradePlans());
      }
    }
    return new QuotaProblem(status, type, title(status), detail(denial, shown, hidden, retry), p);
  }

  /** The HTTP status of a denial code. */
  public static int status(String code) {
    return switch (code) {
      case DenialCodes.USER_NOT_FOUND -> 404;
      case DenialCodes.USER_INACTIVE,
          DenialCodes.SUBJECT_INACTIVE,
          DenialCodes.FEATURE_NOT_IN_PLAN,
          DenialCodes.UNKNOWN_MODEL_PRICE ->
          403;
      case DenialCodes.REQUEST_TOKEN_LIMIT_EXCEEDED -> 413;
      default -> 429;
    };
  }

  private static String title(int status) {
    return switch (status) {
      case 404 -> "Not Found";
      case 403 -> "Forbidden";
      case 413 -> "Content Too Large";
      default -> "Too Many Requests";
    };
  }

  private static String detail(
      QuotaDenial d, boolean shown, boolean hidden, @Nullable Duration retry) {
    String when = retry == null ? "" : " Retry in " + RateLimitHeaders.seconds(retry) + " s.";
    if (hidden) {
      return "The service is at capacity." + when;
    }
    if (shown) {
      String upgrade = d.requiresUpgrade() ? " Another plan allows this call." : "";
      return "Limit '"
          + d.limitName()
          + "' allows "
          + d.limit()
          + "; "
          + d.remaining()
          + " left, "
          + d.requested()
          + " requested."
          + when
          + upgrade;
    }
    return switch (d.code()) {
      case DenialCodes.USER_NOT_FOUND -> "The user is not known.";
      case DenialCodes.USER_INACTIVE, DenialCodes.SUBJECT_INACTIVE -> "The account is inactive.";
      case DenialCodes.FEATURE_NOT_IN_PLAN ->
          d.requiresUpgrade()
              ? "This feature is not in the current plan; another plan allows it."
              : "This feature is not in the current plan.";
      default -> "The call was denied (" + d.code() + ")." + when;
    };
  }

  /** The problem as JSON, with {@code type}, {@code title}, {@code status} and {@code detail}. */
  public String toJson() {
    StringBuilder b = new StringBuilder("{");
    member(b, "type", type.toString());
    member(b, "title", title);
    member(b, "status", status);
    member(b, "detail", detail);
    properties.forEach((k, v) -> member(b, k, v));
    return b.append('}').toString();
  }

  /** The members a {@code ProblemDetail} or any JSON writer takes as they are. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type.toString());
    m.put("title", title);
    m.put("status", status);
    m.put("detail", detail);
    m.putAll(properties);
    return Collections.unmodifiableMap(m);
  }

  private static void member(StringBuilder b, String name, Object value) {
    if (b.length() > 1) {
      b.append(',');
    }
    string(b, name);
    b.append(':');
    value(b, value);
  }

  private static void value(StringBuilder b, Object v) {
    if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof List<?> list) {
      b.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        value(b, String.valueOf(list.get(i)));
      }
      b.append(']');
    } else {
      string(b, String.valueOf(v));
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
