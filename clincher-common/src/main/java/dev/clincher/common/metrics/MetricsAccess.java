package dev.clincher.common.metrics;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may read a service's {@code /metrics}: whoever presents the service's metrics token as
 * {@code Authorization: Bearer <token>}, and nobody else. The metrics token is a read-only credential of its own (a
 * file secret, {@code --metrics-token-file} or {@code CLINCHER_METRICS_TOKEN_FILE}); a service's other credentials
 * (the router's master key, the gateway's operator token) are never accepted here.
 *
 * <p>Without a metrics token, {@code /metrics} is off: every scrape gets 401 with rule
 * {@code metrics_token_not_configured}, and the service says at start how to turn it on. The health endpoints need no
 * credential at all.
 *
 * <p>A token from a file is re-read by {@link #reload} (SIGHUP after {@code clincher rotate metrics-token}): the new
 * token works at once, the old one for the grace period (see {@link RotatingSecret}).
 *
 * <p>Every decision is logged once as {@code metrics.access} with its rule: refusals at INFO, allowed scrapes at DEBUG
 * (a scrape every 15 s would otherwise fill the log).
 */
public final class MetricsAccess {
  /** The environment variable naming the metrics token file, for services configured by environment. */
  public static final String ENV_FILE = "CLINCHER_METRICS_TOKEN_FILE";

  private static final Logger LOG = LoggerFactory.getLogger("clincher.metrics");

  /**
   * One decision about one scrape.
   *
   * @param allowed whether the metrics are served
   * @param rule    the machine code: {@code metrics_token}, {@code metrics_token_not_configured},
   *                {@code metrics_token_missing} or {@code metrics_token_wrong}
   * @param reason  the same as a sentence, for the 401 body
   */
  public record Decision(boolean allowed, String rule, String reason) {}

  private final Optional<RotatingSecret> token;
  private final String howToConfigure;

  private MetricsAccess(Optional<RotatingSecret> token, String howToConfigure) {
    this.token = token;
    this.howToConfigure = howToConfigure;
  }

  /** Scrapes need {@code token}. */
  public static MetricsAccess token(Secret token) {
    if (token.reveal().isBlank()) {
      throw new IllegalArgumentException("the metrics token is blank");
    }
    return new MetricsAccess(Optional.of(RotatingSecret.fixed("metrics_token", token)), "");
  }

  /** No metrics token: every scrape is refused; {@code howToConfigure} (e.g. the option's name) is in the answer. */
  public static MetricsAccess off(String howToConfigure) {
    return new MetricsAccess(Optional.empty(), howToConfigure);
  }

  /**
   * The token in {@code file}, or {@link #off} when there is no file; {@code option} names the setting in errors and in
   * the answer when off.
   *
   * @throws ConfigException when the file cannot be read or is empty
   */
  public static MetricsAccess fromFile(Optional<Path> file, String option) throws ConfigException {
    return fromFile(file, option, RotatingSecret.DEFAULT_GRACE);
  }

  /** The same with the grace period an old token keeps after a {@link #reload}. */
  public static MetricsAccess fromFile(Optional<Path> file, String option, Duration grace) throws ConfigException {
    if (file.isEmpty()) {
      return off(option);
    }
    RotatingSecret token = RotatingSecret.fromFile("metrics_token", file.get(), grace, Clock.systemUTC(),
        RotatingSecret.Check.NONE);
    if (token.current().reveal().isBlank()) {
      throw new ConfigException(option, "", "the metrics token file " + file.get() + " is empty");
    }
    return new MetricsAccess(Optional.of(token), "");
  }

  /** Re-reads the token file (on SIGHUP); empty when metrics are off. Logged by {@link RotatingSecret#reload}. */
  public Optional<RotatingSecret.Reload> reload() {
    return token.map(RotatingSecret::reload);
  }

  /**
   * For services configured by environment (router, gateway): the token in the file {@code CLINCHER_METRICS_TOKEN_FILE}
   * names, else {@link #off}.
   */
  public static MetricsAccess fromEnvironment(java.util.Map<String, String> env) throws ConfigException {
    return fromEnvironment(env, RotatingSecret.DEFAULT_GRACE);
  }

  /** The same with the grace period an old token keeps after a {@link #reload}. */
  public static MetricsAccess fromEnvironment(java.util.Map<String, String> env, Duration grace)
      throws ConfigException {
    return fromFile(Optional.ofNullable(env.get(ENV_FILE)).map(Path::of), ENV_FILE, grace);
  }

  /** How the start-up line says it: {@code token}, or {@code off (no <setting>)}. */
  public String describe() {
    return enabled() ? "token" : "off (no " + howToConfigure + ")";
  }

  /** Whether a metrics token is configured (for the start-up line). */
  public boolean enabled() {
    return token.isPresent();
  }

  /**
   * Fails when {@code other} (another credential of the service) is the metrics token too: a metrics token must be
   * its own, or whoever scrapes holds the other credential.
   */
  public void requireDistinctFrom(Secret other, String otherName) throws ConfigException {
    if (token.isPresent() && token.get().current().matches(other.reveal())) {
      throw new ConfigException(howToConfigure.isEmpty() ? "metrics token" : howToConfigure, "",
          "the metrics token must not be the " + otherName + "; give metrics a token of their own");
    }
  }

  /** Decides on the request's {@code Authorization} header value (empty when absent) and logs the decision. */
  public Decision decide(String service, Optional<String> authorization) {
    Decision decision = decision(authorization);
    var line = decision.allowed() ? LOG.atDebug() : LOG.atInfo();
    line.addKeyValue("service", service).addKeyValue("decision", decision.allowed() ? "allow" : "deny")
        .addKeyValue("rule", decision.rule()).log("metrics.access");
    return decision;
  }

  /**
   * Decides on a read that stays open while no metrics token is configured ({@code /refusals/recent}, which the
   * gateway's web UI reads without a token), and needs the token once there is one; logged as {@link #decide}.
   */
  public Decision decideOpenWithoutToken(String service, Optional<String> authorization) {
    if (token.isEmpty()) {
      LOG.atDebug().addKeyValue("service", service).addKeyValue("decision", "allow")
          .addKeyValue("rule", "no_metrics_token").log("metrics.access");
      return new Decision(true, "no_metrics_token", "no metrics token is configured");
    }
    return decide(service, authorization);
  }

  private Decision decision(Optional<String> authorization) {
    if (token.isEmpty()) {
      return new Decision(false, "metrics_token_not_configured",
          "metrics are off: no metrics token is configured (" + howToConfigure + ")");
    }
    Optional<String> bearer = authorization.filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(value -> value.substring(7).trim());
    if (bearer.isEmpty()) {
      return new Decision(false, "metrics_token_missing", "a valid bearer token is required for /metrics");
    }
    return token.get().matches(bearer.get())
        ? new Decision(true, "metrics_token", "the metrics token")
        : new Decision(false, "metrics_token_wrong", "a valid bearer token is required for /metrics");
  }
}
