package dev.quota4j;

import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What admission granted one call: the value a {@link Reservation} holds and its settlement reads.
 *
 * @param id the reservation id, also the id of the ledger event that closes it
 * @param request the request, without its prompt text
 * @param estimate what admission estimated
 * @param boundSet the bound limits of the request's shape, when {@code bounds} are their stored
 *     ones
 * @param bounds the bound limits charged, one per charge
 * @param charges the charges reserved
 * @param grantedMaxOutputTokens the output tokens granted (CLAMP may have shrunk them)
 * @param detached admitted without the store (fail-open)
 * @param counters the counters after the reservation, as far as the store reported them
 */
record Admitted(
    String id,
    UsageRequest request,
    Estimate estimate,
    @Nullable BoundSet boundSet,
    List<Bound> bounds,
    List<Charge> charges,
    long grantedMaxOutputTokens,
    boolean detached,
    Map<CounterKey, CounterValue> counters) {

  Admitted {
    // keep the dimensions, never the prompt text
    request = request.prompt() == null ? request : withoutPrompt(request);
    bounds = List.copyOf(bounds);
    charges = List.copyOf(charges);
    counters = Map.copyOf(counters);
  }

  private static UsageRequest withoutPrompt(UsageRequest r) {
    return r.toBuilder()
        .estimatedTokens(Math.max(0, r.inputTokens()), Math.max(0, r.maxOutputTokens()))
        .build();
  }
}
