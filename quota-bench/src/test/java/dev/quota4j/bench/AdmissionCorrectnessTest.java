package dev.quota4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The benchmark harness's over-admission check, fast: demand exceeds one limit at a time, 8 threads
 * ask at once, and both sides must admit exactly up to the limit and never beyond. In memory and on
 * H2 always; on PostgreSQL when {@code QUOTA4J_TEST_POSTGRES_URL} is set. The throughput runs
 * themselves never run in the build.
 */
class AdmissionCorrectnessTest {
  private static final int THREADS = 8;

  private static void assertExact(List<Correctness.Outcome> outcomes) {
    assertEquals(Correctness.scenarios().size(), outcomes.size());
    for (Correctness.Outcome o : outcomes) {
      assertTrue(o.exact(), o::toString);
    }
  }

  @Test
  void quota4jInMemoryAdmitsExactlyUpToTheLimit() throws Exception {
    assertExact(
        Correctness.run(
            w -> new Quota4jAdmitter(new InMemoryQuotaStore(), w, Correctness.clock()), THREADS));
  }

  @Test
  void quota4jInMemoryCountersOnlyAdmitsExactlyUpToTheLimit() throws Exception {
    assertExact(
        Correctness.run(
            w ->
                new Quota4jAdmitter(
                    InMemoryAdmission.countersOnly(), w, Correctness.clock(), "quota4j-counters"),
            THREADS));
  }

  @Test
  void bucket4jLocalAdmitsExactlyUpToTheLimit() throws Exception {
    assertExact(Correctness.run(w -> Bucket4jAdmitter.local(w, Correctness.clock()), THREADS));
  }

  @Test
  void quota4jOnH2AdmitsExactlyUpToTheLimit() throws Exception {
    try (BenchDatabase db =
        new BenchDatabase("h2", "jdbc:h2:mem:admission_test;DB_CLOSE_DELAY=-1", THREADS)) {
      assertExact(
          Correctness.run(
              w -> new Quota4jAdmitter(db.quotaStore(db.pool), w, Correctness.clock()), THREADS));
    }
  }

  @Test
  @EnabledIfEnvironmentVariable(named = "QUOTA4J_TEST_POSTGRES_URL", matches = ".+")
  void bothOnPostgresAdmitExactlyUpToTheLimit() throws Exception {
    try (BenchDatabase db =
        new BenchDatabase("postgresql", System.getenv("QUOTA4J_TEST_POSTGRES_URL"), THREADS)) {
      assertExact(
          Correctness.run(
              w -> new Quota4jAdmitter(db.quotaStore(db.pool), w, Correctness.clock()), THREADS));
      assertExact(
          Correctness.run(
              w -> {
                try {
                  return Bucket4jAdmitter.proxied(
                      w, Correctness.clock(), db.bucketProxies(db.pool, Correctness.clock()));
                } catch (java.sql.SQLException e) {
                  throw new IllegalStateException(e);
                }
              },
              THREADS));
    }
  }

  /** The counting wrapper sees what the sides send: 2 transactions per quota4j admission. */
  @Test
  void quota4jAdmissionIsTwoTransactionsOnH2() throws Exception {
    try (BenchDatabase db =
        new BenchDatabase("h2", "jdbc:h2:mem:admission_count;DB_CLOSE_DELAY=-1", 2)) {
      CountingDataSource counting = new CountingDataSource(db.pool);
      Quota4jAdmitter q =
          new Quota4jAdmitter(db.quotaStore(counting), Workload.throughput(), Correctness.clock());
      assertTrue(q.admit("u-1")); // creates the subject and the counters
      counting.reset();
      for (int i = 0; i < 10; i++) {
        assertTrue(q.admit("u-1"));
      }
      assertEquals(20, counting.transactions());
    }
  }
}
