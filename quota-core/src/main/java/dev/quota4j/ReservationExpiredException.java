package dev.quota4j;

/** A reservation was used after its lease ended and the store reclaimed it. */
public final class ReservationExpiredException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /** With a message that names the reservation and when its lease ended. */
  public ReservationExpiredException(String message) {
    super(message);
  }
}
