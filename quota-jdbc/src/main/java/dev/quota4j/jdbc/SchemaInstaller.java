package dev.quota4j.jdbc;

import dev.quota4j.QuotaStoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the versioned schema script of a dialect (the same file Flyway would run) and checks an
 * installed schema.
 */
final class SchemaInstaller {
  /**
   * The schema version every dialect's scripts reach: V1 (the store), V2 (daily summaries), V3
   * (rollups written by compaction). A dialect may list later scripts of its own ({@link
   * Sql#schemaResources()}); what it validates against is {@link Sql#schemaVersion()}.
   */
  static final int VERSION = 3;

  private SchemaInstaller() {}

  /** The statements of the dialect's scripts, in order, with the table prefix filled in. */
  static List<String> statements(Sql sql) {
    List<String> out = new ArrayList<>();
    for (String resource : sql.schemaResources()) {
      out.addAll(statements(sql, resource));
    }
    return out;
  }

  static List<String> statements(Sql sql, String resource) {
    String text;
    try (InputStream in = SchemaInstaller.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("schema script " + resource + " is not on the class path");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read schema script " + resource, e);
    }
    StringBuilder body = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (!line.strip().startsWith("--")) {
        body.append(line).append('\n');
      }
    }
    List<String> out = new ArrayList<>();
    for (String s : body.toString().replace("${table_prefix}", sql.t.prefix).split(";")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  /** Creates what is missing. Idempotent; concurrent installers wait for one another. */
  static void install(Db.Source source, Sql sql) {
    List<String> statements = statements(sql);
    try (Db.Lease lease = source.open()) {
      Connection c = lease.connection();
      boolean autoCommit = c.getAutoCommit();
      try (Statement st = c.createStatement()) {
        String lock = sql.installLock();
        if (sql.transactionalDdl()) {
          c.setAutoCommit(false);
        }
        if (lock != null) {
          try (ResultSet rs = st.executeQuery(lock)) {
            rs.next();
          }
        }
        try {
          for (String s : statements) {
            st.execute(s);
          }
          if (!c.getAutoCommit()) {
            c.commit();
          }
        } catch (SQLException e) {
          if (!c.getAutoCommit()) {
            c.rollback();
          }
          throw e;
        } finally {
          if (lock != null && !sql.transactionalDdl()) {
            try (ResultSet rs =
                st.executeQuery("SELECT RELEASE_LOCK('quota4j_install_" + sql.t.prefix + "')")) {
              rs.next();
            }
          }
          c.setAutoCommit(autoCommit);
        }
      }
    } catch (SQLException e) {
      if (Failures.isConnectionFailure(e)) {
        throw new QuotaStoreUnavailableException(
            "cannot install the quota4j schema: cannot reach the database ("
                + Failures.describe(e)
                + ")",
            e);
      }
      throw new IllegalStateException(
          "cannot install the quota4j schema on "
              + sql.dialect().displayName()
              + " with prefix '"
              + sql.t.prefix
              + "': "
              + Failures.describe(e),
          e);
    }
  }

  /**
   * Checks that every table is there and that the schema version is known.
   *
   * @throws IllegalStateException naming the missing table, or the unknown version
   */
  static void validate(Db.Source source, Sql sql) {
    try (Db.Lease lease = source.open()) {
      Connection c = lease.connection();
      int expected = sql.schemaVersion();
      try (Statement st = c.createStatement()) {
        for (String table : sql.t.all()) {
          try (ResultSet rs = st.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0")) {
            rs.next();
          } catch (SQLException e) {
            if (Failures.isConnectionFailure(e)) {
              throw e;
            }
            if (!c.getAutoCommit()) {
              c.rollback();
            }
            throw new IllegalStateException(
                "the quota4j schema is missing: table "
                    + table
                    + " cannot be read on "
                    + sql.dialect().displayName()
                    + " ("
                    + Failures.describe(e)
                    + "). Install it with JdbcQuotaStore.builder().schemaMode(SchemaMode.INSTALL),"
                    + " or with Flyway from classpath:"
                    + sql.dialect().schemaLocation()
                    + " and placeholder table_prefix="
                    + sql.t.prefix,
                e);
          }
        }
        try (ResultSet rs = st.executeQuery("SELECT MAX(version) FROM " + sql.t.schemaVersion)) {
          int version = rs.next() ? rs.getInt(1) : 0;
          if (version == 0) {
            throw new IllegalStateException(
                "the quota4j schema is incomplete: "
                    + sql.t.schemaVersion
                    + " is empty, so its installation did not finish; run it again");
          }
          if (version < expected) {
            throw new IllegalStateException(
                "the quota4j schema is at version "
                    + version
                    + ", older than this library needs (version "
                    + expected
                    + "): apply the newer scripts with SchemaMode.INSTALL (it adds what is"
                    + " missing) or with Flyway from classpath:"
                    + sql.dialect().schemaLocation());
          }
          if (version > expected) {
            throw new IllegalStateException(
                "the quota4j schema is at version "
                    + version
                    + ", newer than this library (version "
                    + expected
                    + "): upgrade quota4j");
          }
        }
        if (!c.getAutoCommit()) {
          c.commit();
        }
      }
    } catch (SQLException e) {
      throw new QuotaStoreUnavailableException(
          "cannot check the quota4j schema: " + Failures.describe(e), e);
    }
  }
}
