package dev.quota4j.jdbc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The JDBC URL and credentials of the database named by the environment variables the seed services
 * use, for {@link JdbcQuotaStore.Builder#environment}.
 *
 * <p><b>Which variables.</b> {@value #DATABASE_URL} when it is set and not blank; otherwise {@value
 * #DB_HOST} (default {@code localhost}), {@value #DB_PORT} (default {@code 3306}), {@value
 * #DB_NAME} (required), {@value #DB_USER} and {@value #DB_PASSWORD} (both optional), which the seed
 * joins into a {@code mysql+pymysql://} URL and which are read by the {@code mysql} rule below. The
 * {@code DB_*} variables are ignored when {@value #DATABASE_URL} is set, as the seed ignores them.
 * {@value #DB_USER} and {@value #DB_PASSWORD} are percent-decoded as the seed's URL has SQLAlchemy
 * decode them (so {@code p%40ss} is {@code p@ss}, and a {@code %} not followed by two hex digits
 * stays as it is). Values are stripped of surrounding white space, except {@value #DB_PASSWORD}'s,
 * which is taken exactly.
 *
 * <p><b>{@value #DATABASE_URL}</b> is a JDBC URL ({@code jdbc:...}), used as it is, or a SQLAlchemy
 * URL {@code dialect[+driver]://[user[:password]@]host[:port]/database[?query]}, read with the
 * pattern SQLAlchemy's {@code make_url} uses (so a password runs to the first {@code @}), and:
 *
 * <ul>
 *   <li>dialect {@code postgresql} or {@code postgres}, any driver: {@code
 *       jdbc:postgresql://host[:port]/database};
 *   <li>dialect {@code mysql} or {@code mariadb}, any driver: the JDBC driver of the same name,
 *       {@code jdbc:mysql://...} (MySQL Connector/J, {@value #MYSQL_DRIVER}) or {@code
 *       jdbc:mariadb://...} (MariaDB Connector/J, {@value #MARIADB_DRIVER}), unless only the other
 *       one is on the class path, which is then used (each speaks to both servers); neither on the
 *       class path: the one of the same name, and the build fails naming it;
 *   <li>any other dialect ({@code sqlite}, {@code mssql}, ...) is refused; H2 has no SQLAlchemy
 *       dialect: give it a {@code jdbc:h2:} URL.
 * </ul>
 *
 * <p>The user and password are percent-decoded (as SQLAlchemy decodes them) and returned apart from
 * the URL, so they never appear in the URL or in a message. No host: {@code localhost}; no port:
 * the driver's default. The database is required: letters, digits, {@code _}, {@code $} and {@code
 * -}. The host: letters, digits, {@code .}, {@code -} and {@code _}, or an IPv6 address in
 * brackets.
 *
 * <p><b>Query parameters</b> are the Python driver's options. Those with a JDBC equivalent are
 * carried over, a character set is dropped (JDBC drivers exchange Unicode with the server), and any
 * other is refused, naming it, rather than dropped: a dropped {@code ssl_ca} would connect without
 * the TLS the URL asks for. Use a {@code jdbc:} URL for other driver options.
 *
 * <table>
 *   <caption>Query parameters</caption>
 *   <tr><th>dialect</th><th>parameter</th><th>JDBC</th></tr>
 *   <tr><td>PostgreSQL</td><td>{@code sslmode}</td><td>{@code sslmode}, the same value ({@code
 *       disable}, {@code allow}, {@code prefer}, {@code require}, {@code verify-ca}, {@code
 *       verify-full})</td></tr>
 *   <tr><td>PostgreSQL</td><td>{@code sslrootcert}</td><td>{@code sslrootcert}, as given</td></tr>
 *   <tr><td>PostgreSQL</td><td>{@code application_name}</td><td>{@code ApplicationName}, as
 *       given</td></tr>
 *   <tr><td>any</td><td>{@code connect_timeout} (whole seconds, 0 to 2147483: the drivers keep it
 *       as an {@code int} of milliseconds; 0 is no timeout, as libpq reads it)</td><td>{@code
 *       connectTimeout}, in seconds for PostgreSQL, in milliseconds for MySQL and MariaDB</td></tr>
 *   <tr><td>MySQL, MariaDB</td><td>{@code charset}</td><td>dropped</td></tr>
 * </table>
 *
 * <p>Bad input fails with an {@link IllegalArgumentException} naming the variable and its value,
 * any password in it replaced by {@code ***} ({@link #redact}); {@value #DB_PASSWORD} is never
 * shown.
 */
final class DatabaseEnvironment {
  static final String DATABASE_URL = "DATABASE_URL";
  static final String DB_HOST = "DB_HOST";
  static final String DB_PORT = "DB_PORT";
  static final String DB_NAME = "DB_NAME";
  static final String DB_USER = "DB_USER";
  static final String DB_PASSWORD = "DB_PASSWORD";

  static final String MYSQL_DRIVER = "com.mysql.cj.jdbc.Driver";
  static final String MARIADB_DRIVER = "org.mariadb.jdbc.Driver";

  /** The port the seed uses when {@value #DB_PORT} is unset. */
  static final int DEFAULT_PORT = 3306;

  /**
   * SQLAlchemy's URL pattern ({@code sqlalchemy/engine/url.py}, {@code _parse_url}), matched over
   * the whole value, with the scheme split into the dialect and an optional {@code +driver}.
   */
  private static final Pattern SQLALCHEMY =
      Pattern.compile(
          "(?<dialect>[A-Za-z0-9_]+)(?:\\+[A-Za-z0-9_]+)?://"
              + "(?:(?<user>[^:/]*)(?::(?<password>[^@]*))?@)?"
              + "(?:(?:\\[(?<ipv6>[^/?]+)]|(?<host>[^/:?]+))?(?::(?<port>[^/?]*))?)?"
              + "(?:/(?<database>[^?]*))?"
              + "(?:\\?(?<query>.*))?");

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]{1,253}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_$-]{1,64}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,9}");

  /**
   * The largest {@code connect_timeout}, in seconds, whose milliseconds fit the {@code int} in
   * which the PostgreSQL and MariaDB drivers keep their connect timeout.
   */
  static final long MAX_CONNECT_TIMEOUT_SECONDS = Integer.MAX_VALUE / 1000;

  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final List<String> SSL_MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  private static final String URL_FORM =
      "dialect[+driver]://user:password@host:port/database or a jdbc: URL";

  private DatabaseEnvironment() {}

  /** Where to connect: a JDBC URL without credentials, and the credentials. */
  record Target(String url, @Nullable String user, @Nullable String password) {
    /** Never shows the password. */
    @Override
    public String toString() {
      return "Target[url="
          + StoreOpener.redact(url)
          + ", user="
          + user
          + ", password="
          + (password == null ? "null" : "***")
          + "]";
    }
  }

  /** The database the variables name; {@code driverPresent} says whether a class is loadable. */
  static Target read(Map<String, String> env, Predicate<String> driverPresent) {
    String databaseUrl = value(env, DATABASE_URL);
    if (databaseUrl != null) {
      return fromDatabaseUrl(databaseUrl, driverPresent);
    }
    return fromParts(env, driverPresent);
  }

  /** Whether {@code className} loads from the context class loader or this library's. */
  static boolean driverPresent(String className) {
    List<@Nullable ClassLoader> loaders = new ArrayList<>();
    loaders.add(Thread.currentThread().getContextClassLoader());
    loaders.add(DatabaseEnvironment.class.getClassLoader());
    for (ClassLoader loader : loaders) {
      if (loader != null && loads(className, loader)) {
        return true;
      }
    }
    return false;
  }

  private static boolean loads(String className, ClassLoader loader) {
    try {
      Class.forName(className, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static @Nullable String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  // ---- DATABASE_URL -------------------------------------------------------------------------

  static Target fromDatabaseUrl(String value, Predicate<String> driverPresent) {
    if (value.startsWith("jdbc:")) {
      return new Target(value, null, null);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        throw urlError(value, "must be " + URL_FORM + " without spaces or control characters");
      }
    }
    Matcher m = SQLALCHEMY.matcher(value);
    if (!m.matches()) {
      throw urlError(value, "must be " + URL_FORM);
    }
    String dialect = m.group("dialect").toLowerCase(Locale.ROOT);
    String jdbcScheme =
        switch (dialect) {
          case "postgresql", "postgres" -> "postgresql";
          case "mysql", "mariadb" -> mysqlOrMariaDb(dialect, driverPresent);
          case "h2" ->
              throw urlError(
                  value,
                  "names h2, which has no SQLAlchemy URL: give H2 a JDBC URL such as"
                      + " jdbc:h2:file:./data/quota");
          default ->
              throw urlError(
                  value,
                  "must name postgresql, postgres, mysql or mariadb (or be a jdbc: URL), not "
                      + dialect);
        };
    String user = m.group("user");
    String password = m.group("password");
    String host = m.group("host");
    String ipv6 = m.group("ipv6");
    String hostPart;
    if (ipv6 != null) {
      if (!IPV6.matcher(ipv6).matches()) {
        throw urlError(value, "must have a host name or an IPv6 address in brackets");
      }
      hostPart = "[" + ipv6 + "]";
    } else if (host != null) {
      if (!HOST.matcher(host).matches()) {
        throw urlError(value, "must have a host name of letters, digits, '.', '-' or '_'");
      }
      hostPart = host;
    } else {
      hostPart = "localhost";
    }
    String port = m.group("port");
    String portPart = "";
    if (port != null && !port.isEmpty()) {
      if (!PORT.matcher(port).matches()) {
        // not shown: in "mysql://user:secret/db", a URL without its "@host", the port is "secret"
        String hidden =
            value.substring(0, m.start("port")) + "***" + value.substring(m.end("port"));
        throw urlError(
            hidden,
            "must have a port number, 1 to 65535, after the host (a port that is not a number is"
                + " not shown)");
      }
      int p = Integer.parseInt(port);
      if (p < 1 || p > 65535) {
        // not shown either: in "mysql://user:12345678/db" the port is a numeric password
        String hidden =
            value.substring(0, m.start("port")) + "***" + value.substring(m.end("port"));
        throw urlError(hidden, "must have a port number, 1 to 65535, after the host");
      }
      portPart = ":" + p;
    }
    String database = m.group("database");
    if (database == null || database.isEmpty()) {
      throw urlError(value, "must name a database after the host: .../database");
    }
    if (!DATABASE.matcher(database).matches()) {
      throw urlError(
          value, "must name a database of letters, digits, '_', '$' or '-' after the host");
    }
    String query = m.group("query");
    String params = query == null ? "" : parameters(value, jdbcScheme, query);
    String url = "jdbc:" + jdbcScheme + "://" + hostPart + portPart + "/" + database + params;
    String u = user == null || user.isEmpty() ? null : percentDecode(user);
    String pw = password == null ? null : percentDecode(password);
    if (u != null && u.length() > Args.MAX_ID_LENGTH) {
      throw urlError(
          value, "must have a user name of at most " + Args.MAX_ID_LENGTH + " characters");
    }
    return new Target(url, u, pw);
  }

  /** The query parameters carried over, as {@code ?a=b&c=d}, or an empty string. */
  private static String parameters(String value, String jdbcScheme, String query) {
    boolean postgres = jdbcScheme.equals("postgresql");
    StringBuilder out = new StringBuilder();
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      String jdbcName;
      String jdbcValue;
      switch (name) {
        case "connect_timeout" -> {
          if (!DIGITS.matcher(v).matches() || Long.parseLong(v) > MAX_CONNECT_TIMEOUT_SECONDS) {
            throw urlError(
                value,
                "must give connect_timeout in whole seconds, 0 to "
                    + MAX_CONNECT_TIMEOUT_SECONDS
                    + " (the drivers keep it as an int of milliseconds)");
          }
          jdbcName = "connectTimeout";
          jdbcValue = postgres ? v : Long.toString(Long.parseLong(v) * 1000);
        }
        case "sslmode" -> {
          if (!postgres) {
            throw unsupported(value, name);
          }
          if (!SSL_MODES.contains(v)) {
            throw urlError(value, "must give sslmode one of " + String.join(", ", SSL_MODES));
          }
          jdbcName = "sslmode";
          jdbcValue = v;
        }
        case "sslrootcert" -> {
          if (!postgres || v.isEmpty()) {
            throw unsupported(value, name);
          }
          jdbcName = "sslrootcert";
          jdbcValue = v;
        }
        case "application_name" -> {
          if (!postgres) {
            throw unsupported(value, name);
          }
          jdbcName = "ApplicationName";
          jdbcValue = v;
        }
        case "charset" -> {
          if (postgres) {
            throw unsupported(value, name);
          }
          continue;
        }
        default -> throw unsupported(value, name);
      }
      out.append(out.length() == 0 ? '?' : '&').append(jdbcName).append('=').append(jdbcValue);
    }
    return out.toString();
  }

  private static IllegalArgumentException unsupported(String value, String parameter) {
    return urlError(
        value,
        "has query parameter "
            + Args.show(parameter)
            + ", which is not carried over to JDBC (only connect_timeout; PostgreSQL: sslmode,"
            + " sslrootcert, application_name; MySQL/MariaDB: charset, dropped): use a jdbc: URL"
            + " with the driver's own options");
  }

  private static IllegalArgumentException urlError(String value, String requirement) {
    return new IllegalArgumentException(
        "environment variable "
            + DATABASE_URL
            + " "
            + requirement
            + ", was "
            + Args.show(redact(value)));
  }

  // ---- DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD ---------------------------------------

  static Target fromParts(Map<String, String> env, Predicate<String> driverPresent) {
    String name = value(env, DB_NAME);
    if (name == null) {
      throw new IllegalArgumentException(
          "environment variable "
              + DB_NAME
              + " must be set when "
              + DATABASE_URL
              + " is not (the database to use; or set "
              + DATABASE_URL
              + "), was "
              + shown(env.get(DB_NAME)));
    }
    if (!DATABASE.matcher(name).matches()) {
      throw partError(DB_NAME, "must be a database name of letters, digits, '_', '$' or '-'", name);
    }
    String host = value(env, DB_HOST);
    String hostPart;
    if (host == null) {
      hostPart = "localhost";
    } else if (HOST.matcher(host).matches()) {
      hostPart = host;
    } else if (host.startsWith("[")
        && host.endsWith("]")
        && IPV6.matcher(host.substring(1, host.length() - 1)).matches()) {
      hostPart = host;
    } else if (host.contains(":") && IPV6.matcher(host).matches()) {
      hostPart = "[" + host + "]";
    } else {
      throw partError(DB_HOST, "must be a host name or an IP address", host);
    }
    String portText = value(env, DB_PORT);
    int port = DEFAULT_PORT;
    if (portText != null) {
      if (!DIGITS.matcher(portText).matches()) {
        throw partError(DB_PORT, "must be a port number, 1 to 65535", portText);
      }
      port = Integer.parseInt(portText);
      if (port < 1 || port > 65535) {
        throw partError(DB_PORT, "must be a port number, 1 to 65535", portText);
      }
    }
    String user = value(env, DB_USER);
    // the seed pastes both into a URL that SQLAlchemy percent-decodes
    user = user == null ? null : percentDecode(user);
    if (user != null && user.length() > Args.MAX_ID_LENGTH) {
      throw partError(DB_USER, "must be at most " + Args.MAX_ID_LENGTH + " characters", user);
    }
    String password = env.get(DB_PASSWORD);
    password = password == null ? null : percentDecode(password);
    return new Target(
        "jdbc:"
            + mysqlOrMariaDb("mysql", driverPresent)
            + "://"
            + hostPart
            + ":"
            + port
            + "/"
            + name,
        user,
        password);
  }

  /**
   * The JDBC scheme for SQLAlchemy's {@code mysql} or {@code mariadb} dialect: the driver of the
   * same name, unless only the other one is on the class path (each speaks to both servers).
   */
  private static String mysqlOrMariaDb(String dialect, Predicate<String> driverPresent) {
    boolean mysql = driverPresent.test(MYSQL_DRIVER);
    boolean mariadb = driverPresent.test(MARIADB_DRIVER);
    if (dialect.equals("mysql")) {
      return !mysql && mariadb ? "mariadb" : "mysql";
    }
    return !mariadb && mysql ? "mysql" : "mariadb";
  }

  private static IllegalArgumentException partError(String name, String requirement, String value) {
    return new IllegalArgumentException(
        "environment variable " + name + " " + requirement + ", was " + Args.show(value));
  }

  private static String shown(@Nullable String value) {
    return value == null ? "unset" : Args.show(value);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * A {@value #DATABASE_URL} value for messages: everything from the first {@code :} of the user
   * information to its last {@code @} replaced by {@code ***}, and {@code password=} parameters
   * redacted. Errs on the side of hiding: whatever SQLAlchemy would read as a password is hidden
   * whichever way the value is malformed.
   */
  static String redact(String value) {
    int scheme = value.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int at = value.lastIndexOf('@');
    String out = value;
    if (at > start) {
      int colon = value.indexOf(':', start);
      if (colon >= 0 && colon < at) {
        out = value.substring(0, colon + 1) + "***" + value.substring(at);
      }
    }
    return out.replaceAll("(?i)(password|pwd)=[^&;]*", "$1=***");
  }

  /**
   * Decodes {@code %XX} sequences as UTF-8, as Python's {@code urllib.parse.unquote} (which
   * SQLAlchemy uses) does: a {@code %} not followed by two hex digits stays as it is, a {@code +}
   * stays a {@code +}, bytes that are not UTF-8 become U+FFFD.
   */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '%'
          && i + 2 < s.length()
          && hex(s.charAt(i + 1)) >= 0
          && hex(s.charAt(i + 2)) >= 0) {
        bytes.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 3;
        continue;
      }
      if (bytes.size() > 0) {
        out.append(bytes.toString(StandardCharsets.UTF_8));
        bytes.reset();
      }
      out.append(c);
      i++;
    }
    if (bytes.size() > 0) {
      out.append(bytes.toString(StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  private static int hex(char c) {
    return Character.digit(c, 16) >= 0 && c < 0x80 ? Character.digit(c, 16) : -1;
  }
}
