package dev.clincher.app;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clincher health URL}: the container health check ({@link HealthProbe}) for people: exit 0 on HTTP 200,
 * 1 on any other answer or none, 2 on a bad URL.
 */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Check a health endpoint (exit 0 on HTTP 200, else 1): the container health check without curl.")
final class HealthCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "URL",
      description = "http(s)://HOST:PORT/health/readiness (default: $" + HealthProbe.URL_VARIABLE + ").")
  String url;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "3s", converter = DurationConverter.class,
      description = "Connect and read timeout (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  private final Map<String, String> env;

  HealthCommand() {
    this(System.getenv());
  }

  HealthCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = HealthProbe.check(url, timeout, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    spec.commandLine().getOut().print(out.toString(StandardCharsets.UTF_8));
    spec.commandLine().getErr().print(err.toString(StandardCharsets.UTF_8));
    spec.commandLine().getOut().flush();
    spec.commandLine().getErr().flush();
    return exit;
  }
}
