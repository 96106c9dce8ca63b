package dev.quota4j.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quota4j.tokens.ToolDefinition.ToolParameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tool definitions count as OpenAI bills them: the figures OpenAI's cookbook ("How to count tokens
 * with tiktoken", counting tokens for chat completions with tool calls) reports from its API for
 * its weather example, 101 prompt tokens on gpt-4o and gpt-4o-mini, 105 on gpt-4 and gpt-3.5-turbo.
 */
class ToolTokensTest {
  static final List<ToolDefinition> WEATHER =
      List.of(
          new ToolDefinition(
              "get_current_weather",
              "Get the current weather in a given location",
              List.of(
                  new ToolParameter(
                      "location",
                      "string",
                      "The city and state, e.g. San Francisco, CA",
                      List.of()),
                  new ToolParameter(
                      "unit",
                      "string",
                      "The unit of temperature to return",
                      List.of("celsius", "fahrenheit")))));

  static final List<ChatMessage> MESSAGES =
      List.of(
          ChatMessage.system(
              "You are a helpful assistant that can answer to questions about the weather."),
          ChatMessage.user("What's the weather like in San Francisco?"));

  @Test
  void theCookbookExampleCountsWhatTheApiBilled() {
    TokenCounter counter = TokenCounter.openAi();
    assertEquals(101, counter.countMessages(MESSAGES, WEATHER, "gpt-4o"));
    assertEquals(101, counter.countMessages(MESSAGES, WEATHER, "gpt-4o-mini"));
    assertEquals(105, counter.countMessages(MESSAGES, WEATHER, "gpt-4"));
    assertEquals(105, counter.countMessages(MESSAGES, WEATHER, "gpt-3.5-turbo"));
    assertEquals(new TokenEstimate(101, 500), counter.estimate(MESSAGES, WEATHER, 500, "gpt-4o"));
    // what an estimate without the tools missed
    assertEquals(68, counter.countTools(WEATHER, "gpt-4o"));
  }

  @Test
  void noToolsCountNothing() {
    assertEquals(0, TokenCounter.openAi().countTools(List.of(), "gpt-4o"));
    assertEquals(
        TokenCounter.openAi().countMessages(MESSAGES, "gpt-4o"),
        TokenCounter.openAi().countMessages(MESSAGES, List.of(), "gpt-4o"));
  }
}
