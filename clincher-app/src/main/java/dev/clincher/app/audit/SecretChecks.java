package dev.clincher.app.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The secrets directory: every secret a regular file readable by its owner only (0600), the directory 0700, and
 * Redis's users file demanding a password.
 */
public final class SecretChecks implements Check {
  private static final int MAX_SECRET_BYTES = 64 * 1024;
  private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  @Override
  public List<Finding> run(Deployment deployment) {
    List<Finding> findings = new ArrayList<>();
    if (deployment.kind() == Deployment.Kind.UP) {
      stateDirectory(deployment, findings);
      return findings;
    }
    Path secrets = deployment.file("secrets");
    if (!Files.isDirectory(secrets, LinkOption.NOFOLLOW_LINKS)) {
      findings.add(Finding.critical("secrets.missing", "there is no secrets/ directory", "the services have no "
          + "token, key or password to start with", "clincher deploy init " + deployment.directory()));
      return findings;
    }
    try (Stream<Path> files = Files.walk(secrets)) {
      for (Path path : files.toList()) {
        mode(deployment, path, findings);
      }
    } catch (IOException e) {
      findings.add(Finding.warn("secrets.unreadable", "secrets/ cannot be read: " + e.getMessage(),
          "the audit cannot check the secrets' modes", "run the audit as the deployment's owner (root)"));
    }
    redis(deployment, findings);
    return findings;
  }

  private static void mode(Deployment deployment, Path path, List<Finding> findings) throws IOException {
    String relative = deployment.directory().relativize(path).toString();
    String name = relative.isEmpty() ? deployment.directory().toString() : relative;
    if (Files.isSymbolicLink(path)) {
      findings.add(Finding.critical("secrets.symlink", name + " is a symbolic link", "a link can point a secret "
          + "at a file others can read or write", "replace " + name + " with the file itself (mode 0600)"));
      return;
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
    boolean directory = Files.isDirectory(path);
    if (permissions.stream().anyMatch(OTHERS::contains)) {
      findings.add(Finding.critical("secrets.file_mode", name + " is mode "
          + java.nio.file.attribute.PosixFilePermissions.toString(permissions), "any user or process on the host "
          + "that can read it has the key", "chmod " + (directory ? "700 " : "600 ") + name
          + " (clincher audit --fix does it)"));
    }
  }

  /** ./clincher up keeps its secrets, databases and generated configs in the state directory: all private. */
  private static void stateDirectory(Deployment deployment, List<Finding> findings) {
    try (Stream<Path> files = Files.walk(deployment.directory(), 2)) {
      for (Path path : files.toList()) {
        mode(deployment, path, findings);
      }
    } catch (IOException e) {
      findings.add(Finding.warn("secrets.unreadable", deployment.directory() + " cannot be read: " + e.getMessage(),
          "the audit cannot check the state directory's modes", "run the audit as the user that runs up"));
    }
  }

  private static void redis(Deployment deployment, List<Finding> findings) {
    Optional<String> users = read(deployment.file("secrets/redis_users.acl"));
    if (users.isEmpty()) {
      findings.add(Finding.critical("redis.auth.password", "secrets/redis_users.acl is missing", "a Redis "
          + "without a password lets any service on openclaw-net rewrite budgets and cached answers",
          "clincher deploy init " + deployment.directory() + " (writes it)"));
      return;
    }
    // Every user, not only the router's default one: clincher-rotate (ACL LOAD) must demand its password too.
    Optional<String> open = users.get().lines().filter(line -> line.startsWith("user "))
        .filter(line -> line.contains("nopass") || !(line.contains(" #") || line.contains(" >")))
        .map(line -> line.split("\\s+")[1]).findFirst();
    if (open.isPresent()) {
      findings.add(Finding.critical("redis.auth.password", "Redis's user " + open.get() + " has no password",
          "any service on openclaw-net can rewrite budgets, rate limits and cached answers",
          "secrets/redis_users.acl: user default on #<sha256 of secrets/redis_password> ~* &* +@all -@dangerous; "
              + "user clincher-rotate on #<sha256 of secrets/redis_rotate_password> resetchannels -@all +acl|load"));
    }
  }

  /** A secret's text without surrounding white space, when it is a regular file of sane size. */
  static Optional<String> read(Path file) {
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_SECRET_BYTES) {
        return Optional.empty();
      }
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
