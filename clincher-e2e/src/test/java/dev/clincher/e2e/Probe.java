package dev.clincher.e2e;

import dev.clincher.e2e.Commands.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a container on one of the stack's networks can reach: a short-lived {@code clincher/probe} container (curl, nc,
 * redis-cli, ip; the host's static docker CLI mounted read-only) running one script. Scripts print one line per
 * check; {@link #REACH} defines {@code reach HOST PORT}, which prints {@code REACHED host:port} or
 * {@code BLOCKED host:port} after at most three seconds.
 */
final class Probe {
  static final String IMAGE = "clincher/probe:latest";
  static final String REACH = "reach() { if nc -z -w 3 \"$1\" \"$2\" 2>/dev/null; "
      + "then echo \"REACHED $1:$2\"; else echo \"BLOCKED $1:$2\"; fi; }\n";

  private Probe() {}

  /** Runs {@code script} on the stack network {@code network}; {@code env} is passed by name, never on argv. */
  static Result on(Stack stack, String network, String script, Map<String, String> env) {
    List<String> argv = new ArrayList<>(List.of("docker", "run", "--rm", "--network", stack.network(network),
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only", "--tmpfs", "/tmp",
        "-v", dockerCli() + ":/usr/local/bin/docker:ro"));
    for (String name : env.keySet()) {
      argv.addAll(List.of("-e", name));
    }
    argv.addAll(List.of(IMAGE, "sh", "-c", REACH + script));
    return Commands.run(Duration.ofMinutes(2), argv, env, null);
  }

  static Result on(Stack stack, String network, String script) {
    return on(stack, network, script, Map.of());
  }

  /** Tries a TCP connection from inside a running container's network namespace (nsenter, bash's /dev/tcp). */
  static boolean reachesFromNamespace(int pid, String host, int port) {
    return Commands.run(Duration.ofSeconds(15), "nsenter", "--target", Integer.toString(pid), "--net",
        "timeout", "4", "bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + port).ok();
  }

  /** The IPv4 routing table of a running container (read with the host's ip, inside its network namespace). */
  static String routesOf(int pid) {
    return Commands.run(Duration.ofSeconds(15), "nsenter", "--target", Integer.toString(pid), "--net", "ip", "-4",
        "route").orFail().out();
  }

  private static String dockerCli() {
    return Commands.run(Duration.ofSeconds(5), "sh", "-c", "readlink -f \"$(command -v docker)\"").orFail().out()
        .strip();
  }
}
