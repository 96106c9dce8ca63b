/**
 * A usage dashboard: {@link dev.quota4j.dashboard.UsageDashboard} writes one self-contained HTML
 * page (inline SVG, no script or style from the network) of one store's usage over a range, and
 * {@link dev.quota4j.dashboard.DashboardHandler} serves it from the JDK's HTTP server.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.dashboard;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
