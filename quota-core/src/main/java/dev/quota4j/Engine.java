package dev.quota4j;

import dev.quota4j.pricing.ModelPricing;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.tokens.OperationEstimates;
import dev.quota4j.tokens.TokenCounter;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The settings of one manager, handed in once by {@link QuotaManager.Builder#build()} to the
 * engine's parts.
 *
 * @param warnUnpriced whether a pricing was given (then an unpriced call is warned about)
 */
record Engine(
    QuotaStore store,
    QuotaPolicy policy,
    Clock clock,
    TokenCounter tokenCounter,
    ModelPricing pricing,
    boolean warnUnpriced,
    OperationEstimates operationEstimates,
    Listeners listeners,
    Duration leaseDuration,
    Duration workflowLease,
    Duration workflowMaxDuration,
    FailMode failMode,
    boolean recordDenials,
    Supplier<String> ids,
    UsageJournal journal,
    Duration subjectCacheTtl,
    Duration storeRetryInterval) {}
