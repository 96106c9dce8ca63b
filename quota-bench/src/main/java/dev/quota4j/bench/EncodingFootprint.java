package dev.quota4j.bench;

import dev.quota4j.tokens.ModelEncodings;
import dev.quota4j.tokens.TokenCounter;
import dev.quota4j.tokens.TokenEncoding;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

/**
 * Prints the heap that each encoding keeps once loaded, and how long its first count took, in this
 * JVM. Heap is measured after full collections before and after loading, so it is what stays
 * reachable, not what loading allocated on the way. Run it in a fresh JVM:
 *
 * <pre>java -cp quota-bench/target/benchmarks.jar dev.quota4j.bench.EncodingFootprint</pre>
 */
public final class EncodingFootprint {
  /** Keeps results alive so that no work is optimized away. */
  static volatile long sink;

  private EncodingFootprint() {}

  public static void main(String[] args) {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    // load the library's own classes first, so that only the vocabulary is measured
    sink = TokenCounter.characters("warm up") + ModelEncodings.openAi().asMap().size();
    for (TokenEncoding e :
        new TokenEncoding[] {TokenEncoding.O200K_BASE, TokenEncoding.CL100K_BASE}) {
      long before = usedAfterGc(memory);
      long start = System.nanoTime();
      long tokens = e.count("hello world");
      long nanos = System.nanoTime() - start;
      long after = usedAfterGc(memory);
      System.out.printf(
          Locale.ROOT,
          "%s: first count %.0f ms, retained heap %.1f MiB (%d tokens)%n",
          e.encodingName(),
          nanos / 1e6,
          (after - before) / (1024.0 * 1024.0),
          tokens);
    }
  }

  private static long usedAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
