package dev.clincher.router.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A {@code redis-server} of one test's own on a free loopback port (no persistence), which the test may stop and
 * start again on the same port: the Redis outage the shared {@link TestRedis} cannot stage. Skipped (locally) when
 * {@code redis-server} is not installed; under {@code CI} its absence fails.
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(10);

  private final int port;
  private final java.util.Optional<Path> aclFile;
  private Process process;

  private RedisServerProcess(int port, java.util.Optional<Path> aclFile) {
    this.port = port;
    this.aclFile = aclFile;
  }

  /** Starts one and waits until it answers {@code PING}. */
  public static RedisServerProcess start() throws IOException, InterruptedException {
    return start(java.util.Optional.empty());
  }

  /** Starts one whose users come from {@code aclFile} (as the deployment's Redis), and waits until it answers. */
  public static RedisServerProcess withAclFile(Path aclFile) throws IOException, InterruptedException {
    return start(java.util.Optional.of(aclFile));
  }

  private static RedisServerProcess start(java.util.Optional<Path> aclFile) throws IOException, InterruptedException {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    RedisServerProcess redis = new RedisServerProcess(port, aclFile);
    redis.restart();
    return redis;
  }

  public int port() {
    return port;
  }

  /** The server's process id (its /proc entry shows its arguments). */
  public long pid() {
    return process.pid();
  }

  /** The environment a router reads to use this Redis. */
  public Map<String, String> routerEnv() {
    return Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", String.valueOf(port));
  }

  /** Kills the server and waits for it to be gone: connections are refused from then on. */
  public void stop() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor();
      process = null;
    }
  }

  /** Starts the server (again) on the same port, empty. */
  public void restart() throws IOException, InterruptedException {
    stop();
    boolean installed = Files.isExecutable(Path.of("/usr/bin/redis-server"))
        || Files.isExecutable(Path.of("/usr/local/bin/redis-server"));
    if (!installed && System.getenv("CI") != null) {
      throw new AssertionError("CI is set but redis-server is not installed (run clincher-router/ci-setup-redis.sh)");
    }
    assumeTrue(installed, "redis-server is not installed");
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("redis-server", "--bind",
        "127.0.0.1", "--port", String.valueOf(port), "--save", "", "--appendonly", "no"));
    aclFile.ifPresent(file -> command.addAll(java.util.List.of("--aclfile", file.toString())));
    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    long deadline = System.nanoTime() + READY.toNanos();
    while (!answers()) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        stop();
        throw new IllegalStateException("redis-server did not answer on port " + port + " within " + READY);
      }
      Thread.sleep(20);
    }
  }

  private boolean answers() {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(1_000);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] reply = new byte[7];
      int read = socket.getInputStream().readNBytes(reply, 0, reply.length);
      String answer = new String(reply, 0, read, StandardCharsets.US_ASCII);
      return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"); // NOAUTH: users from an ACL file
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
