package dev.quota4j.examples;

import com.anthropic.models.messages.Message;
import com.openai.models.chat.completions.ChatCompletion;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.UsageRequest;
import dev.quota4j.langchain4j.ChatSubjects;
import dev.quota4j.langchain4j.QuotaChatModel;
import dev.quota4j.langchain4j.QuotaStreamingChatModel;
import dev.quota4j.providers.AnthropicUsages;
import dev.quota4j.providers.OpenAiUsages;
import java.util.Map;
import java.util.function.Supplier;

/** The README's sections on LLM clients, as code its test runs with fake models. */
public final class LlmClients {
  private LlmClients() {}

  /** LangChain4j: one decorated model; the user comes with each call. */
  public static ChatResponse langChain4j(QuotaManager quotas, ChatModel openAiModel) {
    // README-START langchain4j
    ChatModel model = QuotaChatModel.builder(quotas, openAiModel).build();

    ChatResponse answer =
        model.chat(
            ChatRequest.builder()
                .messages(UserMessage.from("Plan my week"))
                .maxOutputTokens(500)
                .build(),
            ChatRequestOptions.builder()
                .listenerAttributes(Map.of(ChatSubjects.USER, "u-42"))
                .build()); // QuotaExceededException before the provider is called
    // README-END
    return answer;
  }

  /** LangChain4j streaming, cut off at the granted budget. */
  public static void langChain4jStreaming(
      QuotaManager quotas,
      StreamingChatModel streamingModel,
      StreamingChatResponseHandler handler) {
    // README-START langchain4j-streaming
    StreamingChatModel streaming =
        QuotaStreamingChatModel.builder(quotas, streamingModel)
            .subjects(ChatSubjects.user("u-42")) // or fromAttributes(), the default
            .stopAtGrantedBudget(true)
            .build();
    streaming.chat(ChatRequest.builder().messages(UserMessage.from("Hi")).build(), handler);
    // README-END
  }

  /** The Anthropic SDK: cache reads and writes charged exactly. */
  public static Message anthropic(QuotaManager quotas, Supplier<Message> client) {
    // README-START anthropic-sdk
    try (Reservation r =
        quotas.reserve(
            UsageRequest.forUser("u-42")
                .model("claude-sonnet-4-5")
                .estimatedTokens("Plan my week", 1_024))) {
      Message message = client.get(); // anthropic.messages().create(params)
      r.commit(AnthropicUsages.from(message)); // input + cache reads + cache writes
      return message;
    }
    // README-END
  }

  /** The OpenAI SDK. */
  public static ChatCompletion openAi(QuotaManager quotas, Supplier<ChatCompletion> client) {
    // README-START openai-sdk
    try (Reservation r =
        quotas.reserve(
            UsageRequest.forUser("u-42").model("gpt-4o").estimatedTokens("Plan my week", 1_024))) {
      ChatCompletion completion = client.get(); // openai.chat().completions().create(params)
      r.commit(OpenAiUsages.from(completion)); // cached tokens are part of the prompt tokens
      return completion;
    }
    // README-END
  }
}
