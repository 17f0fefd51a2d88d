package dev.clincher.gateway.api;

import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import java.nio.file.Path;
import java.util.Optional;

/** A gateway in its own JVM, for the kill -9 test: prints {@code PORT <n>} once listening, then runs until killed. */
public final class GatewayChild {
  private GatewayChild() {}

  public static void main(String[] args) throws Exception {
    GatewayServer server = GatewayServer.start(new GatewaySettings(Path.of(args[0]), Optional.of("127.0.0.1"),
        Optional.of(0), System.getenv()));
    System.out.println("PORT " + server.port());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
