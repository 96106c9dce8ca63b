package dev.quota4j.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.anthropic.models.messages.CacheCreation;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.Model;
import com.anthropic.models.messages.OutputTokensDetails;
import com.anthropic.models.messages.ServerToolUsage;
import com.anthropic.models.messages.StopReason;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.responses.ResponseUsage;
import dev.quota4j.Usage;
import dev.quota4j.pricing.ModelPrice;
import dev.quota4j.pricing.PriceTable;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Usage objects built by the real SDK classes map to exact quota4j usage and cost. */
class ProviderUsagesTest {
  private static final Instant AT = Instant.parse("2026-01-15T00:00:00Z");

  @Test
  void openAiChatCompletionCachedTokensArePartOfThePrompt() {
    CompletionUsage u =
        CompletionUsage.builder()
            .promptTokens(2_006)
            .completionTokens(300)
            .totalTokens(2_306)
            .promptTokensDetails(
                CompletionUsage.PromptTokensDetails.builder().cachedTokens(1_920).build())
            .build();
    assertEquals(Usage.of(2_006, 300).withCachedInputTokens(1_920), OpenAiUsages.from(u));
    // no details at all: no cache
    CompletionUsage bare =
        CompletionUsage.builder().promptTokens(10).completionTokens(2).totalTokens(12).build();
    assertEquals(Usage.of(10, 2), OpenAiUsages.from(bare));
  }

  @Test
  void openAiCacheWriteTokensArePartOfThePromptToo() {
    CompletionUsage u =
        CompletionUsage.builder()
            .promptTokens(1_000)
            .completionTokens(5)
            .totalTokens(1_005)
            .promptTokensDetails(
                CompletionUsage.PromptTokensDetails.builder()
                    .cachedTokens(200)
                    .cacheWriteTokens(700)
                    .build())
            .build();
    assertEquals(
        Usage.of(1_000, 5).withCachedInputTokens(200).withCacheWriteTokens(700),
        OpenAiUsages.from(u));
  }

  @Test
  void openAiResponsesUsage() {
    ResponseUsage u =
        ResponseUsage.builder()
            .inputTokens(5_000)
            .outputTokens(800)
            .totalTokens(5_800)
            .inputTokensDetails(
                ResponseUsage.InputTokensDetails.builder()
                    .cachedTokens(4_096)
                    .cacheWriteTokens(0)
                    .build())
            .outputTokensDetails(
                ResponseUsage.OutputTokensDetails.builder().reasoningTokens(500).build())
            .build();
    // reasoning tokens are output tokens, billed as such
    assertEquals(Usage.of(5_000, 800).withCachedInputTokens(4_096), OpenAiUsages.from(u));
  }

  @Test
  void openAiChatCompletionCarriesItsModelAndId() {
    ChatCompletion c =
        ChatCompletion.builder()
            .id("chatcmpl-abc")
            .created(1_700_000_000L)
            .model("gpt-4o-2024-08-06")
            .choices(List.of())
            .usage(
                CompletionUsage.builder()
                    .promptTokens(12)
                    .completionTokens(3)
                    .totalTokens(15)
                    .build())
            .build();
    assertEquals(Usage.of(12, 3).withModel("gpt-4o-2024-08-06"), OpenAiUsages.from(c));
    assertEquals("chatcmpl-abc", OpenAiUsages.eventId(c));
    // priced at gpt-4o's 2.50 / 10.00 per million: 12 x 2.5 + 3 x 10 = 60 micro-units
    ModelPrice p = PriceTable.defaults().find("gpt-4o-2024-08-06", AT).orElseThrow();
    Usage u = OpenAiUsages.from(c);
    assertEquals(60, p.costMicros(u.inputTokens(), u.outputTokens(), u.cachedInputTokens()));
  }

  /**
   * Anthropic's input_tokens excludes cache reads and writes: a cache hit larger than the uncached
   * rest (the usual case) used to be refused as "cached exceeds input", so the call was never
   * charged.
   */
  @Test
  void anthropicCacheReadsAndWritesAreAddedToTheInput() {
    com.anthropic.models.messages.Usage u = anthropicUsage(50, 400, 10_000L, 2_000L);
    Usage mapped = AnthropicUsages.from(u);
    assertEquals(
        Usage.of(12_050, 400).withCachedInputTokens(10_000).withCacheWriteTokens(2_000), mapped);
    // claude-sonnet-4-5: 50 x 3 + 10,000 x 0.30 + 2,000 x 3.75 + 400 x 15 micro-units
    ModelPrice p = PriceTable.defaults().find("claude-sonnet-4-5", AT).orElseThrow();
    assertEquals(
        150 + 3_000 + 7_500 + 6_000,
        p.costMicros(
            mapped.inputTokens(),
            mapped.outputTokens(),
            mapped.cachedInputTokens(),
            mapped.cacheWriteTokens()));
  }

  @Test
  void anthropicWithoutCacheFieldsIsPlainInputAndOutput() {
    com.anthropic.models.messages.Usage u = anthropicUsage(25, 7, null, null);
    assertEquals(Usage.of(25, 7), AnthropicUsages.from(u));
  }

  @Test
  void anthropicMessageCarriesItsModelAndId() {
    Message m =
        Message.builder()
            .id("msg_01")
            .model(Model.CLAUDE_OPUS_4_5)
            .content(List.of())
            .stopReason(StopReason.END_TURN)
            .stopSequence((String) null)
            .container(java.util.Optional.empty())
            .diagnostics(java.util.Optional.empty())
            .stopDetails(java.util.Optional.empty())
            .usage(anthropicUsage(3, 4, 100L, 0L))
            .build();
    assertEquals(
        Usage.of(103, 4).withCachedInputTokens(100).withModel(Model.CLAUDE_OPUS_4_5.asString()),
        AnthropicUsages.from(m));
    assertEquals("msg_01", AnthropicUsages.eventId(m));
  }

  /** A usage as the SDK parses it from a response: every field set, absent ones as null. */
  private static com.anthropic.models.messages.Usage anthropicUsage(
      long input, long output, @Nullable Long read, @Nullable Long written) {
    return com.anthropic.models.messages.Usage.builder()
        .inputTokens(input)
        .outputTokens(output)
        .cacheReadInputTokens(read)
        .cacheCreationInputTokens(written)
        .cacheCreation((CacheCreation) null)
        .inferenceGeo((String) null)
        .serverToolUse((ServerToolUsage) null)
        .serviceTier((com.anthropic.models.messages.Usage.ServiceTier) null)
        .outputTokensDetails((OutputTokensDetails) null)
        .speed((com.anthropic.models.messages.Usage.Speed) null)
        .build();
  }
}
