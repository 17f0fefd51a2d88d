package dev.clincher.app.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code clincher doctor --state-dir}: the same questions for {@code ./clincher up}, whose services are processes on
 * loopback: each one's readiness on its port, the sandbox image, each provider host through the egress proxy (a
 * {@code CONNECT} on a socket, the status line read), disk and clock.
 */
final class UpDoctor {
  private static final int EGRESS_PORT = 4750;
  /** up's fixed ports, in start order. */
  static final List<Map.Entry<String, Integer>> PORTS = List.of(Map.entry("egress", EGRESS_PORT),
      Map.entry("socket-proxy", 2375), Map.entry("router", 4000), Map.entry("gateway", 18789));

  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final int MAX_STATUS_LINE = 512;

  private final Deployment deployment;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
      .proxy(ProxySelector.of(null)).build();

  UpDoctor(Deployment deployment) {
    this.deployment = deployment;
  }

  List<Finding> run() {
    List<Finding> findings = new ArrayList<>();
    String fix = "./clincher up --state-dir " + deployment.directory();
    PORTS.forEach(entry -> findings.add(readiness(entry.getKey(), entry.getValue(), fix)));
    Doctor doctor = new Doctor(deployment);
    doctor.images(findings);
    for (String host : doctor.providerHosts()) {
      findings.add(Doctor.providerAnswer(host, connectThroughEgress(host)));
    }
    doctor.disk(findings);
    Doctor.clock(findings);
    return findings;
  }

  private Finding readiness(String service, int port, String fix) {
    URI uri = URI.create("http://127.0.0.1:" + port + "/health/readiness");
    try {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() == 200) {
        return Finding.info("doctor.service.healthy", service + ": ready on 127.0.0.1:" + port);
      }
      return Finding.critical("doctor.service.unhealthy", service + " on 127.0.0.1:" + port + " is not ready ("
          + answer.statusCode() + "): " + answer.body().strip(), "its layer is down or a dependency does not "
          + "answer", "read up's log (the JSON lines) for " + service);
    } catch (IOException e) {
      if (service.equals("socket-proxy")) {
        return Finding.warn("doctor.service.stopped", "socket-proxy does not answer on 127.0.0.1:" + port,
            "up starts it only when /var/run/docker.sock exists: without it the agent's tools cannot run",
            "start dockerd, then restart: " + fix);
      }
      return Finding.critical("doctor.service.stopped", service + " does not answer on 127.0.0.1:" + port
          + " (" + e.getClass().getSimpleName() + ")", "up is not running, or this service did not start", fix);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Finding.warn("doctor.service.unchecked", service + ": interrupted", "", "");
    }
  }

  /** The egress's answer to {@code CONNECT host:443}: its status code, or 000 when it does not answer. */
  static String connectThroughEgress(String host) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", EGRESS_PORT), (int) TIMEOUT.toMillis());
      socket.setSoTimeout((int) (3 * TIMEOUT.toMillis()));
      OutputStream out = socket.getOutputStream();
      out.write(("CONNECT " + host + ":443 HTTP/1.1\r\nHost: " + host + ":443\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = statusLine(socket.getInputStream());
      String[] words = status.split(" ");
      return words.length > 1 && words[1].matches("\\d{3}") ? words[1] : "000";
    } catch (IOException e) {
      return "000";
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int next;
    while ((next = in.read()) >= 0 && next != '\n' && line.length() < MAX_STATUS_LINE) {
      line.append((char) next);
    }
    return line.toString().strip();
  }
}
