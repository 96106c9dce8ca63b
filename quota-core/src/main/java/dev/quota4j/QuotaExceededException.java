package dev.quota4j;

/** Thrown by {@link QuotaManager#reserve} when a call is denied; carries the denial. */
public final class QuotaExceededException extends QuotaException {
  private static final long serialVersionUID = 1L;

  private final transient QuotaDenial denial;

  /** For the given denial. */
  public QuotaExceededException(QuotaDenial denial) {
    super(denial.message());
    this.denial = denial;
  }

  /** What was denied, by which limit, and when it resets. */
  public QuotaDenial denial() {
    return denial;
  }

  /** Shorthand for {@code denial().code()}. */
  public String code() {
    return denial.code();
  }
}
