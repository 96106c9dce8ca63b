package dev.quota4j.jdbc;

import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.ReserveResult;
import java.util.List;
import java.util.Map;

/**
 * How reserve and commit reach the database, chosen once from the dialect: {@link
 * StatementAdmissions} (statement by statement in one transaction, every database) or {@link
 * FunctionAdmissions} (one call of a PL/pgSQL function, PostgreSQL). Both follow the protocol in
 * {@link JdbcQuotaStore}'s class Javadoc and answer alike; {@link JdbcQuotaStore#reserve} wraps
 * {@link #reserve} in the reclaim-and-retry rule once for both.
 */
interface Admissions {
  /**
   * A reservation to make.
   *
   * @param row the reservation row ({@link Sql#RESERVATION_COLUMNS})
   * @param given the charges in the order given
   * @param ordered the same in {@link CounterKey#LOCK_ORDER}
   * @param leaseMicros the lease's length, for its end by the database's clock
   */
  record Request(List<Object> row, List<Charge> given, List<Charge> ordered, long leaseMicros) {}

  /** One attempt at the reservation: one transaction. */
  ReserveResult reserve(Request request);

  /** The commit of a reservation, {@code eventRow} closing it ({@link Rows#eventRow}). */
  CommitResult commit(String reservationId, Object[] eventRow, List<Charge> actual);

  /** The function path when the dialect has both functions, else {@code statements}. */
  static Admissions of(Db db, Sql sql, StatementAdmissions statements, String leaseOwner) {
    String reserve = sql.reserveFunctionCall();
    String commit = sql.commitFunctionCall();
    return reserve == null || commit == null
        ? statements
        : new FunctionAdmissions(db, reserve, commit, statements, leaseOwner);
  }

  /** What {@code used + reserved} may be before the charge for it to fit. */
  static long cap(Charge c) {
    long need =
        switch (c.admission()) {
          case FIT -> c.amount();
          case ANY_REMAINING -> 1;
          case ALWAYS -> 0;
        };
    return c.admission() == Admission.ALWAYS ? Long.MAX_VALUE : c.limit() - need;
  }

  /**
   * The rejection of a reservation that missed: the first charge, in the order given, that does not
   * fit on its counter as it stands without the reservation ({@code before}); when each fits
   * (another transaction freed room after the miss), the charge that missed.
   */
  static ReserveResult.Rejected firstMiss(
      List<Charge> given, Map<CounterKey, CounterValue> before, Charge missed) {
    for (Charge c : given) {
      CounterValue v = before.getOrDefault(c.key(), CounterValue.ZERO);
      if (!c.admission().admits(v.used(), v.reserved(), c.amount(), c.limit())) {
        return new ReserveResult.Rejected(c, v);
      }
    }
    return new ReserveResult.Rejected(missed, before.getOrDefault(missed.key(), CounterValue.ZERO));
  }
}
