package dev.clincher.gateway.agent;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Why a run is being stopped: set once by whoever stops it (an abort, the run timeout, shutdown), before the run's
 * thread is interrupted, and read by the loop when the interrupt arrives.
 */
public final class RunStop {
  private final AtomicReference<RunEnd> reason = new AtomicReference<>();

  /** Records {@code why}; true for the first request only (later ones keep the first reason). */
  public boolean request(RunEnd why) {
    return reason.compareAndSet(null, why);
  }

  /** Whether a stop was requested. */
  public boolean requested() {
    return reason.get() != null;
  }

  /** The first reason requested; {@link RunEnd#ABORTED} for an interrupt nobody explained. */
  public RunEnd reason() {
    RunEnd why = reason.get();
    return why == null ? RunEnd.ABORTED : why;
  }
}
