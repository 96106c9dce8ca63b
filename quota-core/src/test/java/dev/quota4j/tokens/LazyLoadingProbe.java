package dev.quota4j.tokens;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Run by {@link TokenEncodingTest} in a fresh JVM: prints what was loaded before and after. */
final class LazyLoadingProbe {
  private LazyLoadingProbe() {}

  public static void main(String[] args) throws Exception {
    String before = loaded();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    Set<Long> counts = new TreeSet<>();
    try {
      List<Callable<Long>> tasks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        tasks.add(() -> JtokkitTokenCounter.openAi().count("hello world", "gpt-4o"));
      }
      for (Future<Long> f : pool.invokeAll(tasks)) {
        counts.add(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("before: " + before + "; after: " + loaded() + "; counts=" + counts);
  }

  private static String loaded() {
    return "cl100k="
        + SharedEncodings.isLoaded(TokenEncoding.CL100K_BASE)
        + " o200k="
        + SharedEncodings.isLoaded(TokenEncoding.O200K_BASE);
  }
}
