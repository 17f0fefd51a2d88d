package dev.clincher.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.File;
import java.util.regex.Pattern;

/**
 * One service's metrics: a Prometheus registry whose meters all carry the tag {@code service=<name>}, with the JVM
 * and process meters bound (memory, GC, threads, class loading, CPU, uptime, file descriptors, the working
 * directory's disk).
 *
 * <p>Naming: Prometheus names are {@code clincher_<service>_<what>_<unit>}. Micrometer builds them from dotted names,
 * so register meters under {@link #name(String) name("tunnels.open")} = {@code clincher.egress.tunnels.open}; the
 * registry appends the unit ({@code _seconds} for timers, {@code _bytes} with {@code baseUnit("bytes")}) and
 * {@code _total} for counters.
 */
public final class Metrics implements AutoCloseable {
  /** Content type of {@link #scrape()}: the Prometheus text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final Pattern SERVICE_NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

  private final String service;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;

  private Metrics(String service) {
    this.service = service;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", service);
    new JvmMemoryMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    // The disk the service writes to (its working directory): disk_free_bytes / disk_total_bytes{path}.
    new DiskSpaceMetrics(new File(".").getAbsoluteFile()).bindTo(registry);
  }

  /** Creates the registry for {@code service} (lower case, e.g. {@code egress}, {@code socket-proxy}). */
  public static Metrics create(String service) {
    if (service == null || !SERVICE_NAME.matcher(service).matches()) {
      throw new IllegalArgumentException("service name must match " + SERVICE_NAME + ": " + service);
    }
    return new Metrics(service);
  }

  public String service() {
    return service;
  }

  /** The registry to register this service's meters with. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The Micrometer name for {@code what} in this service: {@code name("decisions")} in service {@code egress} is
   * {@code clincher.egress.decisions}, exported as {@code clincher_egress_decisions_total} for a counter.
   */
  public String name(String what) {
    return "clincher." + service.replace('-', '_') + "." + what;
  }

  /** All meters in the Prometheus text format ({@link #CONTENT_TYPE}). */
  public String scrape() {
    return registry.scrape(CONTENT_TYPE);
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
