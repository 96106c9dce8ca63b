package dev.quota4j.jdbc;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A host's program that passes its own {@code DataSource}, run by {@link WithoutJdbiAndHikariTest}
 * in a JVM whose class path lacks Jdbi and HikariCP. It names neither library, as such a host would
 * not. Prints one line per step; exit status 0 only when every step did what it should.
 */
final class WithoutJdbiAndHikari {
  private WithoutJdbiAndHikari() {}

  public static void main(String[] args) throws Exception {
    for (String absent : List.of("org.jdbi.v3.core.Jdbi", "com.zaxxer.hikari.HikariDataSource")) {
      try {
        Class.forName(absent);
        System.out.println("on the class path: " + absent);
        System.exit(2);
      } catch (ClassNotFoundException expected) {
        System.out.println("not on the class path: " + absent);
      }
    }

    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + args[0] + ";DB_CLOSE_DELAY=-1");
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder().dataSource(ds).schemaMode(SchemaMode.INSTALL).build()) {
      QuotaManager quotas =
          QuotaManager.builder()
              .store(store)
              .policy(
                  QuotaPolicy.builder()
                      .plan(
                          Plan.builder("free")
                              .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 100))
                              .build())
                      .build())
              .build();
      try (Reservation r = quotas.reserve(UsageRequest.forUser("u-1").estimatedTokens(40, 20))) {
        r.commit(Usage.of(40, 20));
      }
      System.out.println("first call committed: " + store.toString());
      QuotaDecision second = quotas.tryReserve(UsageRequest.forUser("u-1").estimatedTokens(40, 20));
      if (second.allowed()) {
        System.out.println("second call admitted beyond the limit");
        System.exit(3);
      }
      System.out.println("second call denied: " + second.denial().code());
    }

    try {
      JdbcQuotaStore unused = JdbcQuotaStore.builder().url("jdbc:h2:mem:" + args[0]).build();
      System.out.println("url() built a store without HikariCP: " + unused);
      System.exit(4);
    } catch (IllegalStateException expected) {
      System.out.println("url() without HikariCP: " + expected.getMessage());
    }
  }
}
