/**
 * Spring Boot auto-configuration of quota4j: a {@code QuotaManager} from {@code quota4j.*}
 * properties on the application's {@code DataSource}, with metrics, maintenance and HTTP answers.
 */
@NullMarked
package dev.quota4j.spring.boot;

import org.jspecify.annotations.NullMarked;
