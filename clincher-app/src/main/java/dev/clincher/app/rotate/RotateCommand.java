package dev.clincher.app.rotate;

import dev.clincher.app.manage.CliLogs;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secrets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clincher rotate gateway-token|master-key|metrics-token|redis-password [--finish] --deploy DIR} (docs/operations.md#rotating-secrets).
 * Exit codes: 0 rotated, 1 refused (the message says which step and why), 2 bad usage. Values are never printed.
 */
@Command(name = "rotate", mixinStandardHelpOptions = true,
    description = {"Rotate a secret of a compose deployment without downtime: the file is rewritten in place (the old "
        + "value kept in secrets/<name>.previous) and the services re-read it on SIGHUP; the old value keeps working "
        + "for the grace period (auth.rotation_grace, general_settings.rotation_grace; default 1h).",
        "Secrets: gateway-token, master-key, metrics-token, redis-password (then, once the router has reloaded, "
            + "redis-password --finish removes the old password from Redis)."})
public final class RotateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SECRET",
      description = "gateway-token, master-key, metrics-token or redis-password.")
  String secret;

  @Option(names = "--deploy", required = true, paramLabel = "DIR",
      description = "The deployment made by clincher deploy init.")
  Path deploy;

  @Option(names = "--service", paramLabel = "SERVICE",
      description = "metrics-token only: rotate this service's token only (gateway, router, egress, socket-proxy).")
  String service;

  @Option(names = "--from-file", paramLabel = "FILE",
      description = "Take the new value from this file instead of generating one (it must pass the same checks).")
  Path fromFile;

  @Option(names = "--finish",
      description = "redis-password only: Redis forgets every password but the one in secrets/redis_password.")
  boolean finish;

  @Option(names = "--compose", defaultValue = "docker-compose", paramLabel = "COMMAND",
      description = "The compose command that signals the services (default: ${DEFAULT-VALUE}; or 'docker compose').")
  String compose;

  @Spec
  CommandSpec spec;

  /** How services are told; replaced by tests that run the services in-process. */
  ServiceSignals signals;

  /** The redis-cli next to the deployment's Redis; replaced by tests that run their own redis-server. */
  List<String> redisCli;

  @Override
  public Integer call() throws Exception {
    CliLogs.toStandardError();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RotatedSecret chosen;
    Optional<String> given;
    try {
      chosen = RotatedSecret.of(secret);
      given = fromFile == null ? Optional.empty() : Optional.of(Secrets.readSecretFile(fromFile));
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("clincher rotate: " + e.getMessage());
      return 2;
    }
    if (service != null && chosen != RotatedSecret.METRICS_TOKEN) {
      err.println("clincher rotate: --service applies to metrics-token only");
      return 2;
    }
    if (finish && (chosen != RotatedSecret.REDIS_PASSWORD || fromFile != null)) {
      err.println("clincher rotate: --finish applies to redis-password only, without --from-file");
      return 2;
    }
    List<String> composeCommand = List.of(compose.strip().split("\\s+"));
    ServiceSignals signalling = signals != null ? signals : ServiceSignals.compose(composeCommand, deploy);
    try {
      Rotation rotation = new Rotation(deploy, signalling, redisAcl(composeCommand));
      List<Rotation.Done> steps = finish ? rotation.finishRedisPassword()
          : rotation.rotate(chosen, given, step -> service == null || step.service().equals(service));
      for (Rotation.Done done : steps) {
        out.println("secrets/" + done.file() + ": " + done.note());
      }
    } catch (RotationRefused refused) {
      err.println("clincher rotate " + chosen.command() + ": refused: " + refused.getMessage());
      return 1;
    }
    out.println(finish ? "Redis accepts only the password in secrets/redis_password now." : afterwards(chosen));
    out.flush();
    return 0;
  }

  /**
   * ACL LOAD as the clincher-rotate user, whose password (secrets/redis_rotate_password, root's alone) is read only
   * when Redis must reload, and goes to redis-cli's standard input.
   */
  private RedisAclReload redisAcl(List<String> composeCommand) {
    List<String> cli = redisCli != null ? redisCli : RedisAclReload.composeRedisCli(composeCommand, deploy);
    return () -> {
      String password;
      try {
        password = new SecretFile(deploy.resolve("secrets/redis_rotate_password")).read();
      } catch (java.io.IOException e) {
        throw new java.io.IOException("secrets/redis_rotate_password: " + e.getMessage(), e);
      }
      RedisAclReload.cli(cli, password).reload();
    };
  }

  private static String afterwards(RotatedSecret secret) {
    return switch (secret) {
      case GATEWAY_TOKEN -> "Give clients the new token (secrets/gateway_token); the old one works until the grace "
          + "ends (auth.rotation_grace).";
      case MASTER_KEY -> "Callers of the router with the master key need the new one (secrets/litellm_master_key); "
          + "the old one works until the grace ends (general_settings.rotation_grace).";
      case METRICS_TOKEN -> "Copy the new tokens (secrets/*_metrics_token) to the monitoring host and reload "
          + "Prometheus before the grace ends (1h by default).";
      case REDIS_PASSWORD -> "Redis accepts the old and the new password until 'clincher rotate redis-password "
          + "--finish' (run it once the router logged secret.reload rotated for redis_password).";
    };
  }
}
