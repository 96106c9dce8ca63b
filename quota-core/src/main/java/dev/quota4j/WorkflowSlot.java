package dev.quota4j;

import java.time.Instant;

/** The concurrency reservation of an open workflow. */
final class WorkflowSlot {
  final String reservationId;
  volatile Instant leaseUntil;

  WorkflowSlot(String reservationId, Instant leaseUntil) {
    this.reservationId = reservationId;
    this.leaseUntil = leaseUntil;
  }
}
