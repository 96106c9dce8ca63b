package dev.quota4j.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/** The chat model decorator against real Spring AI prompts and a fake model. */
class QuotaChatModelTest {
  final InMemoryQuotaStore store = new InMemoryQuotaStore();
  final MutableClock clock = MutableClock.at("2026-12-08T10:00:00Z");
  final FakeChatModel fake = new FakeChatModel();

  private final CountDownLatch committed = new CountDownLatch(1);

  QuotaManager manager(long tokens) {
    return QuotaManager.builder()
        .store(store)
        .policy(
            QuotaPolicy.builder()
                .plan(
                    Plan.builder("free")
                        .limit(Limit.of("daily", Metric.TOKENS, Window.DAY, tokens))
                        .build())
                .defaultPlan("free")
                .build())
        .clock(clock)
        .listener(
            new QuotaListener() {
              @Override
              public void onCommitted(UsageEvent event) {
                committed.countDown();
              }
            })
        .defaultLogging(false)
        .build();
  }

  QuotaChatModel model(QuotaManager quotas) {
    return QuotaChatModel.builder(quotas, fake).subjects(p -> UsageRequest.forUser("u")).build();
  }

  UsageEvent onlyEvent() {
    List<UsageEvent> events = store.findEvents(EventQuery.all(10));
    assertEquals(1, events.size());
    return events.get(0);
  }

  @Test
  void deniedCallNeverReachesTheModel() {
    QuotaChatModel model = model(manager(100));
    assertThrows(
        QuotaExceededException.class,
        () -> model.call(new Prompt("Hello", ChatOptions.builder().maxTokens(500).build())));
    assertEquals(0, fake.calls.get());
    assertEquals(0, store.openReservations());
  }

  @Test
  void commitsTheReportedUsage() {
    ChatResponse r = model(manager(10_000)).call(new Prompt("Hello"));
    assertEquals("hello there", r.getResult().getOutput().getText());
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals(37, e.inputTokens());
    assertEquals(11, e.outputTokens());
  }

  @Test
  void failingCallIsChargedTheEstimatedInput() {
    IllegalStateException boom = new IllegalStateException("down");
    fake.failure = boom;
    QuotaChatModel model = model(manager(10_000));
    assertSame(boom, assertThrows(IllegalStateException.class, () -> model.call(new Prompt("Hi"))));
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.ERROR, e.status());
    assertEquals(e.estimatedTokens() - 4_096, e.inputTokens());
    assertEquals(0, store.openReservations());
  }

  @Test
  void streamCommitsTheLastUsage() {
    List<ChatResponse> chunks =
        model(manager(10_000)).stream(new Prompt("Hello"))
            .collectList()
            .block(Duration.ofSeconds(10));
    assertEquals(3, chunks.size());
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals(37, e.inputTokens());
    assertEquals(11, e.outputTokens());
    assertEquals(0, store.openReservations());
  }

  @Test
  void cancelledStreamCommitsWhatWasSeen() throws InterruptedException {
    QuotaManager quotas = manager(10_000);
    ChatResponse first =
        model(quotas).stream(new Prompt("Hello")).take(1).blockLast(Duration.ofSeconds(10));
    assertEquals("hel", first.getResult().getOutput().getText());
    // the commit runs on boundedElastic after the cancel: its listener call ends the wait
    assertTrue(committed.await(10, TimeUnit.SECONDS), "the cancelled stream was committed");
    UsageEvent e = onlyEvent();
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals(e.estimatedTokens() - 4_096, e.inputTokens());
    assertEquals(quotas.tokenCounter().count("hel", Guard.COUNTING_MODEL), e.outputTokens());
    assertEquals(0, store.openReservations());
  }

  @Test
  void subjectIsRequired() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> QuotaChatModel.builder(manager(10), fake).build());
    assertEquals("subjects must not be null", e.getMessage());
  }
}
