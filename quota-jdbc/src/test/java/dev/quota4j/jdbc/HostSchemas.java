package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import java.util.ArrayList;
import java.util.List;

/** What the host-migration tests share: the versions expected, a store used, the clean-up. */
final class HostSchemas {
  private HostSchemas() {}

  /** The schema versions of {@code db}'s dialect, as the store's own installer lists them. */
  static List<Integer> versions(TestDatabase db) {
    return SchemaInstaller.versions(db.dialect().sql(new Tables(db.prefix)));
  }

  /**
   * Builds a store on the migrated tables with the default {@link SchemaMode#VALIDATE} (every
   * version recorded, every table and function there) and admits, commits and denies through it.
   */
  static void storeWorks(TestDatabase db) {
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder().dataSource(db.dataSource).tablePrefix(db.prefix).build()) {
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
      QuotaDecision second = quotas.tryReserve(UsageRequest.forUser("u-1").estimatedTokens(40, 20));
      assertFalse(second.allowed(), "60 of 100 used: 60 more do not fit");
      assertEquals(
          60, db.queryLong("SELECT SUM(used) FROM " + new Tables(db.prefix).counters), "counted");
    }
  }

  /** Drops quota4j's tables and functions and the host's tables of {@code db}. */
  static void drop(TestDatabase db, String... hostTables) {
    List<String> drops = new ArrayList<>();
    for (String t : hostTables) {
      drops.add("DROP TABLE IF EXISTS " + t);
    }
    db.exec(drops);
    db.dropTables();
  }
}
