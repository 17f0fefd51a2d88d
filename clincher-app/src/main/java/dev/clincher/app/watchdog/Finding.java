package dev.clincher.app.watchdog;

/**
 * One thing the watchdog found wrong. {@code key} names the condition (the same condition has the same key at every
 * run, so it is notified once); {@code rule} is the check that decided it; {@code message} is what a person reads.
 */
record Finding(String key, String rule, String message) {}
