package dev.clincher.egress.proxy;

import dev.clincher.common.http1.RequestHead;
import java.util.Optional;

/** Requests addressed to the proxy itself (origin-form, e.g. {@code GET /health/readiness}, {@code GET /metrics}). */
@FunctionalInterface
public interface LocalEndpoints {

  /** The complete response for this request, or empty for 404. */
  Optional<byte[]> respond(RequestHead head);
}
