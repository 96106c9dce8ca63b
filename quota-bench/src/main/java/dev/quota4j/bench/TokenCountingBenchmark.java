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
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Counting 1 KB, 10 KB and 100 KB of mixed text for gpt-4o: through {@link TokenCounter} (model
 * lookup, argument checks, lone-surrogate scan) against jtokkit's {@code countTokensOrdinary}
 * called directly. The difference is quota4j's overhead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TokenCountingBenchmark {

  @Param({"1024", "10240", "102400"})
  public int bytes;

  private String text = "";
  private final TokenCounter counter = JtokkitTokenCounter.openAi();
  private final Encoding jtokkit =
      Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  @Setup(Level.Trial)
  public void setUp() {
    text = MixedText.ofUtf8Bytes(bytes);
    long ours = counter.count(text, "gpt-4o");
    long theirs = jtokkit.countTokensOrdinary(text);
    if (ours != theirs) {
      throw new IllegalStateException("counts differ: " + ours + " vs " + theirs);
    }
  }

  @Benchmark
  public long quota4jTokenCounter() {
    return counter.count(text, "gpt-4o");
  }

  @Benchmark
  public long jtokkitDirect() {
    return jtokkit.countTokensOrdinary(text);
  }
}
