package dev.quota4j.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.SubjectRef;
import dev.quota4j.Window;
import dev.quota4j.langchain4j.Fakes.Collector;
import dev.quota4j.langchain4j.Fakes.FakeStreamingModel;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.tokens.TokenCounter;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streaming decorator against real LangChain4j classes and a fake streaming model. */
class QuotaStreamingChatModelTest {
  final InMemoryQuotaStore store = new InMemoryQuotaStore();
  final MutableClock clock = MutableClock.at("2026-12-08T10:00:00Z");
  final QuotaManager quotas =
      QuotaManager.builder()
          .store(store)
          .policy(
              QuotaPolicy.builder()
                  .plan(
                      Plan.builder("free")
                          .limit(Limit.of("daily", Metric.TOKENS, Window.DAY, 1_000))
                          .build())
                  .defaultPlan("free")
                  .build())
          .clock(clock)
          .leaseDuration(Duration.ofMinutes(1))
          .defaultLogging(false)
          .build();
  final FakeStreamingModel fake = new FakeStreamingModel();

  static ChatRequest request(int maxOutput) {
    return ChatRequest.builder()
        .messages(UserMessage.from("Say hello."))
        .maxOutputTokens(maxOutput)
        .build();
  }

  static final ChatRequestOptions USER =
      ChatRequestOptions.builder().listenerAttributes(Map.of(ChatSubjects.USER, "u")).build();

  UsageEvent onlyEvent() {
    List<UsageEvent> es = store.findEvents(EventQuery.all(10));
    assertEquals(1, es.size(), es.toString());
    return es.get(0);
  }

  long used() {
    return quotas.status(SubjectRef.user("u")).limits().get(0).used();
  }

  @Test
  void aCompletedStreamCommitsTheReportedUsage() {
    QuotaStreamingChatModel model =
        QuotaStreamingChatModel.builder(quotas, fake).clock(clock).build();
    Collector c = new Collector();
    model.chat(request(100), USER, c);
    assertEquals("Hello world", c.text.toString());
    assertNotNull(c.complete);
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals(20, e.inputTokens());
    assertEquals(2, e.outputTokens());
    assertEquals(22, used());
    assertEquals(0, store.openReservations());
  }

  @Test
  void aDeniedStreamIsThrownBeforeTheModelIsCalled() {
    QuotaStreamingChatModel model =
        QuotaStreamingChatModel.builder(quotas, fake).clock(clock).build();
    Collector c = new Collector();
    assertThrows(QuotaExceededException.class, () -> model.chat(request(5_000), USER, c));
    assertEquals(0, fake.calls.get());
    assertNull(c.complete);
    assertNull(c.error);
  }

  @Test
  void aFailedStreamChargesTheInputAndWhatWasStreamed() {
    IllegalStateException boom = new IllegalStateException("connection reset");
    fake.failure = boom;
    QuotaStreamingChatModel model =
        QuotaStreamingChatModel.builder(quotas, fake).clock(clock).build();
    Collector c = new Collector();
    model.chat(request(100), USER, c);
    assertSame(boom, c.error);
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.ERROR, e.status());
    long input =
        TokenCounter.openAi()
            .countMessages(List.of(dev.quota4j.tokens.ChatMessage.user("Say hello.")), "gpt-4o");
    long streamed =
        TokenCounter.openAi().count("Hello", "gpt-4o")
            + TokenCounter.openAi().count(" world", "gpt-4o");
    assertEquals(input, e.inputTokens());
    assertEquals(streamed, e.outputTokens());
    assertEquals(input + streamed, used());
  }

  @Test
  void aStreamIsCutOffAtTheGrantedBudget() {
    fake.parts = Collections.nCopies(20, " word");
    QuotaStreamingChatModel model =
        QuotaStreamingChatModel.builder(quotas, fake)
            .clock(clock)
            .stopAtGrantedBudget(true)
            .build();
    Collector c = new Collector();
    model.chat(request(3), USER, c);
    assertEquals(3, fake.sent.get(), "one token per part: cancelled after the third");
    ChatResponse cut = c.complete;
    assertNotNull(cut);
    assertEquals(FinishReason.LENGTH, cut.finishReason());
    assertEquals(" word word word", cut.aiMessage().text());
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals(3, e.outputTokens());
    assertEquals(e.inputTokens() + 3, used());
    assertEquals(0, store.openReservations());
  }

  @Test
  void aLongStreamKeepsItsHoldByExtendingTheLease() {
    fake.parts = List.of("a", "b", "c", "d");
    // 40 s pass before each part: 160 s in all, far beyond the one-minute lease
    fake.between =
        i -> {
          clock.advance(Duration.ofSeconds(40));
          // the store reclaims what has expired; this stream's hold must not be among it
          assertEquals(0, store.reclaimExpired(clock.instant()), "at part " + i);
          assertEquals(1, store.openReservations());
        };
    QuotaStreamingChatModel model =
        QuotaStreamingChatModel.builder(quotas, fake)
            .clock(clock)
            .leaseExtension(Duration.ofMinutes(1))
            .build();
    Collector c = new Collector();
    model.chat(request(100), USER, c);
    assertNotNull(c.complete);
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.SUCCESS, e.status(), "committed on time, not late");
    assertEquals(22, used());
  }
}
