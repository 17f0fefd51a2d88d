package dev.clincher.socketproxy.inspect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.math.BigInteger;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Judges a {@code POST /containers/{id}/exec} body: no {@code Privileged} (which would hand the process every
 * capability and device even in a capability-dropped sandbox), and no {@code User} that is root unless the policy
 * allows it. A user must look like {@code name}, {@code uid}, {@code name:group} or {@code uid:gid}; numeric forms
 * are compared by value, so {@code 00} is root too.
 */
public final class ExecCreateInspector {
  private static final Set<String> EXEC_KEYS = Fields.foldedSet("AttachStdin", "AttachStdout", "AttachStderr",
      "ConsoleSize", "DetachKeys", "Tty", "Env", "Cmd", "Privileged", "User", "WorkingDir");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})?");

  private final InspectionPolicy policy;

  public ExecCreateInspector(InspectionPolicy policy) {
    this.policy = policy;
  }

  /** Parses and judges the body; returns normally when Docker may create this exec instance. */
  public void inspect(byte[] body) throws BodyDeniedException {
    ObjectNode exec = StrictJson.parseObject(body);
    Fields.onlyKnown(exec, EXEC_KEYS, "exec");
    if (Fields.isSet(exec, "Privileged")) {
      throw new BodyDeniedException("privileged", "privileged exec is not allowed");
    }
    String user = Fields.text(exec, "User");
    if (!user.isEmpty()) {
      checkUser(user);
    }
  }

  private void checkUser(String user) throws BodyDeniedException {
    if (!USER.matcher(user).matches()) {
      throw new BodyDeniedException("exec_user", "the exec user must be name[:group] or uid[:gid]");
    }
    String name = user.split(":", 2)[0];
    if (!policy.allowRootExec() && isRoot(name)) {
      throw new BodyDeniedException("exec_user", "exec as root is not allowed");
    }
  }

  private static boolean isRoot(String name) {
    if (name.equals("root")) {
      return true;
    }
    return name.chars().allMatch(Character::isDigit) && new BigInteger(name).signum() == 0;
  }
}
