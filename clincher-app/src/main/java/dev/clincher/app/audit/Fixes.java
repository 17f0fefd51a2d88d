package dev.clincher.app.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The safe fixes of {@code clincher audit --fix}: modes of the secrets (never their content), the egress allowlist
 * back to enforce mode, the socket proxy's policy without root exec or host binds. Config files are edited line by
 * line, so the operator's comments stay; each change is said. Everything else is left to the operator.
 */
public final class Fixes {
  private static final Pattern EGRESS_ACTION = Pattern.compile("^(\\s*action:\\s*)(report|open)\\s*$");
  private static final Pattern ROOT_EXEC = Pattern.compile("^(\\s*allow_root_exec:\\s*)true\\s*$");
  private static final Pattern BIND_PATHS = Pattern.compile("^(\\s*allowed_bind_paths:\\s*)\\[.+]\\s*$");

  private Fixes() {}

  /** Applies the safe fixes for {@code findings}; returns what was changed, one line each. */
  public static List<String> apply(Deployment deployment, List<Finding> findings) throws IOException {
    List<String> changed = new ArrayList<>();
    if (has(findings, "secrets.file_mode")) {
      secretModes(deployment.file("secrets"), deployment.directory(), changed);
    }
    if (has(findings, "egress.acl.mode.enforce")) {
      edit(deployment.file("config/egress-acl.yaml"), EGRESS_ACTION, "$1enforce", "action: enforce", changed);
    }
    if (has(findings, "socket_proxy.policy.root_exec")) {
      edit(deployment.file("config/socket-proxy.yaml"), ROOT_EXEC, "$1false", "allow_root_exec: false", changed);
    }
    if (has(findings, "socket_proxy.policy.bind_paths")) {
      edit(deployment.file("config/socket-proxy.yaml"), BIND_PATHS, "$1[]", "allowed_bind_paths: []", changed);
    }
    return changed;
  }

  private static boolean has(List<Finding> findings, String id) {
    return findings.stream().anyMatch(finding -> finding.id().equals(id));
  }

  private static void secretModes(Path secrets, Path root, List<String> changed) throws IOException {
    try (Stream<Path> files = Files.walk(secrets)) {
      for (Path path : files.toList()) {
        if (Files.isSymbolicLink(path)) {
          continue; // never follow a link to chmod what it points at
        }
        String mode = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
        String before = PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
        if (!before.equals(mode)) {
          Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
          changed.add(root.relativize(path) + ": mode " + before + " -> " + mode);
        }
      }
    }
  }

  private static void edit(Path file, Pattern line, String replacement, String what, List<String> changed)
      throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> edited = new ArrayList<>(lines.size());
    int count = 0;
    for (String text : lines) {
      String replaced = line.matcher(text).replaceAll(replacement);
      count += replaced.equals(text) ? 0 : 1;
      edited.add(replaced);
    }
    if (count == 0) {
      changed.add(file.getFileName() + ": no line to change for " + what + " (not fixed; edit it by hand)");
      return;
    }
    Path temporary = file.resolveSibling("." + file.getFileName() + ".audit-fix");
    Files.write(temporary, edited, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(temporary, Files.getPosixFilePermissions(file));
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    changed.add(file.getFileName() + ": " + what + " (" + count + " line" + (count == 1 ? "" : "s") + ")");
  }
}
