package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 10 KB of hostile text on every database. Where free text is allowed (a failed call's error
 * message) it is kept to its first {@value UsageEvent#MAX_ERROR_MESSAGE} characters, exactly as
 * given, quotes, SQL and control characters included; where an id is expected (subject, event id,
 * dimensions, tags) it is refused before any store call with an {@link IllegalArgumentException}
 * that names the field, gives the length and shows only an escaped beginning of the value.
 */
class LongTextTest {
  static final String HOSTILE =
      "o'brien\"; DROP TABLE quota_counters; --\n\t\r\u0000\u001b[2J é🙂 ";

  static String tenKb() {
    StringBuilder b = new StringBuilder();
    while (b.length() < 10_240) {
      b.append(HOSTILE).append(b.length()).append(' ');
    }
    return b.substring(0, 10_240);
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void tenKilobytesOfErrorMessageAreKeptToTheDocumentedLengthExactly(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 2);
        JdbcQuotaStore store = db.store()) {
      QuotaManager m = manager(store);
      String message = tenKb();
      assertFalse(
          Character.isSurrogate(message.charAt(UsageEvent.MAX_ERROR_MESSAGE - 1)),
          "the cut falls between two characters");
      Reservation r = m.reserve(UsageRequest.forUser(HOSTILE).estimatedTokens(10, 10));
      assertEquals(Reservation.Outcome.COMMITTED, r.fail(message, Usage.of(10, 0)));
      List<UsageEvent> events = store.findEvents(EventQuery.all(10));
      UsageEvent e = events.stream().filter(x -> x.status() == EventStatus.ERROR).findFirst().get();
      assertEquals(message.substring(0, UsageEvent.MAX_ERROR_MESSAGE), e.errorMessage());
      assertEquals(HOSTILE, e.subject().id());
      assertEquals(10, e.inputTokens());
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void tenKilobyteIdsAreRefusedNamingTheFieldBeforeAnyStoreCall(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 2);
        JdbcQuotaStore store = db.store()) {
      QuotaManager m = manager(store);
      String big = tenKb();
      Map<String, Function<String, Object>> fields =
          Map.of(
              "user id", v -> UsageRequest.forUser(v).build(),
              "agent", v -> UsageRequest.forUser("u").agent(v).build(),
              "tool", v -> UsageRequest.forUser("u").tool(v).build(),
              "model", v -> UsageRequest.forUser("u").model(v).build(),
              "workflowId", v -> UsageRequest.forUser("u").workflow(v).build(),
              "tag value", v -> UsageRequest.forUser("u").tag("k", v).build(),
              "tag key", v -> UsageRequest.forUser("u").tag(v, "v").build(),
              "eventId", v -> m.record(v, UsageRequest.forUser("u").build(), Usage.of(1, 1)));
      fields.forEach(
          (field, call) -> {
            IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> call.apply(big), field);
            String msg = e.getMessage();
            assertTrue(msg.contains("10240"), field + ": " + msg);
            assertTrue(msg.length() < 400, field + ": the message stays short: " + msg.length());
            assertFalse(msg.contains("\n"), field + ": no raw control character: " + msg);
            assertTrue(
                msg.startsWith(field + " must be at most 255 characters, was 10240"),
                field + " is named: " + msg);
          });
      assertEquals(List.of(), store.findEvents(EventQuery.all(10)), "nothing reached the ledger");
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
}
