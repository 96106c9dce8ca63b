package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The driver timeouts the pool built from a URL gets, so that an outage fails calls in time. */
class DriverTimeoutsTest {
  static final Duration CONNECT = Duration.ofMillis(2_500);
  static final Duration SOCKET = Duration.ofSeconds(30);

  @Test
  void postgresGetsConnectLoginAndSocketTimeoutsInWholeSeconds() {
    assertEquals(
        Map.of("connectTimeout", "3", "loginTimeout", "3", "socketTimeout", "30"),
        OwnedPool.driverTimeouts("jdbc:postgresql://h:5432/db?user=u", CONNECT, SOCKET));
  }

  @Test
  void mariaDbAndMySqlGetConnectAndSocketTimeoutsInMilliseconds() {
    Map<String, String> expected = Map.of("connectTimeout", "2500", "socketTimeout", "30000");
    assertEquals(expected, OwnedPool.driverTimeouts("jdbc:mariadb://h:3306/db", CONNECT, SOCKET));
    assertEquals(expected, OwnedPool.driverTimeouts("jdbc:mysql://h:3306/db", CONNECT, SOCKET));
  }

  @Test
  void whatTheUrlSetsWins() {
    assertEquals(
        Map.of("loginTimeout", "3"),
        OwnedPool.driverTimeouts(
            "jdbc:postgresql://h/db?connectTimeout=1&socketTimeout=0", CONNECT, SOCKET));
    assertEquals(
        Map.of("connectTimeout", "2500"),
        OwnedPool.driverTimeouts("jdbc:mariadb://h/db?user=u&SocketTimeout=5", CONNECT, SOCKET));
  }

  @Test
  void zeroMeansNoSocketTimeoutAndOtherDriversGetNone() {
    assertEquals(
        Map.of("connectTimeout", "2500"),
        OwnedPool.driverTimeouts("jdbc:mariadb://h/db", CONNECT, Duration.ZERO));
    assertEquals(Map.of(), OwnedPool.driverTimeouts("jdbc:h2:mem:x", CONNECT, SOCKET));
  }

  @Test
  void aNegativeSocketTimeoutIsRefusedNamingTheSetting() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JdbcQuotaStore.builder().socketTimeout(Duration.ofSeconds(-1)));
    assertEquals(true, e.getMessage().startsWith("socketTimeout"), e.getMessage());
  }
}
