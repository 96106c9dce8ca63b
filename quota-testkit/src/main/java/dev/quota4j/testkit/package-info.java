/**
 * The contract suites of the storage SPI. A store's tests extend each suite with a small subclass
 * that hands it a fresh store ({@link dev.quota4j.testkit.QuotaStoreContract} for admission and
 * settlement, {@link dev.quota4j.testkit.ReportsContract} for the ledger and its aggregates, and
 * the narrower suites beside them). Beta until 1.0, like the SPI it checks.
 */
@NullMarked
package dev.quota4j.testkit;

import org.jspecify.annotations.NullMarked;
