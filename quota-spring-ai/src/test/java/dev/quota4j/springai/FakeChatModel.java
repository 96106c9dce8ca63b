package dev.quota4j.springai;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/** A Spring AI chat model that answers without a network and reports a fixed usage. */
final class FakeChatModel implements ChatModel {
  final AtomicInteger calls = new AtomicInteger();
  final List<Prompt> received = new CopyOnWriteArrayList<>();
  volatile int promptTokens = 37;
  volatile int completionTokens = 11;
  volatile @Nullable RuntimeException failure;

  static ChatResponse response(String text, @Nullable DefaultUsage usage) {
    ChatResponseMetadata.Builder meta = ChatResponseMetadata.builder().model("fake-model-2026");
    if (usage != null) {
      meta.usage(usage);
    }
    return new ChatResponse(List.of(new Generation(new AssistantMessage(text))), meta.build());
  }

  @Override
  public ChatResponse call(Prompt prompt) {
    calls.incrementAndGet();
    received.add(prompt);
    RuntimeException f = failure;
    if (f != null) {
      throw f;
    }
    return response("hello there", new DefaultUsage(promptTokens, completionTokens));
  }

  /** Three chunks; the last carries the usage. With a failure, fails after the first chunk. */
  @Override
  public Flux<ChatResponse> stream(Prompt prompt) {
    return Flux.defer(
        () -> {
          calls.incrementAndGet();
          received.add(prompt);
          RuntimeException f = failure;
          if (f != null) {
            return Flux.just(response("hel", null)).concatWith(Flux.error(f));
          }
          return Flux.just(
              response("hel", null),
              response("lo ", null),
              response("there", new DefaultUsage(promptTokens, completionTokens)));
        });
  }
}
