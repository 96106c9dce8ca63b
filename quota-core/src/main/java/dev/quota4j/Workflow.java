package dev.quota4j;

import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * An open workflow: holds a slot of the concurrent-workflow limits until closed, and counts each
 * reservation made through it as a step against the steps-per-workflow limit. Use it in
 * try-with-resources.
 */
public final class Workflow implements AutoCloseable {
  private final QuotaManager manager;
  private final Settlement settlement;
  private final String id;
  private final SubjectRef subject;
  private final @Nullable WorkflowSlot slot;
  private final AtomicBoolean closed = new AtomicBoolean();

  Workflow(
      QuotaManager manager,
      Settlement settlement,
      String id,
      SubjectRef subject,
      @Nullable WorkflowSlot slot) {
    this.manager = manager;
    this.settlement = settlement;
    this.id = id;
    this.subject = subject;
    this.slot = slot;
  }

  /** The workflow id, set on every request made through it. */
  public String id() {
    return id;
  }

  /** Who opened it. */
  public SubjectRef subject() {
    return subject;
  }

  /** Reserves one step; see {@link QuotaManager#reserve(UsageRequest)}. */
  public Reservation reserve(UsageRequest.Builder request) {
    return manager.reserve(step(request));
  }

  /** Tries to reserve one step; see {@link QuotaManager#tryReserve(UsageRequest)}. */
  public QuotaDecision tryReserve(UsageRequest.Builder request) {
    return manager.tryReserve(step(request));
  }

  /** Records usage of this workflow that was never reserved; see {@link UsageRecorder}. */
  public boolean record(String eventId, UsageRequest.Builder request, Usage usage) {
    return manager.record(eventId, request.workflow(id).build(), usage);
  }

  private UsageRequest step(UsageRequest.Builder request) {
    if (closed.get()) {
      throw new IllegalStateException("workflow " + id + " is closed");
    }
    if (slot != null) {
      settlement.renewWorkflow(this, slot);
    }
    return request.workflow(id).build();
  }

  /** Frees the workflow's concurrency slot. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && slot != null) {
      settlement.releaseWorkflow(this, slot);
    }
  }
}
