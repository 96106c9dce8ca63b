package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Clear errors from a real server: wrong credentials, and the server going away mid-run. */
abstract class ServerFailureTestBase {
  static final Instant T0 = Instant.parse("2026-11-25T10:15:00Z");
  static final Pattern HOST_PORT = Pattern.compile("//([^:/?]+):(\\d+)");

  abstract TestDatabase.Kind kind();

  /** The URL with the user replaced by one that does not exist, and a password. */
  abstract String withWrongUser(String url);

  @Test
  void wrongCredentialsFailTheBuildWithTheReasonAndWithoutThePassword() {
    String bad = withWrongUser(TestDatabase.url(kind()));
    QuotaStoreUnavailableException e =
        assertThrows(
            QuotaStoreUnavailableException.class,
            () ->
                JdbcQuotaStore.builder().url(bad).connectionTimeout(Duration.ofSeconds(3)).build());
    assertTrue(e.getMessage().startsWith("cannot connect to "), e.getMessage());
    assertTrue(e.getMessage().contains("quota4j_nobody"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
  }

  @Test
  void aMissingSchemaIsNamedAtBuildTime() {
    String prefix = TestDatabase.uniquePrefix();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                JdbcQuotaStore.builder().url(TestDatabase.url(kind())).tablePrefix(prefix).build());
    assertTrue(e.getMessage().contains("table " + prefix + "schema_version"), e.getMessage());
    assertTrue(e.getMessage().contains("SchemaMode.INSTALL"), e.getMessage());
  }

  @Test
  void aServerThatGoesAwayMidRunGivesUnavailableNotADenialAndNothingPartial() throws Exception {
    try (TestDatabase db = TestDatabase.open(kind(), 2)) {
      db.store().close();
      Matcher m = HOST_PORT.matcher(db.url);
      assertTrue(m.find(), db.url);
      TcpProxy proxy = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)), 0);
      int port = proxy.port();
      String viaProxy = m.replaceFirst("//127.0.0.1:" + port);
      Charge c =
          new Charge(
              new CounterKey(
                  "user-daily", SubjectRef.user("u"), Instant.parse("2026-11-25T00:00:00Z")),
              100,
              1_000,
              Admission.FIT,
              Instant.parse("2026-11-26T00:00:00Z"));
      try (JdbcQuotaStore store =
          JdbcQuotaStore.builder()
              .url(viaProxy)
              .tablePrefix(db.prefix)
              .maxPoolSize(2)
              .connectionTimeout(Duration.ofSeconds(1))
              .build()) {
        assertInstanceOf(
            ReserveResult.Granted.class, store.reserve("r1", List.of(c), T0, T0.plusSeconds(60)));

        proxy.close(); // the database goes away
        QuotaStoreUnavailableException down =
            assertThrows(
                QuotaStoreUnavailableException.class,
                () -> store.reserve("r2", List.of(c), T0, T0.plusSeconds(60)));
        assertTrue(down.getMessage().contains("cannot reach the database"), down.getMessage());
        assertThrows(
            QuotaStoreUnavailableException.class,
            () ->
                store.commit(
                    "r1",
                    List.of(c),
                    UsageEvent.builder("e1", T0, EventStatus.SUCCESS, SubjectRef.user("u"))
                        .build()));

        try (JdbcQuotaStore direct = db.store()) {
          assertEquals(
              new CounterValue(0, 100),
              direct.counters(List.of(c.key())).get(c.key()),
              "only r1 holds: nothing of r2 or of the failed commit was applied");
        }

        try (TcpProxy back = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)), port)) {
          // the pool reconnects: the store works again without being rebuilt
          assertEquals(
              CounterValue.class, store.counters(List.of(c.key())).get(c.key()).getClass());
          assertEquals(
              100L,
              store
                  .commit(
                      "r1",
                      List.of(c),
                      UsageEvent.builder("e1", T0, EventStatus.SUCCESS, SubjectRef.user("u"))
                          .build())
                  .usedAfter()
                  .get(c.key()));
        }
      } finally {
        proxy.close();
      }
    }
  }
}
