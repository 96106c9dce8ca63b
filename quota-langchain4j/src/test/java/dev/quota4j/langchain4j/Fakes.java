package dev.quota4j.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Fake LangChain4j models: no network; they report the usage they are told to. */
final class Fakes {
  private Fakes() {}

  /** A chat model that answers "ok" with fixed usage, or throws. */
  static final class FakeChatModel implements ChatModel {
    final AtomicInteger calls = new AtomicInteger();
    final List<ChatRequest> received = new CopyOnWriteArrayList<>();
    final List<ChatModelListener> listeners;
    int input = 37;
    int output = 11;
    @Nullable RuntimeException failure;

    FakeChatModel(ChatModelListener... listeners) {
      this.listeners = List.of(listeners);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
      int n = calls.incrementAndGet();
      received.add(request);
      RuntimeException f = failure;
      if (f != null) {
        throw f;
      }
      return ChatResponse.builder()
          .id("resp-" + n)
          .modelName("fake-model-2026")
          .aiMessage(AiMessage.from("ok"))
          .tokenUsage(new TokenUsage(input, output))
          .finishReason(FinishReason.STOP)
          .build();
    }

    @Override
    public List<ChatModelListener> listeners() {
      return listeners;
    }
  }

  /** What a fake stream does between its partial responses. */
  interface Step {
    void run(int index);
  }

  /**
   * A streaming model that sends its parts one by one (stopping when cancelled), then completes
   * with fixed usage or fails.
   */
  static final class FakeStreamingModel implements StreamingChatModel {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger sent = new AtomicInteger();
    List<String> parts = List.of("Hello", " world");
    int input = 20;
    int output = 2;
    @Nullable RuntimeException failure;
    Step between = i -> {};

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
      calls.incrementAndGet();
      Handle handle = new Handle();
      for (int i = 0; i < parts.size(); i++) {
        if (handle.cancelled) {
          return; // a cancelled stream says nothing more
        }
        between.run(i);
        sent.incrementAndGet();
        handler.onPartialResponse(
            new PartialResponse(parts.get(i)), new PartialResponseContext(handle));
      }
      if (handle.cancelled) {
        return;
      }
      RuntimeException f = failure;
      if (f != null) {
        handler.onError(f);
        return;
      }
      handler.onCompleteResponse(
          ChatResponse.builder()
              .id("stream-1")
              .aiMessage(AiMessage.from(String.join("", parts)))
              .tokenUsage(new TokenUsage(input, output))
              .finishReason(FinishReason.STOP)
              .build());
    }
  }

  static final class Handle implements StreamingHandle {
    volatile boolean cancelled;

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }

  /** Collects what a streaming handler hears. */
  static final class Collector implements StreamingChatResponseHandler {
    final StringBuilder text = new StringBuilder();
    @Nullable ChatResponse complete;
    @Nullable Throwable error;

    @Override
    public void onPartialResponse(String partialResponse) {
      text.append(partialResponse);
    }

    @Override
    public void onCompleteResponse(ChatResponse completeResponse) {
      complete = completeResponse;
    }

    @Override
    public void onError(Throwable e) {
      error = e;
    }
  }
}
