package dev.quota4j.tokens;

import static dev.quota4j.tokens.TokenEncoding.CL100K_BASE;
import static dev.quota4j.tokens.TokenEncoding.O200K_BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JtokkitTokenCounterTest {
  private final JtokkitTokenCounter counter = JtokkitTokenCounter.openAi();

  /** The six messages of OpenAI's cookbook "How to count tokens with tiktoken", section 6. */
  static List<ChatMessage> cookbookMessages() {
    return List.of(
        ChatMessage.system(
            "You are a helpful, pattern-following assistant that translates corporate jargon"
                + " into plain English."),
        ChatMessage.system("New synergies will help drive top-line growth.")
            .withName("example_user"),
        ChatMessage.system("Things working well together will increase revenue.")
            .withName("example_assistant"),
        ChatMessage.system(
                "Let's circle back when we have more bandwidth to touch base on opportunities for"
                    + " increased leverage.")
            .withName("example_user"),
        ChatMessage.system("Let's talk later when we're less busy about how to do better.")
            .withName("example_assistant"),
        ChatMessage.user(
            "This late pivot means we don't have time to boil the ocean for the client"
                + " deliverable."));
  }

  /** The cookbook's counts, which it checked against the prompt_tokens the API reported. */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "gpt-4, 129",
    "gpt-4-0613, 129",
    "gpt-3.5-turbo, 129",
    "gpt-3.5-turbo-0125, 129",
    "gpt-4o, 124",
    "gpt-4o-mini, 124",
    "gpt-4o-2024-08-06, 124"
  })
  void countsTheCookbookExampleLikeTheApi(String model, long expected) {
    assertEquals(expected, counter.countMessages(cookbookMessages(), model));
    assertEquals(
        new TokenEstimate(expected, 1_000), counter.estimate(cookbookMessages(), 1_000, model));
  }

  @Test
  void countsOnlyThePrimingForNoMessages() {
    assertEquals(3, counter.countMessages(List.of(), "gpt-4o"));
  }

  @Test
  void countsTextForAModel() {
    assertEquals(2, counter.count("hello world", "gpt-4o"));
    assertEquals(6, counter.count("tiktoken is great!", "gpt-4"));
    // the Japanese text is 9 tokens in cl100k_base and 8 in o200k_base
    assertEquals(9, counter.count("お誕生日おめでとう", "gpt-3.5-turbo"));
    assertEquals(8, counter.count("お誕生日おめでとう", "gpt-4.1"));
    assertEquals(7, counter.count("<|endoftext|>", "gpt-4o"), "special tokens are text");
  }

  @Test
  void estimatesPromptPlusMaximumOutput() {
    TokenEstimate e = counter.estimate("hello world", 2_000, "gpt-4o");
    assertEquals(new TokenEstimate(2, 2_000), e);
    assertEquals(2_002, e.totalTokens());
  }

  @Test
  void reportsTheEncodingItUses() {
    assertEquals(Optional.of(O200K_BASE), counter.encodingFor("gpt-4.1-mini"));
    assertEquals(Optional.of(CL100K_BASE), counter.encodingFor("text-embedding-3-large"));
    assertEquals(Optional.empty(), counter.encodingFor("claude-sonnet-4-5"));
    assertEquals(Optional.of(O200K_BASE), counter.encodingFor("some-new-model"));
  }

  /** cl100k_base tokens plus 25 %, rounded up: 2 → 3, 6 → 8 (7.5), 7 → 9 (8.75). */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "claude-sonnet-4-5",
        "Claude-3-Haiku-20240307",
        "llama-3.3-70b-versatile",
        "meta-llama/Llama-3.1-8B-Instruct",
        "mixtral-8x7b-32768",
        "mistralai/Mixtral-8x7B-Instruct-v0.1",
        "gemini-2.5-pro"
      })
  void approximatesNonOpenAiModels(String model) {
    List<String> events = new ArrayList<>();
    JtokkitTokenCounter c =
        JtokkitTokenCounter.builder().listener((m, fallback) -> events.add(m)).build();
    assertEquals(3, c.count("hello world", model));
    assertEquals(8, c.count("tiktoken is great!", model));
    assertEquals(9, c.count("2 + 2 = 4", model));
    assertEquals(List.of(), events, "a known family is no unknown model");
  }

  @Test
  void aCallerReplacesAnApproximationWithItsOwnCounter() {
    TokenCounter claudeTokenizer = (text, model) -> 42;
    JtokkitTokenCounter c =
        JtokkitTokenCounter.builder()
            .approximate("claude-*", claudeTokenizer)
            .approximate("mistral-*", ApproximateTokenCounter.of(O200K_BASE, 200))
            .build();
    assertEquals(42, c.count("anything", "claude-opus-4-1"));
    assertEquals(4, c.count("hello world", "mistral-large-latest"));
    assertEquals(3, c.count("hello world", "llama-3.1-8b-instant"), "other defaults remain");
    // messages go through the replacement too: 3 + (3 + 42 + 42) + (3 + 42 + 42 + 42 + 1)
    assertEquals(
        220,
        c.countMessages(
            List.of(ChatMessage.system("a"), ChatMessage.user("b").withName("n")),
            "claude-opus-4-1"));
  }

  @Test
  void reportsAnUnknownModelOnceAndCountsWithTheDefaultEncoding() {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    JtokkitTokenCounter c =
        JtokkitTokenCounter.builder()
            .listener((model, fallback) -> events.add(model + " -> " + fallback))
            .build();
    assertEquals(2, c.count("hello world", "acme-llm-7"));
    assertEquals(2, c.count("hello world", "acme-llm-7"));
    assertEquals(124, c.countMessages(cookbookMessages(), "acme-llm-7"));
    assertEquals(List.of("acme-llm-7 -> O200K_BASE"), events);

    JtokkitTokenCounter cl100k =
        JtokkitTokenCounter.builder()
            .defaultEncoding(CL100K_BASE)
            .noApproximations()
            .listener((model, fallback) -> events.add(model + " -> " + fallback))
            .build();
    assertEquals(129, cl100k.countMessages(cookbookMessages(), "claude-sonnet-4-5"));
    assertEquals("claude-sonnet-4-5 -> CL100K_BASE", events.get(1));
  }

  @Test
  void remembersAFewThousandUnknownNamesThenReportsEveryCall() {
    List<String> events = new ArrayList<>();
    JtokkitTokenCounter c =
        JtokkitTokenCounter.builder().listener((model, fallback) -> events.add(model)).build();
    for (int i = 0; i < JtokkitTokenCounter.REMEMBERED_UNKNOWN_MODELS + 10; i++) {
      assertEquals(1, c.count("hi", "model-" + i));
    }
    assertEquals(JtokkitTokenCounter.REMEMBERED_UNKNOWN_MODELS + 10, events.size());
    assertEquals(1, c.count("hi", "model-0"));
    assertEquals(1, c.count("hi", "model-1030"));
    assertEquals(1, c.count("hi", "model-1030"));
    assertEquals(
        List.of("model-1030", "model-1030"), events.subList(events.size() - 2, events.size()));
  }

  @Test
  void aFailingListenerNeverStopsCounting() {
    JtokkitTokenCounter c =
        JtokkitTokenCounter.builder()
            .listener(
                (model, fallback) -> {
                  throw new IllegalStateException("listener down");
                })
            .build();
    assertEquals(2, c.count("hello world", "unknown-model"));
  }

  @Test
  void neverPutsPromptTextInAnException() {
    String secret = "my password is hunter2";
    IllegalArgumentException badModel =
        assertThrows(IllegalArgumentException.class, () -> counter.count(secret, " "));
    assertEquals("model must not be blank, was ' '", badModel.getMessage());
    IllegalArgumentException badOutput =
        assertThrows(IllegalArgumentException.class, () -> counter.estimate(secret, -1, "gpt-4o"));
    assertEquals("maxOutputTokens must be zero or more, was -1", badOutput.getMessage());
    IllegalArgumentException overflow =
        assertThrows(
            IllegalArgumentException.class,
            () -> counter.estimate(secret, Long.MAX_VALUE, "gpt-4o"));
    assertFalse(String.valueOf(overflow.getMessage()).contains("hunter2"));
    assertEquals("ChatMessage[role='user', content=22 chars]", ChatMessage.user(secret).toString());
  }

  @Test
  void rejectsBadMessages() {
    assertEquals(
        "role must not be blank, was ''",
        assertThrows(IllegalArgumentException.class, () -> ChatMessage.of("", "x")).getMessage());
    assertEquals(
        "name must not be blank, was ' '",
        assertThrows(IllegalArgumentException.class, () -> ChatMessage.user("x").withName(" "))
            .getMessage());
    List<ChatMessage> withNull = new ArrayList<>();
    withNull.add(ChatMessage.user("x"));
    withNull.add(null);
    assertEquals(
        "messages[1] must not be null, was 'null'",
        assertThrows(
                IllegalArgumentException.class, () -> counter.countMessages(withNull, "gpt-4o"))
            .getMessage());
  }
}
