package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.LimitStatus;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.testing.MutableClock;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * A store built from the seed's variables ({@code DATABASE_URL} as SQLAlchemy writes it, or {@code
 * DB_*}) pointing at the test servers, with a reservation round trip through {@link QuotaManager}.
 * The servers are those of {@link TestDatabase}'s variables, whose JDBC URLs are turned back into
 * the seed's form; the tables get a prefix of their own and are dropped afterwards.
 */
class EnvironmentStoreTest {
  /** The parts of a test server's JDBC URL {@code jdbc:kind://host:port/db?user=..&password=..}. */
  record Server(
      String host, int port, String database, @Nullable String user, @Nullable String password) {
    static Server of(String jdbcUrl) {
      URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
      Map<String, String> params = new LinkedHashMap<>();
      String query = uri.getRawQuery();
      if (query != null) {
        for (String pair : query.split("&")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            params.put(
                pair.substring(0, eq),
                URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
      }
      return new Server(
          uri.getHost(),
          uri.getPort(),
          uri.getPath().substring(1),
          params.get("user"),
          params.get("password"));
    }

    /** As SQLAlchemy writes it: credentials percent-encoded in the URL. */
    String sqlAlchemyUrl(String scheme) {
      StringBuilder b = new StringBuilder(scheme).append("://");
      if (user != null) {
        b.append(encode(user));
        if (password != null) {
          b.append(':').append(encode(password));
        }
        b.append('@');
      }
      b.append(host);
      if (port > 0) {
        b.append(':').append(port);
      }
      return b.append('/').append(database).toString();
    }

    private static String encode(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
  }

  @Test
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  void postgresFromASqlAlchemyDatabaseUrl() {
    Server server = Server.of(TestDatabase.url(TestDatabase.Kind.POSTGRES));
    String databaseUrl = server.sqlAlchemyUrl("postgresql+psycopg2") + "?sslmode=disable";
    roundTrip(
        TestDatabase.Kind.POSTGRES,
        Map.of("DATABASE_URL", databaseUrl, "DB_NAME", "ignored_when_database_url_is_set"),
        JdbcDialect.POSTGRESQL);
  }

  @Test
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  void mariaDbFromTheSeedsMySqlDatabaseUrl() {
    Server server = Server.of(TestDatabase.url(TestDatabase.Kind.MARIADB));
    String databaseUrl = server.sqlAlchemyUrl("mysql+pymysql") + "?charset=utf8mb4";
    roundTrip(TestDatabase.Kind.MARIADB, Map.of("DATABASE_URL", databaseUrl), JdbcDialect.MARIADB);
  }

  @Test
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  void mariaDbFromTheSeedsDbVariables() {
    Server server = Server.of(TestDatabase.url(TestDatabase.Kind.MARIADB));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DB_HOST", server.host());
    if (server.port() > 0) {
      env.put("DB_PORT", Integer.toString(server.port()));
    }
    env.put("DB_NAME", server.database());
    if (server.user() != null) {
      env.put("DB_USER", server.user());
    }
    if (server.password() != null) {
      env.put("DB_PASSWORD", server.password());
    }
    roundTrip(TestDatabase.Kind.MARIADB, env, JdbcDialect.MARIADB);
  }

  /**
   * Builds a store from {@code env} (tables installed under a fresh prefix), reserves and commits
   * through a manager, and checks what a second store built the same way reads.
   */
  private static void roundTrip(
      TestDatabase.Kind kind, Map<String, String> env, JdbcDialect expected) {
    try (TestDatabase db = TestDatabase.open(kind, 1)) {
      try (JdbcQuotaStore store =
          JdbcQuotaStore.builder()
              .environment(env)
              .tablePrefix(db.prefix)
              .schemaMode(SchemaMode.INSTALL)
              .maxPoolSize(2)
              .build()) {
        assertEquals(expected, store.dialect());
        QuotaManager m = manager(store);
        Reservation r = m.reserve(UsageRequest.forUser("env-user").estimatedTokens(100, 200));
        assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(120, 30)));
        LimitStatus tokens = tokens(m);
        assertEquals(150, tokens.used());
        assertEquals(0, tokens.reserved());
        QuotaDecision denied =
            m.tryReserve(UsageRequest.forUser("env-user").estimatedTokens(500, 400));
        assertFalse(denied.allowed(), "850 more tokens do not fit in 1000 with 150 used");
        assertEquals(EnvironmentPolicy.USER_DAILY_TOKENS, denied.denial().limitName());
      }
      // a second process configured the same way sees the same counters (VALIDATE by default)
      try (JdbcQuotaStore again =
          JdbcQuotaStore.builder().environment(env).tablePrefix(db.prefix).maxPoolSize(1).build()) {
        assertEquals(150, tokens(manager(again)).used());
      }
      assertTrue(
          db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "usage_events") >= 1,
          "the commit is in the ledger");
    }
  }

  private static QuotaManager manager(JdbcQuotaStore store) {
    return QuotaManager.builder()
        .store(store)
        .policy(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "1000")))
        .clock(MutableClock.at("2026-11-25T10:15:00Z"))
        .defaultLogging(false)
        .build();
  }

  private static LimitStatus tokens(QuotaManager m) {
    return m.status(SubjectRef.user("env-user"))
        .limit(EnvironmentPolicy.USER_DAILY_TOKENS)
        .orElseThrow();
  }
}
