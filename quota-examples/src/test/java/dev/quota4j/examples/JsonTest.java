package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void escapesWhatMustBeEscaped() {
    String text =
        Json.object()
            .put("q", "say \"hi\"\\ \n\t\u0001 \u2028 é")
            .put("n", 3)
            .put("d", 0.5)
            .put("m", new BigDecimal("0.000150"))
            .put("t", Instant.parse("2026-11-25T00:00:00Z"))
            .put("none", null)
            .put("list", List.of(1, "two", Json.object().put("ok", true)))
            .toString();
    assertEquals(
        "{\"q\":\"say \\\"hi\\\"\\\\ \\n\\t\\u0001 \\u2028 é\",\"n\":3,\"d\":0.5,"
            + "\"m\":0.000150,\"t\":\"2026-11-25T00:00:00Z\",\"none\":null,"
            + "\"list\":[1,\"two\",{\"ok\":true}]}",
        text);
    Map<String, Object> back = Json.parseObject(text);
    assertEquals("say \"hi\"\\ \n\t\u0001 \u2028 é", back.get("q"));
    assertEquals(new BigDecimal("0.000150"), back.get("m"));
    assertTrue(back.containsKey("none"));
  }

  @Test
  void refusesWhatIsNotJson() {
    for (String bad :
        List.of("{", "{\"a\":}", "[1,]", "{\"a\":1,\"a\":2}", "nul", "\"\u0001\"", "1 2")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("bad JSON at offset "), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Json.parseObject("[1]"));
    assertThrows(IllegalArgumentException.class, () -> Json.object().put("x", new Object()));
  }
}
