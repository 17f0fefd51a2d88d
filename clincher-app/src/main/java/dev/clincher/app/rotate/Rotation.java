package dev.clincher.app.rotate;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates one secret of a compose deployment: checks the new value, then for each step of the secret (see
 * {@link RotatedSecret}) rewrites the file in place ({@link SecretFile}) and signals the service that reads it. Every
 * step is logged once as {@code rotate.step}; a refusal stops before anything further is written.
 */
public final class Rotation {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.rotate");
  /** The lock file's mode: {@code clincher audit} wants every file under secrets/ private. */
  private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
      java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

  /** One step done: the file written and the service told, or why it was left alone. */
  public record Done(String file, String service, String note) {}

  private final Path secrets;
  private final ServiceSignals signals;
  private final RedisAclReload redis;

  /**
   * @param deployment a directory made by {@code clincher deploy init} (its {@code secrets/} is rewritten)
   * @param signals how services are told to re-read their secrets
   */
  public Rotation(Path deployment, ServiceSignals signals) {
    this(deployment, signals, () -> {
      throw new IOException("this rotation cannot reach Redis");
    });
  }

  /** The same, telling Redis to re-read its users file through {@code redis} (for the Redis password). */
  public Rotation(Path deployment, ServiceSignals signals, RedisAclReload redis) {
    this.secrets = deployment.resolve("secrets");
    this.signals = signals;
    this.redis = redis;
  }

  /**
   * Rotates {@code secret} to {@code given}, else to a fresh random value, for the steps {@code selected} keeps.
   *
   * @throws RotationRefused when the new value is weak or the current one, a file cannot be rewritten, or a service
   *                         cannot be signalled (the steps before it are done; run the command again to finish)
   */
  public List<Done> rotate(RotatedSecret secret, Optional<String> given, Predicate<RotatedSecret.Step> selected)
      throws RotationRefused {
    String value = given.orElseGet(secret::generate);
    String weakness = secret.weakness(value);
    if (weakness != null) {
      throw refused(secret, "weak_value", weakness);
    }
    List<RotatedSecret.Step> steps = secret.steps().stream().filter(selected).toList();
    if (steps.isEmpty()) {
      throw refused(secret, "no_step", "nothing selected to rotate");
    }
    try (FileChannel lockFile = openLockFile(); FileLock lock = tryLock(lockFile, secret)) {
      Optional<String> masterKeyBefore = secret == RotatedSecret.MASTER_KEY
          ? Optional.of(current(secret, steps.getFirst())) : Optional.empty();
      List<Done> done = new ArrayList<>();
      if (secret == RotatedSecret.REDIS_PASSWORD) {
        done.add(redisUsers(secret, users -> users.withHash("default", RedisUsers.sha256Hex(value)),
            "the new password added beside the old one"));
      }
      for (RotatedSecret.Step step : steps) {
        done.add(step(secret, step, value, masterKeyBefore));
      }
      return List.copyOf(done);
    } catch (IOException e) {
      throw refused(secret, "lock_failed", "secrets/.rotate.lock could not be opened: " + e.getMessage());
    }
  }

  /**
   * The end of a Redis password rotation: Redis keeps only the hash of the password in secrets/redis_password, so the
   * old one is refused from now on (connections already open stay). Run it once the router has logged
   * {@code secret.reload ... rotated} for {@code redis_password}; nothing changes when only one password is left.
   */
  public List<Done> finishRedisPassword() throws RotationRefused {
    RotatedSecret secret = RotatedSecret.REDIS_PASSWORD;
    try (FileChannel lockFile = openLockFile(); FileLock lock = tryLock(lockFile, secret)) {
      String hash = RedisUsers.sha256Hex(current(secret, secret.steps().getFirst()));
      return List.of(redisUsers(secret, users -> users.onlyHash("default", hash), "old passwords removed"));
    } catch (IOException e) {
      throw refused(secret, "lock_failed", "secrets/.rotate.lock could not be opened: " + e.getMessage());
    }
  }

  /**
   * Rewrites secrets/redis_users.acl in place by {@code change} and makes Redis load it. The file before and after is
   * checked ({@link RedisUsers}): a file Redis should not load is refused before Redis sees it.
   */
  private Done redisUsers(RotatedSecret secret, java.util.function.UnaryOperator<RedisUsers> change, String note)
      throws RotationRefused {
    SecretFile file = new SecretFile(secrets.resolve("redis_users.acl"));
    RedisUsers before;
    RedisUsers after;
    try {
      before = RedisUsers.parse(file.read());
      if (!before.has(RedisUsers.ROTATE_USER)) {
        throw refused(secret, "no_rotate_user", "secrets/redis_users.acl has no " + RedisUsers.ROTATE_USER
            + " user, so Redis cannot be told to re-read it; set it up once (docs/operations.md#rotating-secrets)");
      }
      after = change.apply(before);
    } catch (IllegalArgumentException e) {
      throw refused(secret, "bad_users_file", "secrets/redis_users.acl: " + e.getMessage());
    } catch (IOException e) {
      throw refused(secret, "unreadable", "secrets/redis_users.acl: " + e.getMessage());
    }
    if (after.equals(before)) {
      return logged(secret, new Done("redis_users.acl", "redis", "unchanged: nothing to do"));
    }
    try {
      file.replace(after.text());
    } catch (IOException e) {
      throw refused(secret, "write_failed", "secrets/redis_users.acl could not be rewritten: " + e.getMessage());
    }
    try {
      redis.reload();
    } catch (IOException e) {
      String restored = restore(file, before);
      throw refused(secret, "acl_load_failed", "Redis did not load secrets/redis_users.acl (" + e.getMessage()
          + "); " + restored + "; nothing else was changed");
    }
    return logged(secret, new Done("redis_users.acl", "redis", note + ", Redis reloaded its users"));
  }

  /** Puts the users file back as it was (Redis still runs with it), saying whether that worked. */
  private static String restore(SecretFile file, RedisUsers before) {
    try {
      file.replace(before.text());
      return "the file is as it was";
    } catch (IOException e) {
      return "the file could not be put back (" + e.getMessage() + "): restore it from redis_users.acl.previous";
    }
  }

  private FileChannel openLockFile() throws IOException {
    return FileChannel.open(secrets.resolve(".rotate.lock"),
        java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), OWNER_ONLY);
  }

  /** One rotation at a time per deployment (the monthly timer and an operator could meet). */
  private static FileLock tryLock(FileChannel file, RotatedSecret secret) throws IOException, RotationRefused {
    FileLock lock;
    try {
      lock = file.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      throw refused(secret, "rotation_running", "another clincher rotate runs on this deployment; try again later");
    }
    return lock;
  }

  private Done step(RotatedSecret secret, RotatedSecret.Step step, String value, Optional<String> masterKeyBefore)
      throws RotationRefused {
    String current = current(secret, step);
    if (step.file().equals("gateway_router_key") && !masterKeyBefore.orElse("").equals(current)) {
      return logged(secret, new Done(step.file(), step.service(),
          "left alone: it is not the master key (a virtual key of the router)"));
    }
    if (current.equals(value)) {
      throw refused(secret, "same_value", "secrets/" + step.file() + " already holds the new value");
    }
    try {
      new SecretFile(secrets.resolve(step.file())).replace(value);
    } catch (IOException e) {
      throw refused(secret, "write_failed", "secrets/" + step.file() + " could not be rewritten: " + e.getMessage());
    }
    try {
      signals.reload(step.service());
    } catch (IOException e) {
      throw refused(secret, "signal_failed", "secrets/" + step.file() + " is written but " + step.service()
          + " was not told (" + e.getMessage() + "); signal it by hand: docker-compose kill -s SIGHUP "
          + step.service());
    }
    return logged(secret, new Done(step.file(), step.service(), "rewritten, " + step.service() + " reloaded"));
  }

  private String current(RotatedSecret secret, RotatedSecret.Step step) throws RotationRefused {
    try {
      return new SecretFile(secrets.resolve(step.file())).read();
    } catch (IOException e) {
      throw refused(secret, "unreadable", "secrets/" + step.file() + ": " + e.getMessage());
    }
  }

  private static Done logged(RotatedSecret secret, Done done) {
    LOG.atInfo().addKeyValue("secret", secret.command()).addKeyValue("file", done.file())
        .addKeyValue("service", done.service()).addKeyValue("decision", "done").addKeyValue("note", done.note())
        .log("rotate.step");
    return done;
  }

  private static RotationRefused refused(RotatedSecret secret, String rule, String message) {
    LOG.atWarn().addKeyValue("secret", secret.command()).addKeyValue("decision", "refuse").addKeyValue("rule", rule)
        .addKeyValue("reason", message).log("rotate.step");
    return new RotationRefused(rule, message);
  }
}
