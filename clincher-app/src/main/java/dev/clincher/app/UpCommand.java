package dev.clincher.app;

import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code clincher up}: the whole stack in one JVM on loopback with embedded defaults. Today that is the egress
 * proxy; each service joins as it is built.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start the whole stack on loopback with embedded defaults (today: the egress proxy on :4750).")
final class UpCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    EgressServer egress = EgressServer.start(EgressSettings.defaults());
    return Services.runUntilStopped(egress, egress::reloadAcl);
  }
}
