/**
 * HTTP answers for quota decisions with no web framework: rate-limit headers ({@link
 * dev.quota4j.http.RateLimitHeaders}) and RFC 9457 problem details for denials ({@link
 * dev.quota4j.http.QuotaProblem}).
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.http;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
