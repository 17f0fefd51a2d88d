package dev.clincher.gateway.sandbox.runner;

import dev.clincher.gateway.sandbox.docker.StreamDemuxer;

/**
 * What a command run through the runner did: the same fields a Docker exec gives.
 *
 * @param exitCode the exit code (128+signal when a signal ended it; {@code -1} when it was killed on timeout)
 * @param output the kept stdout and stderr, and how many bytes were dropped beyond the cap
 * @param timedOut whether it was killed because it ran past its timeout
 */
public record RunnerResult(int exitCode, StreamDemuxer.Output output, boolean timedOut) {}
