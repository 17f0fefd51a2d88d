package dev.clincher.app;

import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/**
 * {@code clincher up}: the whole stack in one JVM on loopback with embedded defaults. Today that is the egress
 * proxy (:4750) and, when a local dockerd socket exists, the socket proxy in its sandbox profile (:2375); each
 * service joins as it is built.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start the whole stack on loopback with embedded defaults "
        + "(today: egress on :4750, socket-proxy on :2375 when /var/run/docker.sock exists).")
final class UpCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    List<AutoCloseable> services = new ArrayList<>();
    EgressServer egress = EgressServer.start(EgressSettings.defaults());
    services.add(egress);
    SocketProxySettings socketProxy = SocketProxySettings.defaults();
    if (Files.exists(socketProxy.dockerSocket())) {
      services.add(SocketProxyServer.start(socketProxy));
    } else {
      LoggerFactory.getLogger("clincher.up").atWarn()
          .addKeyValue("docker_socket", socketProxy.dockerSocket().toString())
          .log("up.socket_proxy_skipped");
    }
    return Services.runUntilStopped(services, egress::reloadAcl);
  }
}
