package dev.clincher.app.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The deployment's secrets must not show in any process's command line or environment on this host (where
 * {@code ps}, {@code docker inspect} and crash reports show them). Reads {@code /proc/PID/cmdline} and
 * {@code environ} of every process it may read (all of them as root); compares with each secret under
 * {@code secrets/} of at least 16 characters; names the process, never the value.
 */
final class ProcessSecrets {
  private static final int MIN_SECRET_CHARS = 16;
  private static final int MAX_READ_BYTES = 256 * 1024;
  private static final int MAX_PROCESSES = 100_000;

  private final Deployment deployment;

  ProcessSecrets(Deployment deployment) {
    this.deployment = deployment;
  }

  List<Finding> check() {
    Map<String, String> secrets = secrets();
    List<Finding> findings = new ArrayList<>();
    int read = 0;
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      for (Path process : entries.filter(path -> path.getFileName().toString().matches("\\d+"))
          .limit(MAX_PROCESSES).toList()) {
        for (String part : List.of("cmdline", "environ")) {
          String text = read(process.resolve(part));
          read += text.isEmpty() ? 0 : 1;
          secrets.forEach((name, value) -> {
            if (text.contains(value)) {
              findings.add(Finding.critical("deep.secrets.process", name + " is in the " + part + " of process "
                  + process.getFileName() + " (" + command(process) + ")", "a command line is visible to every "
                  + "user of the host; an environment to docker inspect and crash reports",
                  "pass it as a file: the service's *_FILE setting or a compose secret"));
            }
          });
        }
      }
    } catch (IOException e) {
      findings.add(Finding.warn("deep.secrets.process", "/proc cannot be listed: " + e.getMessage(),
          "the audit cannot look for secrets in command lines", "run the audit as root on the host"));
      return findings;
    }
    if (findings.isEmpty()) {
      findings.add(Finding.info("deep.secrets.process", secrets.size() + " secret(s) in no command line or "
          + "environment of " + read + " readable ones"));
    }
    return findings;
  }

  private Map<String, String> secrets() {
    Map<String, String> secrets = new LinkedHashMap<>();
    if (deployment.kind() == Deployment.Kind.UP) { // up keeps its two secrets beside clincher.yaml
      for (String variable : List.of("CLINCHER_GATEWAY_TOKEN_FILE", "LITELLM_MASTER_KEY_FILE")) {
        Path file = Path.of(deployment.env().get(variable));
        SecretChecks.read(file).filter(value -> value.length() >= MIN_SECRET_CHARS)
            .ifPresent(value -> secrets.put(file.getFileName().toString(), value));
      }
      return secrets;
    }
    try (Stream<Path> files = Files.walk(deployment.file("secrets"))) {
      for (Path file : files.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)).toList()) {
        SecretChecks.read(file).filter(value -> value.length() >= MIN_SECRET_CHARS && !value.contains("\n"))
            .ifPresent(value -> secrets.put(deployment.directory().relativize(file).toString(), value));
      }
    } catch (IOException e) {
      // secrets.unreadable says so
    }
    return secrets;
  }

  private static String read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(MAX_READ_BYTES), StandardCharsets.UTF_8);
    } catch (IOException | SecurityException e) {
      return ""; // gone, or not ours to read
    }
  }

  private static String command(Path process) {
    String comm = read(process.resolve("comm")).strip();
    return comm.isEmpty() ? "?" : comm;
  }
}
