package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.anthropic.models.messages.CacheCreation;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.Model;
import com.anthropic.models.messages.OutputTokensDetails;
import com.anthropic.models.messages.ServerToolUsage;
import com.anthropic.models.messages.StopReason;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.completions.CompletionUsage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.TokenUsage;
import dev.quota4j.QuotaManager;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Runs the README's LLM client sections with fake models and SDK objects. */
class LlmClientsTest {
  final InMemoryQuotaStore store = new InMemoryQuotaStore();
  final QuotaManager quotas =
      QuotaManager.builder()
          .store(store)
          .clock(MutableClock.at("2026-12-08T10:00:00Z"))
          .pricing(PriceTable.defaults())
          .defaultLogging(false)
          .build();

  UsageEvent last() {
    List<UsageEvent> es = store.findEvents(EventQuery.all(100));
    return es.get(es.size() - 1);
  }

  @Test
  void langChain4j() {
    ChatModel fake =
        new ChatModel() {
          @Override
          public ChatResponse doChat(ChatRequest request) {
            return ChatResponse.builder()
                .id("r1")
                .aiMessage(AiMessage.from("Monday: ..."))
                .tokenUsage(new TokenUsage(12, 40))
                .build();
          }
        };
    assertEquals("r1", LlmClients.langChain4j(quotas, fake).id());
    assertEquals(52, last().totalTokens());
    assertEquals("u-42", last().subject().id());
  }

  @Test
  void langChain4jStreaming() {
    StreamingChatModel fake =
        new StreamingChatModel() {
          @Override
          public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            handler.onPartialResponse("Hello");
            handler.onCompleteResponse(
                ChatResponse.builder()
                    .aiMessage(AiMessage.from("Hello"))
                    .tokenUsage(new TokenUsage(8, 1))
                    .build());
          }
        };
    ChatResponse[] done = new ChatResponse[1];
    LlmClients.langChain4jStreaming(
        quotas,
        fake,
        new StreamingChatResponseHandler() {
          @Override
          public void onCompleteResponse(ChatResponse r) {
            done[0] = r;
          }

          @Override
          public void onError(Throwable e) {}
        });
    assertNotNull(done[0]);
    assertEquals(9, last().totalTokens());
  }

  @Test
  void anthropicSdk() {
    Message m =
        Message.builder()
            .id("msg_1")
            .model(Model.of("claude-sonnet-4-5"))
            .content(List.of())
            .stopReason(StopReason.END_TURN)
            .stopSequence(Optional.empty())
            .container(Optional.empty())
            .diagnostics(Optional.empty())
            .stopDetails(Optional.empty())
            .usage(
                com.anthropic.models.messages.Usage.builder()
                    .inputTokens(50)
                    .outputTokens(400)
                    .cacheReadInputTokens(10_000L)
                    .cacheCreationInputTokens(2_000L)
                    .cacheCreation((CacheCreation) null)
                    .inferenceGeo((String) null)
                    .serverToolUse((ServerToolUsage) null)
                    .serviceTier((com.anthropic.models.messages.Usage.ServiceTier) null)
                    .outputTokensDetails((OutputTokensDetails) null)
                    .speed((com.anthropic.models.messages.Usage.Speed) null)
                    .build())
            .build();
    var unused = LlmClients.anthropic(quotas, () -> m);
    UsageEvent e = last();
    assertEquals(12_050, e.inputTokens());
    assertEquals(10_000, e.cachedInputTokens());
    assertEquals(2_000, e.cacheWriteTokens());
    // 50 x 3 + 10,000 x 0.30 + 2,000 x 3.75 + 400 x 15 micro-dollars
    assertEquals(16_650, e.costMicros());
  }

  @Test
  void openAiSdk() {
    ChatCompletion c =
        ChatCompletion.builder()
            .id("chatcmpl-1")
            .created(0)
            .model("gpt-4o-2024-08-06")
            .choices(List.of())
            .usage(
                CompletionUsage.builder()
                    .promptTokens(2_000)
                    .completionTokens(100)
                    .totalTokens(2_100)
                    .promptTokensDetails(
                        CompletionUsage.PromptTokensDetails.builder().cachedTokens(1_024).build())
                    .build())
            .build();
    var unused = LlmClients.openAi(quotas, () -> c);
    UsageEvent e = last();
    assertEquals(1_024, e.cachedInputTokens());
    // 976 x 2.50 + 1,024 x 1.25 + 100 x 10 micro-dollars
    assertEquals(2_440 + 1_280 + 1_000, e.costMicros());
  }
}
