/** Spring MVC answers for quota decisions: rate-limit headers and problem details. */
@NullMarked
package dev.quota4j.spring.boot.web;

import org.jspecify.annotations.NullMarked;
