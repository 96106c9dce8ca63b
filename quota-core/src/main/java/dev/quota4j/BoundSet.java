package dev.quota4j;

import dev.quota4j.spi.Charge;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Bounds of one request shape, with the charges of the last reservation and commit made from them,
 * so that the same estimate and the same actual usage reuse the same immutable charges.
 */
final class BoundSet {
  final List<Bound> all;

  /** The bounds whose windows the store keeps: one charge each, in this order. */
  final List<Bound> stored;

  /** Stored, enforced CLAMP limits on tokens or output tokens. */
  final List<Bound> clamped;

  private final @Nullable String provider;
  private final @Nullable String model;
  private final @Nullable String operation;
  private final Instant validFrom;
  private final @Nullable Instant validUntil;
  private volatile @Nullable Charges lastReserved;
  private volatile @Nullable Charges lastActual;

  BoundSet(List<Bound> all, UsageRequest request) {
    this.all = List.copyOf(all);
    List<Bound> st = new ArrayList<>();
    List<Bound> cl = new ArrayList<>();
    Instant from = Instant.MIN;
    Instant until = null;
    for (Bound b : all) {
      if (b.limit.window().isStored()) {
        st.add(b);
        if (b.limit.mode() == LimitMode.ENFORCE
            && b.limit.overshoot() == Overshoot.CLAMP
            && Denials.clampable(b.limit.metric())) {
          cl.add(b);
        }
      }
      if (b.windowStart.isAfter(from)) {
        from = b.windowStart;
      }
      if (b.windowEnd != null && (until == null || b.windowEnd.isBefore(until))) {
        until = b.windowEnd;
      }
    }
    this.stored = List.copyOf(st);
    this.clamped = List.copyOf(cl);
    this.provider = request.provider();
    this.model = request.model();
    this.operation = request.operation();
    this.validFrom = from;
    this.validUntil = until;
  }

  /** Whether these bounds are the ones of {@code request} at {@code now}. */
  boolean fits(UsageRequest request, Instant now) {
    return !now.isBefore(validFrom)
        && (validUntil == null || now.isBefore(validUntil))
        && java.util.Objects.equals(provider, request.provider())
        && java.util.Objects.equals(model, request.model())
        && java.util.Objects.equals(operation, request.operation());
  }

  /** The charges of a reservation of {@code est} with at most {@code maxOutput} output tokens. */
  List<Charge> reserveCharges(Estimate est, long maxOutput) {
    Charges last = lastReserved;
    int n = stored.size();
    if (last != null) {
      int i = 0;
      while (i < n && est.amount(stored.get(i).limit.metric(), maxOutput) == last.amounts[i]) {
        i++;
      }
      if (i == n) {
        return last.charges;
      }
    }
    long[] amounts = new long[n];
    Charge[] charges = new Charge[n];
    for (int i = 0; i < n; i++) {
      Bound b = stored.get(i);
      amounts[i] = est.amount(b.limit.metric(), maxOutput);
      charges[i] = b.charge(amounts[i]);
    }
    Charges made = new Charges(null, amounts, List.of(charges));
    lastReserved = made;
    return made.charges;
  }

  /** The charges of the actual usage of a reservation made of {@code reserved}. */
  List<Charge> actualCharges(List<Charge> reserved, Actual actual) {
    Charges last = lastActual;
    int n = stored.size();
    if (last != null && last.basis == reserved) {
      int i = 0;
      while (i < n
          && actual.amount(stored.get(i).limit.metric(), stored.get(i)) == last.amounts[i]) {
        i++;
      }
      if (i == n) {
        return last.charges;
      }
    }
    long[] amounts = new long[n];
    Charge[] charges = new Charge[n];
    for (int i = 0; i < n; i++) {
      Bound b = stored.get(i);
      amounts[i] = actual.amount(b.limit.metric(), b);
      charges[i] = reserved.get(i).withAmount(amounts[i]);
    }
    Charges made = new Charges(reserved, amounts, List.of(charges));
    lastActual = made;
    return made.charges;
  }

  /** Charges made from amounts (and, for actual usage, from the reserved charges {@code basis}). */
  @SuppressWarnings("ArrayRecordComponent") // an internal carrier: never compared, hashed or shared
  private record Charges(@Nullable List<Charge> basis, long[] amounts, List<Charge> charges) {}
}
