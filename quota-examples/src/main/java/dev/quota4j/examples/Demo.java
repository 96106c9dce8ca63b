package dev.quota4j.examples;

import dev.quota4j.DenialCodes;
import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.LimitStatus;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.testing.MutableClock;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * The demo the README runs: reserves, commits, is denied, and prints what happened and where each
 * limit stands.
 */
public final class Demo {
  private Demo() {}

  /** Runs the demo, printing to {@code out}. Returns how many calls were denied. */
  public static int run(PrintStream out) {
    MutableClock clock = MutableClock.at("2026-11-25T09:00:00Z");
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .policy(
                EnvironmentPolicy.from(
                    Map.of(
                        "MAX_TOKENS_PER_USER_PER_DAY",
                        "6000",
                        "MAX_REQUESTS_PER_USER_PER_DAY",
                        "5")))
            .clock(clock)
            .defaultLogging(false)
            .build();
    FakeLlm llm = new FakeLlm(Tokens.COUNTER, "gpt-4o");
    String prompt = "Summarise the quarterly report for the board in five bullet points.";
    int denied = 0;
    for (int i = 1; i <= 7; i++) {
      String operation = i == 4 ? "planning" : "agent_call";
      long maxOutput = i == 4 ? 9_000 : 1_200;
      QuotaDecision d =
          quotas.tryReserve(
              UsageRequest.forUser("alice")
                  .operation(operation)
                  .model("gpt-4o")
                  .estimatedTokens(prompt, maxOutput));
      if (!d.allowed()) {
        denied++;
        out.printf(
            Locale.ROOT,
            "%s call %d (%s): DENIED %s - %s%n",
            clock.instant(),
            i,
            operation,
            d.denial().code(),
            d.denial().message());
      } else {
        try (Reservation r = d.reservation()) {
          FakeLlm.ChatResult answer = llm.call(prompt, r.grantedMaxOutputTokens());
          r.commit(Usage.of(answer.promptTokens(), answer.completionTokens()));
          out.printf(
              Locale.ROOT,
              "%s call %d (%s): reserved %d, committed %d tokens%n",
              clock.instant(),
              i,
              operation,
              r.estimatedInputTokens() + r.grantedMaxOutputTokens(),
              answer.totalTokens());
        }
      }
      clock.advance(java.time.Duration.ofMinutes(20));
    }
    out.println();
    out.println("Status of user alice:");
    for (LimitStatus s : quotas.status(SubjectRef.user("alice")).limits()) {
      out.printf(
          Locale.ROOT,
          "  %-28s used %7d of %7d  %5.1f%%  %-8s resets %s%n",
          s.limitName(),
          s.used(),
          s.limit(),
          s.percent(),
          s.level(),
          s.resetsAt() == null ? "-" : s.resetsAt());
    }
    out.println(
        "Denied calls: " + denied + " (codes from " + DenialCodes.class.getSimpleName() + ")");
    return denied;
  }

  /** Runs the demo on standard output. */
  public static void main(String[] args) {
    run(System.out);
  }
}
