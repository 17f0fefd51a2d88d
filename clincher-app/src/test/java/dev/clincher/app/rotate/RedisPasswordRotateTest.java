package dev.clincher.app.rotate;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.router.spend.RedisSpendStore;
import dev.clincher.router.testing.RedisServerProcess;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code clincher rotate redis-password} against a real redis-server reading the deployment's users file: the router's
 * pooled client (its spend store) serves through the rotation and the finish with no failed call; both passwords work
 * during the rotation, only the new one after {@code --finish}; no password in any process's arguments or environment,
 * in the output or the logs; and a users file Redis should not load is refused before Redis sees it.
 */
class RedisPasswordRotateTest {
  static final String OLD = "0123456789abcdef".repeat(2) + "a1b2c3d4e5f6a7b8".repeat(2);
  static final String ROTATOR = "fedcba9876543210".repeat(4);

  @TempDir
  Path deploy;
  Path secrets;
  Path argvLog;
  final List<String> signalled = new ArrayList<>();
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void deployment() throws IOException {
    secrets = Files.createDirectories(deploy.resolve("secrets"));
    write("redis_password", OLD);
    write("redis_rotate_password", ROTATOR);
    write("redis_users.acl", users(RedisUsers.sha256Hex(OLD)));
    argvLog = deploy.resolve("argv.log");
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void detach() {
    root.detachAppender(logs);
  }

  @Test
  void theRouterServesThroughTheRotationAndOnlyTheNewPasswordWorksAfterTheFinish() throws Exception {
    Object inode = Files.getAttribute(secrets.resolve("redis_users.acl"), "unix:ino");
    try (RedisServerProcess redis = RedisServerProcess.withAclFile(secrets.resolve("redis_users.acl"))) {
      RotatingSecret password = RotatingSecret.fromFile("redis_password", secrets.resolve("redis_password"),
          Duration.ZERO, Clock.systemUTC(), RotatingSecret.Check.NONE);
      RedisSpendStore store = RedisSpendStore.connect("127.0.0.1", redis.port(), Optional.of(password), "rot:");
      AtomicLong served = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread load = Thread.ofVirtual().start(() -> {
        while (running.get()) {
          try {
            store.add("calls", 1, Duration.ofMinutes(5));
            served.incrementAndGet();
          } catch (RuntimeException e) {
            failed.incrementAndGet();
          }
        }
      });
      ServiceSignals router = service -> {
        signalled.add(service);
        password.reload(); // what the router's SIGHUP does
      };

      assertThat(rotate(router, redis, "redis-password")).as(err.toString()).isZero();
      String fresh = read("redis_password");
      assertThat(fresh).matches("[0-9a-f]{64}").isNotEqualTo(OLD);
      assertThat(signalled).containsExactly("router");
      assertThat(accepts(redis, OLD)).isTrue();
      assertThat(accepts(redis, fresh)).isTrue();
      assertThat(password.current().reveal()).isEqualTo(fresh);
      long beforeFinish = served.get();

      assertThat(rotate(router, redis, "redis-password", "--finish")).as(err.toString()).isZero();
      assertThat(accepts(redis, OLD)).isFalse();
      assertThat(accepts(redis, fresh)).isTrue();
      assertThat(read("redis_users.acl")).isEqualTo(users(RedisUsers.sha256Hex(fresh)).strip());
      assertThat(Files.getAttribute(secrets.resolve("redis_users.acl"), "unix:ino")).isEqualTo(inode);
      // A new pool on the same reloaded secret connects with the new password; the old pool's connections stay.
      try (RedisSpendStore reconnected = RedisSpendStore.connect("127.0.0.1", redis.port(), Optional.of(password),
          "rot:")) {
        assertThat(reconnected.add("calls", 1, Duration.ofMinutes(5))).isPositive();
      }
      waitUntil(() -> served.get() > beforeFinish + 100);
      running.set(false);
      load.join();
      store.close();
      assertThat(failed.get()).isZero();
      assertThat(rotate(router, redis, "redis-password", "--finish")).isZero();
      assertThat(out.toString()).contains("unchanged");

      String everything = out + err.toString() + logText() + Files.readString(argvLog)
          + commandLine(redis.pid());
      for (String secret : List.of(OLD, fresh, ROTATOR)) {
        assertThat(everything).doesNotContain(secret);
      }
      assertThat(Files.readString(argvLog)).contains("--askpass ACL LOAD");
    }
  }

  @Test
  void aWrongRotatePasswordChangesNothingAndTheFileIsPutBack() throws Exception {
    write("redis_rotate_password", "0".repeat(64));
    String users = read("redis_users.acl");
    try (RedisServerProcess redis = RedisServerProcess.withAclFile(secrets.resolve("redis_users.acl"))) {
      assertThat(rotate(signalled::add, redis, "redis-password")).isEqualTo(1);

      assertThat(err.toString()).contains("Redis did not load", "WRONGPASS", "as it was");
      assertThat(read("redis_password")).isEqualTo(OLD);
      assertThat(read("redis_users.acl")).isEqualTo(users);
      assertThat(signalled).isEmpty();
      assertThat(accepts(redis, OLD)).isTrue();
    }
  }

  @Test
  void aUsersFileRedisShouldNotLoadIsRefusedBeforeRedisSeesIt() throws IOException {
    String hash = RedisUsers.sha256Hex(OLD);
    String rotator = "user clincher-rotate on #" + RedisUsers.sha256Hex(ROTATOR) + " resetchannels -@all +acl|load\n";
    List<String> bad = List.of(
        "user default on nopass ~* &* +@all -@dangerous\n" + rotator,
        "user default on #" + hash + " ~* &* +@all\n" + rotator,
        "user default on #" + hash + " ~* &* -@dangerous +@all\n" + rotator,
        "user default on >plain-password-in-the-file ~* +@all -@dangerous\n" + rotator,
        "user default on #" + hash + " ~* &* +@all -@dangerous\nuser clincher-rotate on #" + hash + " +@all\n",
        "user default on #" + hash + " ~* &* +@all -@dangerous\n",
        "user default off #" + hash + " ~* &* +@all -@dangerous\n" + rotator,
        "user default on #" + hash + " ~* &* +@all -@dangerous\n" + rotator + rotator,
        "user default on #" + hash + " ~* &* +@all -@dangerous\nthis is not a user line\n" + rotator);
    for (String file : bad) {
      write("redis_users.acl", file);
      List<String> loads = new ArrayList<>();
      Rotation rotation = new Rotation(deploy, signalled::add, () -> loads.add("ACL LOAD"));

      RotationRefused refused = org.assertj.core.api.Assertions.catchThrowableOfType(RotationRefused.class,
          () -> rotation.rotate(RotatedSecret.REDIS_PASSWORD, Optional.empty(), step -> true));
      assertThat(refused).as(file).isNotNull();
      assertThat(refused.rule()).as(file).isIn("bad_users_file", "no_rotate_user");
      assertThat(refused.getMessage()).doesNotContain(hash);
      assertThat(loads).as(file).isEmpty();
      assertThat(read("redis_users.acl")).isEqualTo(file.strip());
      assertThat(read("redis_password")).isEqualTo(OLD);
      assertThat(signalled).isEmpty();
    }
  }

  @Test
  void finishOnlyAppliesToTheRedisPassword() {
    assertThat(rotate(signalled::add, null, "gateway-token", "--finish")).isEqualTo(2);
    assertThat(err.toString()).contains("--finish applies to redis-password only");
  }

  /** The users file of a deployment whose default user has {@code hashes}. */
  static String users(String... hashes) {
    return "user default on #" + String.join(" #", hashes) + " ~* &* +@all -@dangerous\n"
        + "user clincher-rotate on #" + RedisUsers.sha256Hex(ROTATOR) + " resetchannels -@all +acl|load\n";
  }

  int rotate(ServiceSignals signals, RedisServerProcess redis, String... args) {
    RotateCommand command = new RotateCommand();
    command.signals = signals;
    if (redis != null) {
      command.redisCli = List.of(recordingRedisCli().toString(), "-p", String.valueOf(redis.port()));
    }
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--deploy", deploy.toString()));
    return new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
  }

  /** redis-cli behind a script that first records its own arguments and environment, as ps and /proc show them. */
  Path recordingRedisCli() {
    try {
      Path script = deploy.resolve("redis-cli");
      if (!Files.exists(script)) {
        Files.writeString(script, "#!/bin/sh\ntr '\\0' ' ' < /proc/$$/cmdline >> '" + argvLog + "'\n"
            + "echo >> '" + argvLog + "'\ntr '\\0' '\\n' < /proc/$$/environ >> '" + argvLog + "'\n"
            + "exec redis-cli \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      }
      return script;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Whether Redis takes {@code password} for the default user on a new connection. */
  static boolean accepts(RedisServerProcess redis, String password) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), redis.port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(("AUTH " + password + "\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] reply = new byte[3];
      int read = socket.getInputStream().readNBytes(reply, 0, reply.length);
      return new String(reply, 0, read, StandardCharsets.US_ASCII).equals("+OK");
    }
  }

  static String commandLine(long pid) throws IOException {
    return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
  }

  String logText() {
    StringBuilder text = new StringBuilder();
    for (ILoggingEvent event : List.copyOf(logs.list)) {
      text.append(event.getFormattedMessage()).append(' ').append(event.getKeyValuePairs()).append('\n');
    }
    return text.toString();
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 2_000 && !condition.getAsBoolean(); i++) {
      Thread.sleep(5);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }

  void write(String name, String value) throws IOException {
    Path file = secrets.resolve(name);
    Files.writeString(file, value);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  String read(String name) throws IOException {
    return Files.readString(secrets.resolve(name)).strip();
  }
}
