package dev.quota4j.jdbc;

import dev.quota4j.QuotaStoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Runs the versioned schema scripts of a dialect (the same files Flyway would run) and checks an
 * installed schema.
 */
final class SchemaInstaller {
  private static final Pattern SCRIPT = Pattern.compile(".*/V(\\d+)__[^/]+\\.sql");

  private SchemaInstaller() {}

  /**
   * The schema versions the dialect's scripts install, in order: V1 (the store) and V2 (daily
   * summaries) and V3 (rollups written by compaction) everywhere, on PostgreSQL V4 (the admission
   * functions), and V5 (lease ends by the database's clock) and V7 (prompt-cache writes in the
   * ledger) everywhere.
   */
  static List<Integer> versions(Sql sql) {
    List<Integer> out = new ArrayList<>();
    for (String resource : sql.schemaResources()) {
      Matcher m = SCRIPT.matcher(resource);
      if (!m.matches()) {
        throw new IllegalStateException("schema script " + resource + " is not named V<n>__*.sql");
      }
      out.add(Integer.parseInt(m.group(1)));
    }
    return out;
  }

  /** The version this library writes and reads on the dialect: its last script's. */
  static int version(Sql sql) {
    List<Integer> v = versions(sql);
    return v.get(v.size() - 1);
  }

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
    return split(body.toString().replace("${table_prefix}", sql.t.prefix));
  }

  /**
   * Splits a script at the semicolons that end statements: not those inside a dollar-quoted body
   * ({@code $$ ... $$} or {@code $tag$ ... $tag$}, as PostgreSQL functions and {@code DO} blocks
   * are written). The scripts have no semicolon inside a quoted string.
   */
  static List<String> split(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    @Nullable String quote = null;
    int i = 0;
    while (i < script.length()) {
      char ch = script.charAt(i);
      int end = ch == '$' ? script.indexOf('$', i + 1) : -1;
      if (end > 0) {
        String tag = script.substring(i, end + 1);
        if (tag.substring(1, tag.length() - 1).matches("[A-Za-z_]*")) {
          if (quote == null) {
            quote = tag;
          } else if (quote.equals(tag)) {
            quote = null;
          }
          current.append(tag);
          i = end + 1;
          continue;
        }
      }
      if (ch == ';' && quote == null) {
        if (!current.toString().isBlank()) {
          out.add(current.toString().strip());
        }
        current.setLength(0);
      } else {
        current.append(ch);
      }
      i++;
    }
    if (quote != null) {
      throw new IllegalStateException("schema script ends inside " + quote + " quotes");
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }

  /** Creates what is missing. Idempotent; concurrent installers wait for one another. */
  static void install(Db.ConnectionSource source, Sql sql) {
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
   * Checks the recorded versions against the dialect's scripts: every one installed, none newer.
   *
   * @throws IllegalStateException naming what is missing or too new, and how to fix it
   */
  static void checkVersions(Sql sql, Set<Integer> present) {
    List<Integer> expected = versions(sql);
    int needed = version(sql);
    if (present.isEmpty()) {
      throw new IllegalStateException(
          "the quota4j schema is incomplete: "
              + sql.t.schemaVersion
              + " is empty, so its installation did not finish; run it again");
    }
    int newest = Collections.max(present);
    if (newest > needed) {
      throw new IllegalStateException(
          "the quota4j schema is at version "
              + newest
              + ", newer than this library (version "
              + needed
              + " on "
              + sql.dialect().displayName()
              + "): upgrade quota4j");
    }
    List<Integer> missing = new ArrayList<>(expected);
    missing.removeAll(present);
    if (missing.isEmpty()) {
      return;
    }
    List<String> scripts = new ArrayList<>();
    for (String r : sql.schemaResources()) {
      Matcher m = SCRIPT.matcher(r);
      if (m.matches() && missing.contains(Integer.parseInt(m.group(1)))) {
        scripts.add(r.substring(r.lastIndexOf('/') + 1));
      }
    }
    String state =
        newest < needed
            ? "the quota4j schema is at version "
                + newest
                + ", older than this library needs (version "
                + needed
                + " on "
                + sql.dialect().displayName()
                + ")"
            : "the quota4j schema is incomplete: version "
                + newest
                + " is recorded but not version "
                + missing.stream().map(String::valueOf).collect(Collectors.joining(", "));
    throw new IllegalStateException(
        state
            + "; missing: "
            + String.join(", ", scripts)
            + ". Apply them with SchemaMode.INSTALL (it adds what is missing) or with Flyway from"
            + " classpath:"
            + sql.dialect().schemaLocation());
  }

  /**
   * Checks that every table is there, that every schema version of the dialect is recorded and none
   * newer, and that the dialect's functions exist.
   *
   * @throws IllegalStateException naming the missing table, version or function, or the unknown
   *     version
   */
  static void validate(Db.ConnectionSource source, Sql sql) {
    try (Db.Lease lease = source.open()) {
      Connection c = lease.connection();
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
        Set<Integer> present = new TreeSet<>();
        try (ResultSet rs = st.executeQuery("SELECT version FROM " + sql.t.schemaVersion)) {
          while (rs.next()) {
            present.add(rs.getInt(1));
          }
        }
        checkVersions(sql, present);
        List<String> functions = sql.functions();
        String visible = sql.visibleFunctions();
        if (!functions.isEmpty() && visible != null) {
          Set<String> missing = new TreeSet<>(functions);
          try (PreparedStatement ps = c.prepareStatement(visible)) {
            ps.setArray(1, c.createArrayOf("varchar", functions.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                missing.remove(rs.getString(1));
              }
            }
          }
          if (!missing.isEmpty()) {
            throw new IllegalStateException(
                "the quota4j schema is incomplete: function "
                    + String.join(" and ", missing)
                    + " of schema version "
                    + version(sql)
                    + " is missing on "
                    + sql.dialect().displayName()
                    + " (dropped?); install it again with SchemaMode.INSTALL or with Flyway from"
                    + " classpath:"
                    + sql.dialect().schemaLocation());
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
