package dev.quota4j.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.quota4j.QuotaManager;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;

/**
 * Records the usage of LangChain4j chat models that cannot be wrapped (built by a framework, shared
 * with code you do not own): register it as one of the model's listeners.
 *
 * <p><b>Record-only: it cannot deny.</b> LangChain4j calls listeners inside a try/catch that logs
 * and swallows every exception, so an exception thrown here would not stop the call. Calls are
 * charged after the fact through {@link QuotaManager#record}, which adds to the counters
 * unconditionally: a subject over its limit stays over until the window ends, but nothing stops the
 * call that crossed it. Use {@link QuotaChatModel} or {@link QuotaStreamingChatModel} to enforce.
 *
 * <p>Each response is recorded with the response's id as the event id (a random one when the
 * response has none), so a retried record counts once. The subject comes from {@link ChatSubjects};
 * a call that names none is not recorded (LangChain4j would only log the error). A failed call is
 * recorded only when {@code billedOnFailure} says something was billed.
 */
public final class QuotaChatModelListener implements ChatModelListener {
  private final QuotaManager quotas;
  private final ChatSubjects subjects;
  private final Function<Throwable, Usage> billedOnFailure;

  /** Records to {@code quotas}, with subjects from {@link ChatSubjects#fromAttributes()}. */
  public QuotaChatModelListener(QuotaManager quotas) {
    this(quotas, ChatSubjects.fromAttributes(), e -> Usage.NONE);
  }

  /** Records to {@code quotas}, with the given subjects and billing of failed calls. */
  public QuotaChatModelListener(
      QuotaManager quotas, ChatSubjects subjects, Function<Throwable, Usage> billedOnFailure) {
    this.quotas = Guard.notNull("quotas", quotas);
    this.subjects = Guard.notNull("subjects", subjects);
    this.billedOnFailure = Guard.notNull("billedOnFailure", billedOnFailure);
  }

  @Override
  public void onResponse(ChatModelResponseContext context) {
    ChatResponse response = context.chatResponse();
    String model = ChatUsage.nonBlank(context.chatRequest().modelName(), Guard.COUNTING_MODEL);
    long input = ChatUsage.inputTokens(quotas.tokenCounter(), context.chatRequest(), model);
    Usage usage = ChatUsage.usage(response, input, quotas.tokenCounter(), model);
    UsageRequest.Builder b = subjects.requestFor(context.chatRequest(), context.attributes());
    if (context.chatRequest().modelName() != null) {
      b.model(model);
    }
    if (context.modelProvider() != null) {
      b.provider(context.modelProvider().name().toLowerCase(Locale.ROOT));
    }
    String id = response.id();
    var unused =
        quotas.record(
            id == null || id.isBlank() ? "lc4j-" + UUID.randomUUID() : id, b.build(), usage);
  }

  @Override
  public void onError(ChatModelErrorContext context) {
    Usage billed = billedOnFailure.apply(context.error());
    if (billed.equals(Usage.NONE)) {
      return;
    }
    UsageRequest.Builder b = subjects.requestFor(context.chatRequest(), context.attributes());
    var unused = quotas.record("lc4j-" + UUID.randomUUID(), b.build(), billed);
  }
}
