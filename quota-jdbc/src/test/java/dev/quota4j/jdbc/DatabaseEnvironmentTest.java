package dev.quota4j.jdbc;

import static dev.quota4j.jdbc.DatabaseEnvironment.MARIADB_DRIVER;
import static dev.quota4j.jdbc.DatabaseEnvironment.MYSQL_DRIVER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.ReserveResult;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link JdbcQuotaStore.Builder#environment}: SQLAlchemy's {@code DATABASE_URL} and the seed's
 * {@code DB_*} variables to a JDBC URL and credentials, and the errors, which never show a
 * password. No database needed.
 */
class DatabaseEnvironmentTest {
  static final Predicate<String> ONLY_MARIADB = Set.of(MARIADB_DRIVER)::contains;
  static final Predicate<String> ONLY_MYSQL = Set.of(MYSQL_DRIVER)::contains;
  static final Predicate<String> BOTH = Set.of(MARIADB_DRIVER, MYSQL_DRIVER)::contains;
  static final Predicate<String> NEITHER = name -> false;

  static DatabaseEnvironment.Target url(String databaseUrl) {
    return url(databaseUrl, ONLY_MARIADB);
  }

  static DatabaseEnvironment.Target url(String databaseUrl, Predicate<String> drivers) {
    return DatabaseEnvironment.read(Map.of("DATABASE_URL", databaseUrl), drivers);
  }

  static IllegalArgumentException fails(Map<String, String> env) {
    return assertThrows(
        IllegalArgumentException.class, () -> DatabaseEnvironment.read(env, ONLY_MARIADB));
  }

  static IllegalArgumentException failsUrl(String databaseUrl) {
    return fails(Map.of("DATABASE_URL", databaseUrl));
  }

  static void assertTarget(
      String url, String user, String password, DatabaseEnvironment.Target target) {
    assertEquals(url, target.url(), "url");
    assertEquals(user, target.user(), "user");
    assertEquals(password, target.password(), "password");
  }

  // ---- DATABASE_URL: dialects ---------------------------------------------------------------

  @Test
  void theSeedsUrlBecomesAMariaDbUrlWithCredentialsApartWithOnlyMariaDbsDriver() {
    assertTarget(
        "jdbc:mariadb://localhost:3306/supervisor_agent_db",
        "user",
        "password",
        url("mysql+pymysql://user:password@localhost:3306/supervisor_agent_db"));
    assertTarget(
        "jdbc:mariadb://localhost:3306/supervisor_db",
        "user",
        "pass",
        url("mysql+pymysql://user:pass@localhost:3306/supervisor_db"));
  }

  @ParameterizedTest(name = "{0} with {1} driver(s) -> jdbc:{2}")
  @CsvSource({
    "mysql+pymysql, mariadb, mariadb",
    "mysql+pymysql, mysql, mysql",
    "mysql+pymysql, both, mysql",
    "mysql+pymysql, neither, mysql",
    "mysql, mariadb, mariadb",
    "mysql+mysqldb, both, mysql",
    "mysql+mysqlconnector, mysql, mysql",
    "mysql+aiomysql, mariadb, mariadb",
    "mariadb+mariadbconnector, mariadb, mariadb",
    "mariadb+mariadbconnector, mysql, mysql",
    "mariadb+mariadbconnector, both, mariadb",
    "mariadb+mariadbconnector, neither, mariadb",
    "mariadb+pymysql, mysql, mysql",
    "mariadb, both, mariadb",
    "postgresql, neither, postgresql",
    "postgresql+psycopg2, both, postgresql",
    "postgresql+psycopg, mariadb, postgresql",
    "postgresql+asyncpg, mysql, postgresql",
    "postgresql+pg8000, both, postgresql",
    "postgres, both, postgresql",
    "PostgreSQL, both, postgresql",
    "MySQL+PyMySQL, mariadb, mariadb"
  })
  void eachDialectMapsToItsDriverUnlessOnlyTheOtherIsOnTheClassPath(
      String scheme, String drivers, String jdbc) {
    Predicate<String> present =
        switch (drivers) {
          case "mariadb" -> ONLY_MARIADB;
          case "mysql" -> ONLY_MYSQL;
          case "both" -> BOTH;
          default -> NEITHER;
        };
    assertTarget(
        "jdbc:" + jdbc + "://db.example.com:4000/app",
        "u",
        "p",
        url(scheme + "://u:p@db.example.com:4000/app", present));
  }

  @Test
  void theRealClassPathHasMariaDbsDriverAndNotMySqls() {
    assertTrue(DatabaseEnvironment.driverPresent(MARIADB_DRIVER));
    assertTrue(DatabaseEnvironment.driverPresent("org.postgresql.Driver"));
    assertFalse(DatabaseEnvironment.driverPresent(MYSQL_DRIVER));
    assertFalse(DatabaseEnvironment.driverPresent("no.such.Driver"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:h2:mem:quota;DB_CLOSE_DELAY=-1",
        "jdbc:h2:file:./data/quota",
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=x",
        "jdbc:mysql://u:p@h/db?useSSL=true",
        "jdbc:mariadb://h:3306/db?sslMode=verify-full"
      })
  void aJdbcUrlIsTakenAsItIsWithoutCredentials(String jdbc) {
    assertTarget(jdbc, null, null, url(jdbc));
    assertTarget(jdbc, null, null, url("  " + jdbc + "\n"));
  }

  // ---- DATABASE_URL: user, password, host, port, database -------------------------------------

  @ParameterizedTest(name = "{0} -> user {1}, password {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      nullValues = "NULL",
      value = {
        "mysql://user:p%40ss%3Aw%2Frd%25@h/db | user | p@ss:w/rd%",
        "mysql://us%65r%20name:x@h/db | user name | x",
        "mysql://caf%C3%A9:%E2%82%AC@h/db | café | €",
        "mysql://u:a+b@h/db | u | a+b",
        "mysql://u:50%off@h/db | u | 50%off",
        "mysql://u:100%@h/db | u | 100%",
        "mysql://u:%4@h/db | u | %4",
        "mysql://u:%FF@h/db | u | \uFFFD",
        "mysql://u:a/b?c:d#e@h/db | u | a/b?c:d#e",
        "mysql://u:p:q@h/db | u | p:q",
        "mysql://root:@h/db | root | \"\"",
        "mysql://root@h/db | root | NULL",
        "mysql://h/db | NULL | NULL",
        "mysql://:secret@h/db | NULL | secret",
        "mysql://@h/db | NULL | NULL"
      })
  void theUserAndPasswordArePercentDecodedAsSqlAlchemyDoesAndKeptOutOfTheUrl(
      String databaseUrl, String user, String password) {
    DatabaseEnvironment.Target t = url(databaseUrl);
    assertEquals("jdbc:mariadb://h/db", t.url());
    assertEquals(user, t.user());
    assertEquals(password, t.password());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "postgresql://u@localhost/app | jdbc:postgresql://localhost/app",
        "postgresql://u@10.0.0.7:6543/app | jdbc:postgresql://10.0.0.7:6543/app",
        "postgresql://u@[::1]:5432/app | jdbc:postgresql://[::1]:5432/app",
        "postgresql://u@[fe80::1]/app | jdbc:postgresql://[fe80::1]/app",
        "postgresql:///app | jdbc:postgresql://localhost/app",
        "postgresql://u@:5433/app | jdbc:postgresql://localhost:5433/app",
        "postgresql://u@db-1.internal_net.example:/app | "
            + "jdbc:postgresql://db-1.internal_net.example/app",
        "postgresql://u@h:05432/my_app-2$ | jdbc:postgresql://h:5432/my_app-2$",
        "mysql+pymysql://u@h:1/db | jdbc:mariadb://h:1/db",
        "mysql+pymysql://u@h:65535/db | jdbc:mariadb://h:65535/db"
      })
  void hostPortAndDatabaseAreCarriedOver(String databaseUrl, String jdbc) {
    assertEquals(jdbc, url(databaseUrl).url());
  }

  // ---- DATABASE_URL: query parameters --------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "postgresql://u@h/db?sslmode=require | jdbc:postgresql://h/db?sslmode=require",
        "postgresql://u@h/db?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem"
            + " | jdbc:postgresql://h/db?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem",
        "postgresql://u@h/db?application_name=supervisor&connect_timeout=10"
            + " | jdbc:postgresql://h/db?ApplicationName=supervisor&connectTimeout=10",
        "postgresql://u@h/db? | jdbc:postgresql://h/db",
        "postgresql://u@h/db?&sslmode=disable& | jdbc:postgresql://h/db?sslmode=disable",
        "mysql+pymysql://u@h/db?charset=utf8mb4 | jdbc:mariadb://h/db",
        "mysql+pymysql://u@h/db?charset=utf8mb4&connect_timeout=5"
            + " | jdbc:mariadb://h/db?connectTimeout=5000",
        "mariadb+mariadbconnector://u@h/db?connect_timeout=2 | jdbc:mariadb://h/db?connectTimeout=2000"
      })
  void queryParametersWithAJdbcEquivalentAreCarriedOverAndACharsetDropped(
      String databaseUrl, String jdbc) {
    assertEquals(jdbc, url(databaseUrl).url());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "mysql+pymysql://u@h/db?ssl_ca=/etc/ca.pem | 'ssl_ca'",
        "mysql+pymysql://u@h/db?charset=utf8mb4&ssl_verify_cert=true | 'ssl_verify_cert'",
        "mysql+pymysql://u@h/db?unix_socket=/tmp/mysql.sock | 'unix_socket'",
        "mysql+pymysql://u@h/db?sslmode=require | 'sslmode'",
        "mysql+pymysql://u@h/db?application_name=x | 'application_name'",
        "postgresql://u@h/db?charset=utf8 | 'charset'",
        "postgresql://u@h/db?host=/var/run/postgresql | 'host'",
        "postgresql://u@h/db?options=-csearch_path%3Dq | 'options'",
        "postgresql://u@h/db?sslcert=/c.pem | 'sslcert'",
        "postgresql://u@h/db?sslrootcert= | 'sslrootcert'",
        "postgresql://u@h/db?target_session_attrs=read-write | 'target_session_attrs'"
      })
  void anyOtherQueryParameterIsRefusedNamingIt(String databaseUrl, String shown) {
    IllegalArgumentException e = failsUrl(databaseUrl);
    assertTrue(
        e.getMessage().startsWith("environment variable DATABASE_URL has query parameter " + shown),
        e.getMessage());
    assertTrue(e.getMessage().contains("use a jdbc: URL"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "postgresql://u@h/db?sslmode=required",
        "postgresql://u@h/db?sslmode=",
        "postgresql://u@h/db?sslmode",
        "postgresql://u@h/db?connect_timeout=1.5",
        "postgresql://u@h/db?connect_timeout=",
        "mysql://u@h/db?connect_timeout=-1"
      })
  void aBadValueOfACarriedOverParameterIsRefused(String databaseUrl) {
    IllegalArgumentException e = failsUrl(databaseUrl);
    assertTrue(
        e.getMessage().startsWith("environment variable DATABASE_URL must give "), e.getMessage());
    assertTrue(e.getMessage().endsWith(", was '" + databaseUrl + "'"), e.getMessage());
  }

  // ---- DATABASE_URL: errors -----------------------------------------------------------------

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "sqlite:///./quota.db | must name postgresql, postgres, mysql or mariadb (or be a jdbc: URL),"
            + " not sqlite, was 'sqlite:///./quota.db'",
        "mssql+pyodbc://u:secret@h/db | not mssql, was 'mssql+pyodbc://u:***@h/db'",
        "oracle://u@h/db | not oracle",
        "h2://u@h/db | names h2, which has no SQLAlchemy URL: give H2 a JDBC URL such as"
            + " jdbc:h2:file:./data/quota",
        "h2:mem:quota | must be dialect[+driver]://user:password@host:port/database or a jdbc:"
            + " URL, was 'h2:mem:quota'",
        "JDBC:h2:mem:quota | must be dialect",
        "localhost:3306/db | must be dialect",
        "mysql:/h/db | must be dialect",
        "mysql+://h/db | must be dialect",
        "mysql+a+b://h/db | must be dialect",
        "not a url | without spaces or control characters, was 'not a url'",
        "mysql://u@h/d\tb | without spaces or control characters, was 'mysql://u@h/d\\u0009b'",
        "mysql://u@h | must name a database after the host",
        "mysql://u@h:3306/ | must name a database after the host",
        "mysql://u@h/db/x | must name a database of letters",
        "mysql://u@h/d%62 | must name a database of letters",
        "mysql://u@h/db;DROP | must name a database of letters",
        "mysql://u@h!/db | must have a host name of letters",
        "mysql://u@h,h2:3306/db | must have a host name of letters",
        "mysql://u@h:3306,h2:3306/db | must have a port number, 1 to 65535, after the host (a port",
        "mysql://u@[zz::1]/db | must have a host name or an IPv6 address",
        "mysql://u@h:0/db | must have a port number, 1 to 65535, after the host, was"
            + " 'mysql://u@h:***/db'",
        "mysql://u@h:65536/db | after the host, was 'mysql://u@h:***/db'",
        "mysql://app:99999/db | after the host, was 'mysql://app:***/db'",
        "mysql://u@h:hunter2/db | (a port that is not a number is not shown), was"
            + " 'mysql://u@h:***/db'",
        "mysql://u@h:99999999999/db | must have a port number"
      })
  void badUrlsFailNamingTheVariableAndItsValue(String databaseUrl, String expected) {
    IllegalArgumentException e = failsUrl(databaseUrl);
    assertTrue(e.getMessage().startsWith("environment variable DATABASE_URL "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sqlite://u:hunter2@h/db",
        "mysql://u:hunter2@h:99999/db",
        "mysql://u:hunter2@h/",
        "mysql://u:hunter2@h",
        "mysql://u:hunter2@h/db?ssl_ca=/ca.pem",
        "mysql://u:hunter2@h/db?sslmode=on",
        "mysql://u:hunter2@b@d!host/db",
        "mysql://u:hunt@er2@h!/db",
        "mysql://u:hunter2@h/db?password=hunter2&x=1",
        "postgresql://u@h/db?password=hunter2",
        "postgresql://u:hunter2@[zz]/db",
        "postgresql://u:hunter2@h/d b",
        "postgresql://u:hunter2@h/db?connect_timeout=x",
        "mysql://u:hunter2/db",
        "mysql://u:hunter2",
        "mysql://:hunter2@h:x/db",
        "mysql:/u:hunter2@h/db",
        "mysql//u:hunter2@h/db",
        "u:hunter2@h/db",
        "h2:u:hunter2@mem",
        "mysql://u:hunter2@h/db?application_name=a@b",
        "mysql://u:hunter2@h/db?x=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
      })
  void noMessageShowsThePassword(String databaseUrl) {
    IllegalArgumentException e = failsUrl(databaseUrl);
    assertTrue(e.getMessage().startsWith("environment variable DATABASE_URL "), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertFalse(e.getMessage().contains("hunt"), e.getMessage());
    assertFalse(e.getMessage().contains("er2"), e.getMessage());
  }

  @Test
  void aRedactedUrlKeepsWhatHelpsFindTheMistake() {
    assertEquals(
        "mysql+pymysql://user:***@h/db",
        DatabaseEnvironment.redact("mysql+pymysql://user:pw@h/db"));
    assertEquals("mysql://u:***@h/db", DatabaseEnvironment.redact("mysql://u:a@b@h/db"));
    assertEquals("mysql://u@h/db", DatabaseEnvironment.redact("mysql://u@h/db"));
    assertEquals("mysql://h:3306/db", DatabaseEnvironment.redact("mysql://h:3306/db"));
    assertEquals(
        "postgresql://h/db?password=***&x=1",
        DatabaseEnvironment.redact("postgresql://h/db?password=pw&x=1"));
    assertEquals("u:***@h/db", DatabaseEnvironment.redact("u:pw@h/db"));
    assertEquals("sqlite:///x.db", DatabaseEnvironment.redact("sqlite:///x.db"));
  }

  @Test
  void aTargetNeverShowsItsPassword() {
    String shown = url("mysql://app:hunter2@h/db").toString();
    assertFalse(shown.contains("hunter2"), shown);
    assertTrue(shown.contains("user=app"), shown);
    assertTrue(shown.contains("password=***"), shown);
  }

  // ---- DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD ----------------------------------------

  @Test
  void withoutDatabaseUrlTheSeedsPartsMakeAMySqlUrl() {
    Map<String, String> env =
        Map.of(
            "DB_NAME", "supervisor_agent_db",
            "DB_USER", "your_db_user",
            "DB_PASSWORD", "your_db_password");
    assertTarget(
        "jdbc:mariadb://localhost:3306/supervisor_agent_db",
        "your_db_user",
        "your_db_password",
        DatabaseEnvironment.read(env, ONLY_MARIADB));
    assertEquals(
        "jdbc:mysql://localhost:3306/supervisor_agent_db",
        DatabaseEnvironment.read(env, ONLY_MYSQL).url());
    assertEquals(
        "jdbc:mysql://localhost:3306/supervisor_agent_db",
        DatabaseEnvironment.read(env, BOTH).url());
  }

  @Test
  void thePartsAreTakenAsTheSeedTakesThem() {
    Map<String, String> env =
        Map.of(
            "DB_HOST", " db.internal ",
            "DB_PORT", "3307",
            "DB_NAME", "quota",
            "DB_USER", "a%70p",
            "DB_PASSWORD", " p%40ss@/:?%zz% ");
    assertTarget(
        "jdbc:mariadb://db.internal:3307/quota",
        "app",
        " p@ss@/:?%zz% ", // percent-decoded, as SQLAlchemy decodes the seed's URL; spaces kept
        DatabaseEnvironment.read(env, ONLY_MARIADB));
    assertEquals(
        "jdbc:mariadb://[::1]:3306/quota",
        DatabaseEnvironment.read(Map.of("DB_HOST", "::1", "DB_NAME", "quota"), ONLY_MARIADB).url());
    assertEquals(
        "jdbc:mariadb://[::1]:3306/quota",
        DatabaseEnvironment.read(Map.of("DB_HOST", "[::1]", "DB_NAME", "quota"), ONLY_MARIADB)
            .url());
  }

  @Test
  void withoutUserOrPasswordNoneIsGiven() {
    assertTarget(
        "jdbc:mariadb://localhost:3306/quota",
        null,
        null,
        DatabaseEnvironment.read(Map.of("DB_NAME", "quota", "DB_USER", " "), ONLY_MARIADB));
    DatabaseEnvironment.Target t =
        DatabaseEnvironment.read(Map.of("DB_NAME", "quota", "DB_PASSWORD", ""), ONLY_MARIADB);
    assertNull(t.user());
    assertEquals("", t.password());
  }

  @Test
  void databaseUrlWinsOverTheParts() {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", "postgresql://pg@pghost/pgdb");
    env.put("DB_HOST", "myhost");
    env.put("DB_PORT", "not a port");
    env.put("DB_NAME", "mydb");
    env.put("DB_USER", "me");
    env.put("DB_PASSWORD", "pw");
    assertTarget(
        "jdbc:postgresql://pghost/pgdb", "pg", null, DatabaseEnvironment.read(env, ONLY_MARIADB));
    env.put("DATABASE_URL", " ");
    assertThrows(IllegalArgumentException.class, () -> DatabaseEnvironment.read(env, BOTH));
    env.put("DB_PORT", "3306");
    assertTarget(
        "jdbc:mariadb://myhost:3306/mydb", "me", "pw", DatabaseEnvironment.read(env, ONLY_MARIADB));
  }

  @Test
  void withNeitherDatabaseUrlNorDbNameTheMessageSaysWhatToSet() {
    for (Map<String, String> env :
        List.of(
            Map.<String, String>of(),
            Map.of("DB_HOST", "h", "DB_USER", "u", "DB_PASSWORD", "hunter2"),
            Map.of("DATABASE_URL", "", "DB_PASSWORD", "hunter2"))) {
      IllegalArgumentException e = fails(env);
      assertEquals(
          "environment variable DB_NAME must be set when DATABASE_URL is not (the database to use;"
              + " or set DATABASE_URL), was unset",
          e.getMessage());
    }
    assertTrue(fails(Map.of("DB_NAME", "  ")).getMessage().endsWith("was '  '"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "DB_PORT | abc | must be a port number, 1 to 65535, was 'abc'",
        "DB_PORT | 3306x | must be a port number, 1 to 65535, was '3306x'",
        "DB_PORT | -1 | must be a port number, 1 to 65535, was '-1'",
        "DB_PORT | 0 | must be a port number, 1 to 65535, was '0'",
        "DB_PORT | 65536 | must be a port number, 1 to 65535, was '65536'",
        "DB_PORT | 3306.0 | must be a port number, 1 to 65535, was '3306.0'",
        "DB_PORT | 12345678901 | must be a port number, 1 to 65535, was '12345678901'",
        "DB_HOST | db/x | must be a host name or an IP address, was 'db/x'",
        "DB_HOST | u:p@db | must be a host name or an IP address, was 'u:p@db'",
        "DB_HOST | db host | must be a host name or an IP address, was 'db host'",
        "DB_NAME | db?x=1 | must be a database name of letters, digits, '_', '$' or '-', was 'db?x=1'",
        "DB_NAME | a/b | must be a database name of letters, digits, '_', '$' or '-', was 'a/b'"
      })
  void badPartsFailNamingTheVariableAndItsValueButNeverThePassword(
      String variable, String value, String expected) {
    Map<String, String> env = new HashMap<>();
    env.put("DB_NAME", "quota");
    env.put("DB_USER", "app");
    env.put("DB_PASSWORD", "hunter2");
    env.put(variable, value);
    IllegalArgumentException e = fails(env);
    assertEquals("environment variable " + variable + " " + expected, e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"));
  }

  @Test
  void aTooLongUserIsRefused() {
    IllegalArgumentException e =
        fails(Map.of("DB_NAME", "quota", "DB_USER", "u".repeat(256), "DB_PASSWORD", "hunter2"));
    assertTrue(
        e.getMessage().startsWith("environment variable DB_USER must be at most 255 characters"),
        e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"));
    IllegalArgumentException u = failsUrl("mysql://" + "u".repeat(256) + ":hunter2@h/db");
    assertTrue(u.getMessage().contains("user name of at most 255"), u.getMessage());
    assertFalse(u.getMessage().contains("hunter2"));
  }

  // ---- the builder ---------------------------------------------------------------------------

  static final Instant T0 = Instant.parse("2026-11-25T10:15:00Z");

  @Test
  void theBuilderBuildsAStoreFromAJdbcDatabaseUrl() {
    String h2 = "jdbc:h2:mem:" + TestDatabase.uniquePrefix() + ";DB_CLOSE_DELAY=-1";
    Charge c =
        new Charge(
            new CounterKey("d", SubjectRef.user("u"), T0),
            7,
            10,
            Admission.FIT,
            T0.plusSeconds(60));
    try (JdbcQuotaStore s =
        JdbcQuotaStore.builder()
            .environment(Map.of("DATABASE_URL", h2, "DB_NAME", "ignored"))
            .schemaMode(SchemaMode.INSTALL)
            .build()) {
      assertEquals(JdbcDialect.H2, s.dialect());
      assertEquals(
          ReserveResult.Granted.class,
          s.reserve("r", List.of(c), T0, T0.plusSeconds(10)).getClass());
    }
  }

  @Test
  void theBuilderPassesTheUserAsCredentialsAndNeverShowsThePassword() {
    QuotaStoreUnavailableException e =
        assertThrows(
            QuotaStoreUnavailableException.class,
            () ->
                JdbcQuotaStore.builder()
                    .environment(
                        Map.of("DATABASE_URL", "postgresql+psycopg2://app:hunter2@127.0.0.1:1/db"))
                    .connectionTimeout(Duration.ofSeconds(1))
                    .build());
    assertTrue(
        e.getMessage().startsWith("cannot connect to jdbc:postgresql://127.0.0.1:1/db as app: "),
        e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void theBuilderPicksMariaDbsDriverForAMySqlUrlOnThisClassPath() {
    QuotaStoreUnavailableException e =
        assertThrows(
            QuotaStoreUnavailableException.class,
            () ->
                JdbcQuotaStore.builder()
                    .environment(Map.of("DB_PORT", "1", "DB_NAME", "db", "DB_USER", "root"))
                    .connectionTimeout(Duration.ofSeconds(1))
                    .build());
    assertTrue(
        e.getMessage().startsWith("cannot connect to jdbc:mariadb://localhost:1/db as root: "),
        e.getMessage());
  }

  @Test
  void credentialsOfTheVariablesReplaceEarlierOnesAndLaterCallsOverrideThem() {
    // earlier credentials stay when the URL names none
    QuotaStoreUnavailableException kept =
        assertThrows(
            QuotaStoreUnavailableException.class,
            () ->
                JdbcQuotaStore.builder()
                    .credentials("earlier", "x")
                    .environment(Map.of("DATABASE_URL", "postgresql://127.0.0.1:1/db"))
                    .connectionTimeout(Duration.ofSeconds(1))
                    .build());
    assertTrue(kept.getMessage().contains(" as earlier: "), kept.getMessage());
    QuotaStoreUnavailableException replaced =
        assertThrows(
            QuotaStoreUnavailableException.class,
            () ->
                JdbcQuotaStore.builder()
                    .credentials("earlier", "x")
                    .environment(Map.of("DATABASE_URL", "postgresql://env@127.0.0.1:1/db"))
                    .connectionTimeout(Duration.ofSeconds(1))
                    .build());
    assertTrue(replaced.getMessage().contains(" as env: "), replaced.getMessage());
  }

  @Test
  void theBuilderRefusesABadEnvironmentAtOnce() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                JdbcQuotaStore.builder()
                    .environment(Map.of("DATABASE_URL", "sqlite://u:hunter2@/quota.db")));
    assertTrue(e.getMessage().startsWith("environment variable DATABASE_URL "), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }
}
