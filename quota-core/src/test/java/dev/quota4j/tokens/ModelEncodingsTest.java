package dev.quota4j.tokens;

import static dev.quota4j.tokens.TokenEncoding.CL100K_BASE;
import static dev.quota4j.tokens.TokenEncoding.O200K_BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelEncodingsTest {
  private final ModelEncodings table = ModelEncodings.openAi();

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // o200k_base: each family of the issue, as an alias and as a dated or sized name
    "gpt-4o, O200K_BASE",
    "gpt-4o-2024-08-06, O200K_BASE",
    "gpt-4o-mini, O200K_BASE",
    "gpt-4o-mini-2024-07-18, O200K_BASE",
    "chatgpt-4o-latest, O200K_BASE",
    "gpt-4.1, O200K_BASE",
    "gpt-4.1-2025-04-14, O200K_BASE",
    "gpt-4.1-mini, O200K_BASE",
    "gpt-4.1-nano, O200K_BASE",
    "gpt-4.5-preview, O200K_BASE",
    "o1, O200K_BASE",
    "o1-mini, O200K_BASE",
    "o1-preview-2024-09-12, O200K_BASE",
    "o3, O200K_BASE",
    "o3-mini, O200K_BASE",
    "o3-pro, O200K_BASE",
    "o4-mini, O200K_BASE",
    "o4-mini-2025-04-16, O200K_BASE",
    "gpt-5, O200K_BASE",
    "gpt-5-mini, O200K_BASE",
    "gpt-5-nano-2025-08-07, O200K_BASE",
    "gpt-5.1, O200K_BASE",
    "ft:gpt-4o-2024-08-06:acme::abc123, O200K_BASE",
    "ft:gpt-4o-mini-2024-07-18:acme:custom:xyz, O200K_BASE",
    "ft:gpt-4.1-mini-2025-04-14:acme::q1, O200K_BASE",
    "gpt-oss-120b, O200K_BASE",
    // cl100k_base
    "gpt-4, CL100K_BASE",
    "gpt-4-0613, CL100K_BASE",
    "gpt-4-32k, CL100K_BASE",
    "gpt-4-turbo, CL100K_BASE",
    "gpt-4-turbo-2024-04-09, CL100K_BASE",
    "gpt-4-1106-preview, CL100K_BASE",
    "gpt-3.5-turbo, CL100K_BASE",
    "gpt-3.5-turbo-0125, CL100K_BASE",
    "gpt-3.5-turbo-16k, CL100K_BASE",
    "gpt-35-turbo, CL100K_BASE",
    "gpt-35-turbo-16k, CL100K_BASE",
    "text-embedding-ada-002, CL100K_BASE",
    "text-embedding-3-small, CL100K_BASE",
    "text-embedding-3-large, CL100K_BASE",
    "ft:gpt-3.5-turbo-0125:acme::abc, CL100K_BASE",
    "ft:gpt-4-0613:acme::abc, CL100K_BASE",
    "davinci-002, CL100K_BASE",
  })
  void resolvesEveryOpenAiFamily(String model, TokenEncoding expected) {
    assertEquals(Optional.of(expected), table.find(model));
  }

  /**
   * Regression: jtokkit's own {@code getEncodingForModel} matches "gpt-4.1" by its "gpt-4" prefix
   * and answers cl100k_base; gpt-4.1 uses o200k_base (tiktoken maps "gpt-4.1" to o200k_base). If
   * the jtokkit assertion fails after an upgrade, jtokkit has fixed its lookup.
   */
  @Test
  void gpt41IsO200kUnlikeJtokkitsOwnLookup() {
    assertEquals(Optional.of(O200K_BASE), table.find("gpt-4.1"));
    assertEquals(
        "cl100k_base",
        Encodings.newLazyEncodingRegistry().getEncodingForModel("gpt-4.1").orElseThrow().getName());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "claude-sonnet-4-5",
        "llama-3.3-70b-versatile",
        "gpt-",
        "text-embedding-3",
        "o2",
        "davinci-002-x",
        "mistral-large"
      })
  void knowsNothingElse(String model) {
    assertEquals(Optional.empty(), table.find(model));
  }

  @Test
  void ignoresCaseAndAProviderInFront() {
    assertEquals(Optional.of(O200K_BASE), table.find("GPT-4o-Mini"));
    assertEquals(Optional.of(O200K_BASE), table.find("openai/gpt-4.1"));
    assertEquals(Optional.of(CL100K_BASE), table.find("azure/deployments/gpt-35-turbo"));
    assertEquals(Optional.empty(), table.find("openai/"));
  }

  @Test
  void theMostSpecificPatternWinsWhateverTheOrder() {
    ModelEncodings a =
        ModelEncodings.builder().map("gpt-4*", CL100K_BASE).map("gpt-4o*", O200K_BASE).build();
    ModelEncodings b =
        ModelEncodings.builder().map("gpt-4o*", O200K_BASE).map("gpt-4*", CL100K_BASE).build();
    for (ModelEncodings t : List.of(a, b)) {
      assertEquals(Optional.of(O200K_BASE), t.find("gpt-4o-mini"));
      assertEquals(Optional.of(CL100K_BASE), t.find("gpt-4-turbo"));
    }
    ModelEncodings exact =
        ModelEncodings.builder().map("gpt-4o*", O200K_BASE).map("gpt-4o-old", CL100K_BASE).build();
    assertEquals(Optional.of(CL100K_BASE), exact.find("gpt-4o-old"));
    assertEquals(Optional.of(O200K_BASE), exact.find("gpt-4o-older"));
  }

  @Test
  void aBuilderExtendsAndOverridesTheDefaults() {
    ModelEncodings custom =
        ModelEncodings.openAi().toBuilder()
            .map("my-finetune*", CL100K_BASE)
            .map("gpt-4o*", CL100K_BASE)
            .remove("o1*")
            .build();
    assertEquals(Optional.of(CL100K_BASE), custom.find("my-finetune-v2"));
    assertEquals(Optional.of(CL100K_BASE), custom.find("gpt-4o"));
    assertEquals(Optional.empty(), custom.find("o1-mini"));
    assertEquals(Optional.of(O200K_BASE), ModelEncodings.openAi().find("o1-mini"));
  }

  @Test
  void listsItsPatternsMostSpecificFirst() {
    List<String> patterns = List.copyOf(table.asMap().keySet());
    assertEquals("text-embedding-ada-002", patterns.get(0), "the longest exact name comes first");
    assertTrue(patterns.indexOf("gpt-3.5") < patterns.indexOf("ft:gpt-3.5-turbo*"));
    assertTrue(patterns.indexOf("gpt-4o*") < patterns.indexOf("gpt-4*"));
    assertTrue(patterns.indexOf("ft:gpt-4o*") < patterns.indexOf("ft:gpt-4*"));
    assertEquals(CL100K_BASE, table.asMap().get("gpt-4*"));
  }

  @Test
  void rejectsBadNamesAndPatterns() {
    assertEquals(
        "model must not be blank, was ' '",
        assertThrows(IllegalArgumentException.class, () -> table.find(" ")).getMessage());
    assertEquals(
        "model pattern must have text before '*', was '*'",
        assertThrows(
                IllegalArgumentException.class, () -> ModelEncodings.builder().map("*", O200K_BASE))
            .getMessage());
    assertEquals(
        "model pattern may contain '*' only at its end, was 'gpt-*o'",
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelEncodings.builder().map("gpt-*o", O200K_BASE))
            .getMessage());
  }
}
