package dev.quota4j.bench;

/**
 * The admission of one LLM call, as both libraries are asked to do it: a user's daily tokens, the
 * same user's daily requests and the system's hourly tokens are checked against an estimate of
 * {@code inputTokens + maxOutputTokens} tokens (and one request), then reconciled to the actual
 * {@code inputTokens + actualOutputTokens}.
 *
 * @param userDailyTokens the limit of each user's tokens per UTC day
 * @param userDailyRequests the limit of each user's requests per UTC day
 * @param systemHourlyTokens the limit of everyone's tokens per UTC hour
 * @param inputTokens the prompt's tokens (estimated and actual)
 * @param maxOutputTokens the output tokens the estimate allows for
 * @param actualOutputTokens the output tokens the call really produced
 */
public record Workload(
    long userDailyTokens,
    long userDailyRequests,
    long systemHourlyTokens,
    long inputTokens,
    long maxOutputTokens,
    long actualOutputTokens) {

  /**
   * So high that nothing is denied during a run (the steady state is "admitted"): 3 x 10^12, 2
   * billion calls of 1,500 tokens. Bucket4j refills at most one token per nanosecond, so an hourly
   * bucket holds at most 3.6 x 10^12.
   */
  static final long NEVER_REACHED = 3_000_000_000_000L;

  /**
   * The throughput workload: an estimate of 1,500 tokens (1,000 in, at most 500 out) reconciled to
   * 1,200 (200 out), so that every admission gives 300 tokens back; limits never reached.
   */
  public static Workload throughput() {
    return new Workload(NEVER_REACHED, NEVER_REACHED, NEVER_REACHED, 1_000, 500, 200);
  }

  /** Tokens of the estimate. */
  public long estimatedTokens() {
    return inputTokens + maxOutputTokens;
  }

  /** Tokens really used. */
  public long actualTokens() {
    return inputTokens + actualOutputTokens;
  }
}
