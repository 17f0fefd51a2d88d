package dev.clincher.common.config;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A credential a service checks, read from a file it can re-read without a restart ({@code clincher rotate}, then
 * SIGHUP). After a reload that changed the value, the new value works at once and the previous one keeps working for
 * the grace period, then is refused.
 *
 * <p>Only one previous value is kept: rotating twice within the grace ends the first value's grace at once. Reloading
 * an unchanged file changes nothing, so the grace never extends past its end. A reloaded value that is empty, shorter
 * than {@value #MIN_LENGTH} characters, not visible ASCII or refused by the service's own check is not taken: the
 * current value stays and the refusal is logged. Every reload is logged once as {@code secret.reload} with the
 * secret's name, the outcome and the grace's end, never a value. Thread-safe; {@link #matches} takes no lock.
 */
public final class RotatingSecret {
  /** The default grace period of a replaced value. */
  public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
  /** The shortest value a reload accepts. */
  public static final int MIN_LENGTH = 16;

  private static final Logger LOG = LoggerFactory.getLogger("clincher.secrets");

  /** A service's own rule for a value: the reason it is refused, or null when it is acceptable. */
  @FunctionalInterface
  public interface Check {
    String weakness(String value);

    /** Any value passes (the common rules still apply). */
    Check NONE = value -> null;
  }

  /** What one reload did. */
  public enum Outcome { UNCHANGED, ROTATED, REFUSED, NOT_A_FILE }

  /**
   * The result of one reload.
   *
   * @param secret     the secret's name, e.g. {@code gateway_token}
   * @param outcome    what happened
   * @param graceUntil when the previous value stops working, if one still works
   * @param reason     why a new value was refused (empty otherwise)
   */
  public record Reload(String secret, Outcome outcome, Optional<Instant> graceUntil, String reason) {}

  private record State(Secret current, Optional<Secret> previous, Instant previousUntil) {}

  private final String name;
  private final Optional<Path> file;
  private final Duration grace;
  private final Clock clock;
  private final Check check;
  private volatile State state;

  private RotatingSecret(String name, Optional<Path> file, Secret value, Duration grace, Clock clock, Check check) {
    this.name = Objects.requireNonNull(name, "name");
    this.file = file;
    this.grace = requireNonNegative(grace);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.check = Objects.requireNonNull(check, "check");
    this.state = new State(Objects.requireNonNull(value, "value"), Optional.empty(), Instant.MIN);
  }

  /** A value that did not come from a file (an environment variable): a reload keeps it and says so. */
  public static RotatingSecret fixed(String name, Secret value) {
    return new RotatingSecret(name, Optional.empty(), value, Duration.ZERO, Clock.systemUTC(), Check.NONE);
  }

  /**
   * The value in {@code file}, re-read on {@link #reload}. The value read now is checked by the caller's start-up rules,
   * not by {@code check}, which applies to reloaded values.
   *
   * @throws ConfigException naming the file when it cannot be read
   */
  public static RotatingSecret fromFile(String name, Path file, Duration grace, Clock clock, Check check)
      throws ConfigException {
    return new RotatingSecret(name, Optional.of(file), Secret.of(Secrets.readSecretFile(file)), grace, clock, check);
  }

  /**
   * The value of {@code variable} (fixed) or of the file {@code variable_FILE} names (reloadable), as
   * {@link Secrets#fromEnv} reads it; empty if neither is set.
   */
  public static Optional<RotatingSecret> fromEnv(String name, String variable, java.util.Map<String, String> env,
      Duration grace, Clock clock, Check check) throws ConfigException {
    Optional<String> value = Secrets.fromEnv(variable, env);
    String file = env.get(variable + "_FILE");
    if (value.isEmpty() || file == null) {
      return value.map(text -> fixed(name, Secret.of(text)));
    }
    return Optional.of(new RotatingSecret(name, Optional.of(Path.of(file)), Secret.of(value.get()), grace, clock,
        check));
  }

  /** The secret's name, as logged. */
  public String name() {
    return name;
  }

  /** The value in use now: what a client of another service presents. */
  public Secret current() {
    return state.current();
  }

  /** True if {@code candidate} is the current value, or the previous one within its grace; constant time. */
  public boolean matches(String candidate) {
    State now = state;
    boolean current = now.current().matches(candidate);
    boolean previous = now.previous().map(value -> value.matches(candidate)).orElse(false)
        && clock.instant().isBefore(now.previousUntil());
    return current | previous;
  }

  /** Re-reads the file: a changed, acceptable value becomes current and the old one enters its grace. Logged once. */
  public synchronized Reload reload() {
    Reload result = file.isEmpty()
        ? new Reload(name, Outcome.NOT_A_FILE, graceUntil(state), "the value does not come from a file")
        : reloadFrom(file.get());
    var line = result.outcome() == Outcome.REFUSED || result.outcome() == Outcome.NOT_A_FILE ? LOG.atWarn()
        : LOG.atInfo();
    line.addKeyValue("secret", name).addKeyValue("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT))
        .addKeyValue("file", file.map(Path::toString).orElse(""))
        .addKeyValue("grace_until", result.graceUntil().map(Instant::toString).orElse(""))
        .addKeyValue("reason", result.reason()).log("secret.reload");
    return result;
  }

  private Reload reloadFrom(Path path) {
    String value;
    try {
      value = Secrets.readSecretFile(path);
    } catch (ConfigException e) {
      return new Reload(name, Outcome.REFUSED, graceUntil(state), e.getMessage());
    }
    String weakness = refusal(value, check);
    if (weakness != null) {
      return new Reload(name, Outcome.REFUSED, graceUntil(state), weakness + "; the current value stays");
    }
    State before = state;
    if (before.current().matches(value)) {
      return new Reload(name, Outcome.UNCHANGED, graceUntil(before), "");
    }
    state = new State(Secret.of(value), Optional.of(before.current()), clock.instant().plus(grace));
    return new Reload(name, Outcome.ROTATED, graceUntil(state), "");
  }

  /**
   * Why {@code value} may not replace a secret: shorter than {@value #MIN_LENGTH}, not visible ASCII, or refused by
   * {@code check}; null when it may. Never quotes the value.
   */
  public static String refusal(String value, Check check) {
    if (value.length() < MIN_LENGTH) {
      return "the new value is shorter than " + MIN_LENGTH + " characters";
    }
    if (!value.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      return "the new value must be visible ASCII only";
    }
    return check.weakness(value);
  }

  private Optional<Instant> graceUntil(State of) {
    return of.previous().isPresent() && clock.instant().isBefore(of.previousUntil())
        ? Optional.of(of.previousUntil()) : Optional.empty();
  }

  private static Duration requireNonNegative(Duration grace) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("the grace period must not be negative");
    }
    return grace;
  }

  @Override
  public String toString() {
    return "RotatingSecret[" + name + ", ****]";
  }
}
