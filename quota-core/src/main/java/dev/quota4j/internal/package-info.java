/** Implementation details. Not exported; may change in any release. */
@NullMarked
package dev.quota4j.internal;

import org.jspecify.annotations.NullMarked;
