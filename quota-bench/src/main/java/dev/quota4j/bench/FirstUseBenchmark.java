package dev.quota4j.bench;

import dev.quota4j.tokens.JtokkitTokenCounter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency of the first count in a fresh JVM: loading quota4j's and jtokkit's classes, reading
 * and indexing one encoding's vocabulary, and counting "hello world" with cold code. Every fork is
 * a new JVM and measures one call.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(10)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class FirstUseBenchmark {

  @Benchmark
  public long firstCountO200k() {
    return JtokkitTokenCounter.openAi().count("hello world", "gpt-4o");
  }

  @Benchmark
  public long firstCountCl100k() {
    return JtokkitTokenCounter.openAi().count("hello world", "gpt-4");
  }
}
