package dev.quota4j;

import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listeners of one manager; a listener that throws is logged and the others still hear. */
final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaManager.class);

  private final List<QuotaListener> all;

  Listeners(List<QuotaListener> all) {
    this.all = List.copyOf(all);
  }

  boolean isEmpty() {
    return all.isEmpty();
  }

  void fire(Consumer<QuotaListener> call) {
    for (QuotaListener l : all) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.error("quota listener {} threw; admission goes on", l.getClass().getName(), e);
      }
    }
  }
}
