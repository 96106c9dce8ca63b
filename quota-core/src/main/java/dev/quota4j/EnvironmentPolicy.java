package dev.quota4j;

import dev.quota4j.internal.Checks;
import java.util.Map;

/**
 * A policy from environment variables with the names and defaults the seed services use:
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><th>variable</th><th>default</th><th>limit</th></tr>
 *   <tr><td>MAX_TOKENS_PER_PLANNING</td><td>8000</td><td>{@value #PLANNING_CAP}: tokens per
 *       {@code planning} call</td></tr>
 *   <tr><td>MAX_TOKENS_PER_AGENT_CALL</td><td>4000</td><td>{@value #AGENT_CALL_CAP}: tokens per
 *       {@code agent_call} call</td></tr>
 *   <tr><td>(both)</td><td></td><td>{@value #OTHER_CALL_CAP}: tokens per call of any other
 *       operation, or of none: the larger of the two, as the seed caps them</td></tr>
 *   <tr><td>MAX_STEPS_PER_WORKFLOW</td><td>20</td><td>{@value #WORKFLOW_STEPS}: calls per workflow
 *       other than planning</td></tr>
 *   <tr><td>MAX_TOKENS_PER_USER_PER_DAY</td><td>500000</td><td>{@value #USER_DAILY_TOKENS}</td></tr>
 *   <tr><td>MAX_REQUESTS_PER_USER_PER_DAY</td><td>100</td><td>{@value #USER_DAILY_REQUESTS}</td>
 *       </tr>
 *   <tr><td>MAX_TOKENS_PER_HOUR_SYSTEM_WIDE</td><td>1000000</td><td>{@value
 *       #SYSTEM_HOURLY_TOKENS}</td></tr>
 *   <tr><td>MAX_CONCURRENT_WORKFLOWS</td><td>10</td><td>{@value #CONCURRENT_WORKFLOWS}</td></tr>
 * </table>
 *
 * <p>User limits sit in the {@value QuotaPolicy#DEFAULT_PLAN} plan, so that a user's own daily
 * limit is an override of the same name. Each value must be a whole number greater than zero; a bad
 * value fails with a message naming the variable and the value.
 */
public final class EnvironmentPolicy {
  /** Per-request cap of planning calls. */
  public static final String PLANNING_CAP = "max-tokens-per-planning";

  /** Per-request cap of agent calls. */
  public static final String AGENT_CALL_CAP = "max-tokens-per-agent-call";

  /**
   * Per-request cap of calls of any operation other than {@code planning} and {@code agent_call},
   * or of none: the larger of their two caps, as the seed caps them.
   */
  public static final String OTHER_CALL_CAP = "max-tokens-per-call";

  /**
   * Steps per workflow: its calls other than {@code planning} (the seed's agent calls, one per step
   * of the plan); the planning call is not a step.
   */
  public static final String WORKFLOW_STEPS = "max-steps-per-workflow";

  /** Tokens per user per day. */
  public static final String USER_DAILY_TOKENS = "user-daily-tokens";

  /** Requests per user per day. */
  public static final String USER_DAILY_REQUESTS = "user-daily-requests";

  /**
   * Tokens per hour, system-wide. As in the seed, a call is admitted while any of the hour is left
   * ({@link Overshoot#ADMIT_IF_ANY}), so the hour may end over the limit by one call.
   */
  public static final String SYSTEM_HOURLY_TOKENS = "system-hourly-tokens";

  /** Workflows open at once, system-wide. */
  public static final String CONCURRENT_WORKFLOWS = "max-concurrent-workflows";

  private EnvironmentPolicy() {}

  /** A policy from this process's environment. */
  public static QuotaPolicy fromEnvironment() {
    return builderFrom(System.getenv()).build();
  }

  /** A policy builder from the given variables; add plans or limits before building. */
  public static QuotaPolicy.Builder builderFrom(Map<String, String> env) {
    long planning = read(env, "MAX_TOKENS_PER_PLANNING", 8000);
    long agentCall = read(env, "MAX_TOKENS_PER_AGENT_CALL", 4000);
    long steps = read(env, "MAX_STEPS_PER_WORKFLOW", 20);
    long userTokens = read(env, "MAX_TOKENS_PER_USER_PER_DAY", 500_000);
    long userRequests = read(env, "MAX_REQUESTS_PER_USER_PER_DAY", 100);
    long systemHourly = read(env, "MAX_TOKENS_PER_HOUR_SYSTEM_WIDE", 1_000_000);
    long concurrent = read(env, "MAX_CONCURRENT_WORKFLOWS", 10);
    return QuotaPolicy.builder()
        .plan(
            Plan.builder(QuotaPolicy.DEFAULT_PLAN)
                .limit(Limit.of(USER_DAILY_TOKENS, Metric.TOKENS, Window.DAY, userTokens))
                .limit(Limit.of(USER_DAILY_REQUESTS, Metric.REQUESTS, Window.DAY, userRequests))
                .build())
        .defaultPlan(QuotaPolicy.DEFAULT_PLAN)
        .limit(
            Limit.of(PLANNING_CAP, Metric.TOKENS, Window.PER_REQUEST, planning)
                .forOperations("planning"))
        .limit(
            Limit.of(AGENT_CALL_CAP, Metric.TOKENS, Window.PER_REQUEST, agentCall)
                .forOperations("agent_call"))
        .limit(
            Limit.of(
                    OTHER_CALL_CAP,
                    Metric.TOKENS,
                    Window.PER_REQUEST,
                    Math.max(planning, agentCall))
                .exceptOperations("planning", "agent_call"))
        .limit(
            Limit.of(SYSTEM_HOURLY_TOKENS, Metric.TOKENS, Window.HOUR, systemHourly)
                .appliesTo(SubjectKind.SYSTEM)
                // as the seed: the hour admits calls until it is full, not until the next call
                // would not fit
                .overshoot(Overshoot.ADMIT_IF_ANY))
        .limit(
            Limit.of(CONCURRENT_WORKFLOWS, Metric.REQUESTS, Window.CONCURRENT, concurrent)
                .appliesTo(SubjectKind.SYSTEM))
        .limit(
            Limit.of(WORKFLOW_STEPS, Metric.REQUESTS, Window.CONCURRENT, steps)
                .appliesTo(SubjectKind.WORKFLOW)
                .exceptOperations("planning"));
  }

  /** A policy from the given variables. */
  public static QuotaPolicy from(Map<String, String> env) {
    return builderFrom(env).build();
  }

  private static long read(Map<String, String> env, String name, long defaultValue) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(raw.strip().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "environment variable " + name + " must be a whole number, was " + Checks.show(raw), e);
    }
    if (value <= 0) {
      throw new IllegalArgumentException(
          "environment variable " + name + " must be greater than zero, was " + Checks.show(raw));
    }
    return value;
  }
}
