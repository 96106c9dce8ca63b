package dev.quota4j.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.quota4j.tokens.JtokkitTokenCounter;
import dev.quota4j.tokens.TokenCounter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fixed cost of one call, on a two-token prompt where it weighs most: quota4j's argument checks
 * and model lookup against jtokkit alone. A model the table knows (gpt-4o), one it knows late in
 * its list (text-embedding-3-small), and one it resolves after its provider prefix are compared.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CallOverheadBenchmark {
  private final String text = "hello world";
  private final TokenCounter counter = JtokkitTokenCounter.openAi();
  private final Encoding jtokkit =
      Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  @Benchmark
  public long jtokkitDirect() {
    return jtokkit.countTokensOrdinary(text);
  }

  @Benchmark
  public long quota4jGpt4o() {
    return counter.count(text, "gpt-4o");
  }

  @Benchmark
  public long quota4jProviderPrefixed() {
    return counter.count(text, "openai/gpt-4o-mini");
  }

  @Benchmark
  public long quota4jClaudeApproximation() {
    return counter.count(text, "claude-sonnet-4-5");
  }
}
