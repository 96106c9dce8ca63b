package dev.quota4j;

/**
 * The stable codes a {@link QuotaDenial} carries. Codes of window limits that none of these names
 * follow the general form {@code <WINDOW>_<METRIC>_QUOTA_EXCEEDED} (for example {@code
 * MONTHLY_COST_QUOTA_EXCEEDED}), and {@code SYSTEM_<WINDOW>_LIMIT_EXCEEDED} for system limits.
 */
public final class DenialCodes {
  /** The subject is not in the directory and unknown subjects are denied. */
  public static final String USER_NOT_FOUND = "USER_NOT_FOUND";

  /** The subject is deactivated. */
  public static final String USER_INACTIVE = "USER_INACTIVE";

  /**
   * An API key, provider key or tenant that the request names besides its own subject is
   * deactivated; the denial's {@link QuotaDenial#subject() subject} says which.
   */
  public static final String SUBJECT_INACTIVE = "SUBJECT_INACTIVE";

  /** A daily token limit. */
  public static final String DAILY_TOKEN_QUOTA_EXCEEDED = "DAILY_TOKEN_QUOTA_EXCEEDED";

  /** A daily request limit. */
  public static final String DAILY_REQUEST_QUOTA_EXCEEDED = "DAILY_REQUEST_QUOTA_EXCEEDED";

  /** The system-wide hourly limit. */
  public static final String SYSTEM_HOURLY_LIMIT_EXCEEDED = "SYSTEM_HOURLY_LIMIT_EXCEEDED";

  /** A per-request cap. */
  public static final String REQUEST_TOKEN_LIMIT_EXCEEDED = "REQUEST_TOKEN_LIMIT_EXCEEDED";

  /** The plan does not include the operation or model; an upgrade may help. */
  public static final String FEATURE_NOT_IN_PLAN = "FEATURE_NOT_IN_PLAN";

  /** The workflow has made as many steps as it may. */
  public static final String WORKFLOW_STEP_LIMIT_EXCEEDED = "WORKFLOW_STEP_LIMIT_EXCEEDED";

  /** Too many workflows run at once. */
  public static final String CONCURRENT_WORKFLOW_LIMIT_EXCEEDED =
      "CONCURRENT_WORKFLOW_LIMIT_EXCEEDED";

  /** Too many calls of the subject are in flight at once (an {@link Window#IN_FLIGHT} limit). */
  public static final String CONCURRENT_REQUESTS_EXCEEDED = "CONCURRENT_REQUESTS_EXCEEDED";

  /**
   * The model has no price and unknown models are denied; also a call that names no model, has no
   * price and is counted by a COST limit.
   */
  public static final String UNKNOWN_MODEL_PRICE = "UNKNOWN_MODEL_PRICE";

  private DenialCodes() {}

  /** The code of a stored or per-request limit, following the general form. */
  public static String forLimit(SubjectKind kind, Metric metric, Window window) {
    if (window == Window.PER_REQUEST) {
      return metric == Metric.TOKENS
          ? REQUEST_TOKEN_LIMIT_EXCEEDED
          : "REQUEST_" + unit(metric) + "_LIMIT_EXCEEDED";
    }
    if (window == Window.IN_FLIGHT) {
      return CONCURRENT_REQUESTS_EXCEEDED;
    }
    if (window == Window.CONCURRENT) {
      return kind == SubjectKind.WORKFLOW
          ? WORKFLOW_STEP_LIMIT_EXCEEDED
          : CONCURRENT_WORKFLOW_LIMIT_EXCEEDED;
    }
    String period =
        switch (window) {
          case HOUR -> "HOURLY";
          case DAY -> "DAILY";
          case WEEK -> "WEEKLY";
          default -> "MONTHLY";
        };
    if (kind == SubjectKind.SYSTEM) {
      return "SYSTEM_" + period + "_LIMIT_EXCEEDED";
    }
    return period + "_" + unit(metric) + "_QUOTA_EXCEEDED";
  }

  private static String unit(Metric metric) {
    return switch (metric) {
      case TOKENS -> "TOKEN";
      case INPUT_TOKENS -> "INPUT_TOKEN";
      case OUTPUT_TOKENS -> "OUTPUT_TOKEN";
      case REQUESTS -> "REQUEST";
      case CHARACTERS -> "CHARACTER";
      case COST -> "COST";
    };
  }
}
