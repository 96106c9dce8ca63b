package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Building a store: bad configuration, missing schema, unreachable database, dialects. */
class ConfigurationTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:15:00Z");

  static JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + TestDatabase.uniquePrefix() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "Quota_",
        "1quota",
        "quota-",
        "q x",
        "quota_; DROP TABLE users; --",
        "q\"uote",
        "q'uote",
        "abcdefghijklmnopqrstuvwxyz0123456"
      })
  void aBadTablePrefixIsRejectedBeforeAnySql(String prefix) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> JdbcQuotaStore.builder().tablePrefix(prefix));
    assertTrue(e.getMessage().startsWith("tablePrefix must be"), e.getMessage());
    assertTrue(e.getMessage().contains("was '"), e.getMessage());
  }

  @Test
  void goodPrefixesAreAccepted() {
    for (String p : List.of("q", "quota_", "app1_quota_", "a".repeat(32))) {
      JdbcQuotaStore.builder().tablePrefix(p);
    }
  }

  @Test
  void exactlyOneConnectionSourceIsNeeded() {
    IllegalArgumentException none =
        assertThrows(IllegalArgumentException.class, () -> JdbcQuotaStore.builder().build());
    assertTrue(none.getMessage().contains("exactly one of dataSource, jdbi and url"));
    assertThrows(
        IllegalArgumentException.class,
        () -> JdbcQuotaStore.builder().dataSource(h2()).url("jdbc:h2:mem:x").build());
    IllegalArgumentException url =
        assertThrows(IllegalArgumentException.class, () -> JdbcQuotaStore.builder().url("h2:mem"));
    assertTrue(url.getMessage().startsWith("url must start with jdbc:"), url.getMessage());
  }

  @Test
  void aMissingSchemaIsNamedAndTheFixGiven() {
    JdbcDataSource ds = h2();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> JdbcQuotaStore.builder().dataSource(ds).tablePrefix("app_").build());
    assertTrue(e.getMessage().contains("table app_schema_version"), e.getMessage());
    assertTrue(e.getMessage().contains("SchemaMode.INSTALL"), e.getMessage());
    assertTrue(e.getMessage().contains("dev/quota4j/jdbc/schema/h2"), e.getMessage());
  }

  @Test
  void aPartlyInstalledSchemaNamesTheMissingTable() {
    JdbcDataSource ds = h2();
    JdbcQuotaStore.builder().dataSource(ds).schemaMode(SchemaMode.INSTALL).build().close();
    Jdbi.create(ds).useHandle(h -> h.execute("DROP TABLE quota_usage_hourly"));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> JdbcQuotaStore.builder().dataSource(ds).build());
    assertTrue(e.getMessage().contains("table quota_usage_hourly"), e.getMessage());
    // installing again repairs it
    JdbcQuotaStore.builder().dataSource(ds).schemaMode(SchemaMode.INSTALL).build().close();
    JdbcQuotaStore.builder().dataSource(ds).build().close();
  }

  @Test
  void aNewerSchemaVersionIsRefused() {
    JdbcDataSource ds = h2();
    int version = SchemaInstaller.version(JdbcDialect.H2.sql(new Tables(Tables.DEFAULT_PREFIX)));
    JdbcQuotaStore.builder().dataSource(ds).schemaMode(SchemaMode.INSTALL).build().close();
    Jdbi.create(ds)
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO quota_schema_version VALUES ("
                        + (version + 1)
                        + ", 'future', CURRENT_TIMESTAMP)"));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> JdbcQuotaStore.builder().dataSource(ds).build());
    assertTrue(
        e.getMessage().contains("version " + (version + 1) + ", newer than this"), e.getMessage());
  }

  @Test
  void aTableDroppedAfterBuildGivesUnavailableNamingTheCause() {
    JdbcDataSource ds = h2();
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder().jdbi(Jdbi.create(ds)).schemaMode(SchemaMode.INSTALL).build()) {
      Jdbi.create(ds).useHandle(h -> h.execute("DROP TABLE quota_reservations"));
      Charge c =
          new Charge(
              new CounterKey("d", SubjectRef.user("u"), T0),
              1,
              10,
              Admission.FIT,
              T0.plusSeconds(60));
      QuotaStoreUnavailableException e =
          assertThrows(
              QuotaStoreUnavailableException.class,
              () -> store.reserve("r", List.of(c), T0, T0.plusSeconds(10)));
      assertTrue(e.getMessage().contains("a quota4j table is missing"), e.getMessage());
      assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
    }
  }

  @Test
  void anUnreachableServerFailsTheBuildQuickly() {
    long start = System.nanoTime();
    QuotaStoreUnavailableException e =
        assertThrows(
            QuotaStoreUnavailableException.class,
            () ->
                JdbcQuotaStore.builder()
                    .url("jdbc:postgresql://127.0.0.1:1/test?user=x&password=hunter2")
                    .connectionTimeout(Duration.ofSeconds(1))
                    .build());
    assertTrue(
        e.getMessage().startsWith("cannot connect to jdbc:postgresql://127.0.0.1:1/test"),
        e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
  }

  @Test
  void urlsAreRedacted() {
    assertEquals(
        "jdbc:postgresql://h/db?user=a&password=***&ssl=true",
        StoreOpener.redact("jdbc:postgresql://h/db?user=a&password=p&ssl=true"));
    assertEquals("jdbc:mysql://***@h/db", StoreOpener.redact("jdbc:mysql://a:p@h/db"));
    assertEquals("jdbc:h2:mem:x;PASSWORD=***", StoreOpener.redact("jdbc:h2:mem:x;PASSWORD=p"));
  }

  @Test
  void theDialectIsDetectedOrTaken() {
    try (JdbcQuotaStore s =
        JdbcQuotaStore.builder().dataSource(h2()).schemaMode(SchemaMode.INSTALL).build()) {
      assertEquals(JdbcDialect.H2, s.dialect());
      assertEquals("quota_", s.tablePrefix());
    }
    try (JdbcQuotaStore s =
        JdbcQuotaStore.builder()
            .dataSource(h2())
            .dialect(JdbcDialect.H2)
            .schemaMode(SchemaMode.NONE)
            .build()) {
      assertEquals(JdbcDialect.H2, s.dialect());
    }
  }

  @Test
  void aStoreFromAUrlOwnsItsPoolAndAnEmbeddedFileDatabaseWorks(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    String url = "jdbc:h2:" + dir.resolve("quota").toAbsolutePath();
    Charge c =
        new Charge(
            new CounterKey("d", SubjectRef.user("u"), T0),
            7,
            10,
            Admission.FIT,
            T0.plusSeconds(60));
    try (JdbcQuotaStore s =
        JdbcQuotaStore.builder().url(url).schemaMode(SchemaMode.INSTALL).build()) {
      assertEquals(
          dev.quota4j.spi.ReserveResult.Granted.class,
          s.reserve("r", List.of(c), T0, T0.plusSeconds(10)).getClass());
    }
    try (JdbcQuotaStore s = JdbcQuotaStore.builder().url(url).build()) {
      assertEquals(7, s.counters(List.of(c.key())).get(c.key()).reserved(), "kept on disk");
    }
  }

  @ParameterizedTest
  @EnumSource(JdbcDialect.class)
  void everyDialectShipsAFlywayNamedScriptWithThePrefixPlaceholder(JdbcDialect d) throws Exception {
    String resource = d.schemaLocation() + "/V1__quota4j_schema.sql";
    assertTrue(
        Pattern.matches("V\\d+__\\w+\\.sql", resource.substring(resource.lastIndexOf('/') + 1)));
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
      String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(text.contains("${table_prefix}counters"));
    }
    List<String> statements = SchemaInstaller.statements(d.sql(new Tables("x_")));
    assertTrue(statements.size() >= 7, "statements: " + statements.size());
    for (String s : statements) {
      assertFalse(s.contains("${"), s);
      for (String table : new Tables("x_").all()) {
        if (s.contains(table.replace("x_", "quota_"))) {
          throw new AssertionError("default prefix left in " + s);
        }
      }
    }
  }
}
