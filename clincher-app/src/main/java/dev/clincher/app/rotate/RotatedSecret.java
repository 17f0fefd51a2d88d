package dev.clincher.app.rotate;

import dev.clincher.common.config.RotatingSecret;
import dev.clincher.gateway.auth.BearerToken;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@code clincher rotate} can rotate, and in which order its files are written and its services told. Each step
 * writes one file under {@code secrets/} and then signals the service that reads it, so a service that checks a
 * credential accepts the new value before any client starts presenting it.
 */
public enum RotatedSecret {
  /** The operators' token: the gateway accepts the new one at once, the old one for {@code auth.rotation_grace}. */
  GATEWAY_TOKEN("gateway-token", 48, "", BearerToken.RELOAD_CHECK,
      List.of(new Step("gateway_token", "gateway"))),
  /**
   * The router's master key: first the router (accepts both), then the gateway's copy (it switches to the new key for
   * its next model call); the old key works at the router for {@code general_settings.rotation_grace}.
   */
  MASTER_KEY("master-key", 32, "sk-", RotatingSecret.Check.NONE,
      List.of(new Step("litellm_master_key", "router"), new Step("gateway_router_key", "gateway"))),
  /** The read-only metrics token of each service; the monitoring host needs the new one within the grace. */
  METRICS_TOKEN("metrics-token", 32, "", RotatingSecret.Check.NONE,
      List.of(new Step("gateway_metrics_token", "gateway"), new Step("router_metrics_token", "router"),
          new Step("egress_metrics_token", "egress"), new Step("socket_proxy_metrics_token", "socket-proxy"))),
  /**
   * The router's Redis password: Redis first learns the new one beside the old one (secrets/redis_users.acl, ACL
   * LOAD), then the router's copy is written and the router's new connections present it; {@code --finish} later
   * removes the old one from Redis.
   */
  REDIS_PASSWORD("redis-password", 32, "", RotatingSecret.Check.NONE, List.of(new Step("redis_password", "router")));

  /** Write {@code secrets/<file>}, then signal {@code service}. */
  public record Step(String file, String service) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String command;
  private final int randomBytes;
  private final String prefix;
  private final RotatingSecret.Check check;
  private final List<Step> steps;

  RotatedSecret(String command, int randomBytes, String prefix, RotatingSecret.Check check, List<Step> steps) {
    this.command = command;
    this.randomBytes = randomBytes;
    this.prefix = prefix;
    this.check = check;
    this.steps = steps;
  }

  /** The name on the command line. */
  public String command() {
    return command;
  }

  public List<Step> steps() {
    return steps;
  }

  /** A fresh value in the format {@code clincher deploy init} generates. */
  String generate() {
    byte[] bytes = new byte[randomBytes];
    RANDOM.nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }

  /** Why {@code value} may not become this secret (the services would refuse it on reload), or null. */
  String weakness(String value) {
    return RotatingSecret.refusal(value, check);
  }

  /** The secret named {@code command} on the command line. */
  static RotatedSecret of(String command) {
    for (RotatedSecret secret : values()) {
      if (secret.command.equals(command)) {
        return secret;
      }
    }
    throw new IllegalArgumentException("unknown secret '" + command + "'; expected one of "
        + java.util.Arrays.stream(values()).map(RotatedSecret::command).toList());
  }
}
