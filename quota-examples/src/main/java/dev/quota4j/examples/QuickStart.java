package dev.quota4j.examples;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.examples.FakeLlm.ChatResult;
import dev.quota4j.memory.InMemoryQuotaStore;
import java.io.PrintStream;

/** The README's quick start, compiled and run by {@code ReadmeTest}. */
public final class QuickStart {
  private QuickStart() {}

  /** Runs the quick start, printing what happened to {@code out}. */
  public static void run(PrintStream out) {
    FakeLlm llm = new FakeLlm(Tokens.COUNTER, "gpt-4o");
    String prompt = "Plan a three-step research task about solar panels.";
    // README-START quick-start
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore()) // JdbcQuotaStore when instances share a database
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 2_500))
                            .build())
                    .build())
            .build();

    for (int call = 1; call <= 3; call++) {
      try (Reservation r =
          quotas.reserve(
              UsageRequest.forUser("u-42")
                  .operation("planning")
                  .model("gpt-4o")
                  .estimatedTokens(prompt, 1_000))) {
        ChatResult answer = llm.call(prompt, r.grantedMaxOutputTokens());
        r.commit(Usage.of(answer.promptTokens(), answer.completionTokens()));
        out.println("call " + call + ": used " + answer.totalTokens() + " tokens");
      } catch (QuotaExceededException e) {
        QuotaDenial d = e.denial(); // which limit, what is left, when it resets
        out.printf("call %d: %s, %d left until %s%n", call, d.code(), d.remaining(), d.resetsAt());
      }
    }
    // README-END
  }

  /** Runs the quick start on standard output. */
  public static void main(String[] args) {
    run(System.out);
  }
}
