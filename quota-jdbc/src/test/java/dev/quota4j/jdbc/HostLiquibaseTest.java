package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's "Schema with Liquibase" recipe, with real Liquibase, in a schema where the host
 * already keeps its own Liquibase history: the host first runs its changelog alone, then adds an
 * {@code <include>} of quota4j's changelog for the dialect (and a change of its own after it), as
 * {@code host/liquibase/host-<dialect>.xml} does. H2 always; PostgreSQL and MariaDB when their
 * variables are set ({@link TestDatabase}).
 */
class HostLiquibaseTest {
  private static final Pattern SQL_FILE = Pattern.compile("<sqlFile path=\"([^\"]+)\"");

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  @SuppressWarnings("deprecation") // Liquibase.update(Contexts, LabelExpression): still the API
  void quota4jMigratesInTheHostsOwnLiquibase(TestDatabase.Kind kind) throws Exception {
    try (TestDatabase db = TestDatabase.open(kind, 4)) {
      String p = db.prefix;
      String folder = folder(db.dialect());
      try {
        try (Connection c = db.dataSource.getConnection()) {
          Liquibase before = liquibase("dev/quota4j/jdbc/host/liquibase/host-v1.xml", c, p);
          before.update(new Contexts(), new LabelExpression());
          assertEquals(1, ran(db, p), "the host's own history: one changeSet");
        }
        try (Connection c = db.dataSource.getConnection()) {
          Liquibase after =
              liquibase("dev/quota4j/jdbc/host/liquibase/host-" + folder + ".xml", c, p);
          after.update(new Contexts(), new LabelExpression());
          // the host's two changeSets and one per quota4j script
          assertEquals(2 + HostSchemas.versions(db).size(), ran(db, p));
          assertEquals(0, after.listUnrunChangeSets(new Contexts(), new LabelExpression()).size());
        }

        HostSchemas.storeWorks(db);

        try (Connection c = db.dataSource.getConnection()) {
          Liquibase again =
              liquibase("dev/quota4j/jdbc/host/liquibase/host-" + folder + ".xml", c, p);
          again.update(new Contexts(), new LabelExpression()); // the next deployment
          again.validate();
          assertEquals(2 + HostSchemas.versions(db).size(), ran(db, p), "nothing ran twice");
        }
      } finally {
        HostSchemas.drop(db, p + "orders", p + "changelog", p + "changelog_lock");
      }
    }
  }

  /**
   * Every dialect's changelog has one changeSet per script of its folder, in the order the store's
   * installer runs them (MySQL included, though untested on a server): a script added to a folder
   * and to the installer but not to the changelog fails here.
   */
  @Test
  void everyChangelogRunsEveryScriptOfItsFolderInOrder() throws IOException {
    for (JdbcDialect dialect : JdbcDialect.values()) {
      Sql sql = dialect.sql(new Tables("quota_"));
      List<String> scripts = new ArrayList<>();
      for (String resource : sql.schemaResources()) {
        scripts.add(resource.substring(resource.lastIndexOf('/') + 1));
      }
      String changelog = dialect.schemaLocation() + "/liquibase-changelog.xml";
      String text;
      try (InputStream in = getClass().getClassLoader().getResourceAsStream(changelog)) {
        assertEquals(true, in != null, changelog + " is on the class path");
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      List<String> files = new ArrayList<>();
      Matcher m = SQL_FILE.matcher(text);
      while (m.find()) {
        files.add(m.group(1));
      }
      assertEquals(scripts, files, changelog);
    }
  }

  private static String folder(JdbcDialect dialect) {
    String location = dialect.schemaLocation();
    return location.substring(location.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
  }

  private static Liquibase liquibase(String changelog, Connection c, String prefix)
      throws Exception {
    Database database =
        DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
    // the host's history tables, unique to this run
    database.setDatabaseChangeLogTableName(prefix + "changelog");
    database.setDatabaseChangeLogLockTableName(prefix + "changelog_lock");
    Liquibase liquibase = new Liquibase(changelog, new ClassLoaderResourceAccessor(), database);
    liquibase.setChangeLogParameter("host_prefix", prefix);
    liquibase.setChangeLogParameter("table_prefix", prefix); // the host's choice; default quota_
    return liquibase;
  }

  private static long ran(TestDatabase db, String prefix) {
    return db.queryLong("SELECT COUNT(*) FROM " + prefix + "changelog");
  }
}
