package dev.quota4j;

import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** The ledger events of admitted, settled and denied calls. */
final class LedgerEvents {
  private LedgerEvents() {}

  static UsageEvent event(
      String eventId,
      @Nullable String reservationId,
      Instant now,
      EventStatus status,
      UsageRequest request,
      Estimate est,
      Actual actual,
      @Nullable String errorCode,
      @Nullable String errorMessage) {
    Usage u = actual.usage;
    // the canonical constructor, not the builder: one object less per call
    return new UsageEvent(
        eventId,
        reservationId,
        now,
        status,
        request.subject(),
        request.apiKey(),
        request.providerKey(),
        request.tenant(),
        request.workflowId(),
        request.sessionId(),
        request.operation(),
        request.provider(),
        u.model() != null ? u.model() : request.model(),
        request.agent(),
        request.tool(),
        u.inputTokens(),
        u.outputTokens(),
        u.cachedInputTokens(),
        u.cacheWriteTokens(),
        actual.characters,
        actual.costMicros,
        est.inputTokens + est.maxOutputTokens,
        errorCode,
        errorMessage,
        request.tags());
  }

  static UsageEvent.Builder builder(
      String eventId,
      @Nullable String reservationId,
      Instant now,
      EventStatus status,
      UsageRequest request) {
    return UsageEvent.builder(eventId, now, status, request.subject())
        .reservationId(reservationId)
        .apiKey(request.apiKey())
        .providerKey(request.providerKey())
        .tenant(request.tenant())
        .workflowId(request.workflowId())
        .sessionId(request.sessionId())
        .operation(request.operation())
        .provider(request.provider())
        .model(request.model())
        .agent(request.agent())
        .tool(request.tool())
        .tags(request.tags());
  }
}
