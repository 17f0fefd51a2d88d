package dev.clincher.gateway.api;

import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.gateway.sandbox.SandboxImages;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.store.Database;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/** What {@code /health/readiness} asks: the transcript store, Docker (with the sandbox images) and the router. */
public final class ReadinessChecks {
  private ReadinessChecks() {}

  /** Health with the three readiness checks; {@code routerUrl} is the router's base URL. */
  public static Health of(Database database, DockerClient docker, SandboxImages images, URI routerUrl) {
    return of(database, "docker", () -> dockerUp(docker, images), routerUrl);
  }

  /** Health with storage, the sandbox backend's check under {@code sandboxName}, and the router. */
  public static Health of(Database database, String sandboxName, Supplier<CheckResult> sandboxes, URI routerUrl) {
    Health health = new Health();
    health.addReadinessCheck("storage", () -> database.ping() ? CheckResult.up("reachable")
        : CheckResult.down("the transcript store does not answer"));
    health.addReadinessCheck(sandboxName, sandboxes);
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(Duration.ofSeconds(2)).build();
    URI routerHealth = routerUrl.resolve("/health/liveliness");
    health.addReadinessCheck("router", () -> routerUp(http, routerHealth));
    return health;
  }

  /** Docker answers; a missing sandbox image keeps it ready (chat works) but is named in the detail. */
  private static CheckResult dockerUp(DockerClient docker, SandboxImages images) {
    if (!docker.ping()) {
      return CheckResult.down("the Docker API (socket proxy) does not answer");
    }
    StringBuilder detail = new StringBuilder(docker.host().toString());
    images.missing().forEach(image -> detail.append("; ").append(SandboxImages.missingMessage(image)));
    return CheckResult.up(detail.toString());
  }

  private static CheckResult routerUp(HttpClient http, URI uri) {
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200 ? CheckResult.up("HTTP 200")
          : CheckResult.down("the router answered HTTP " + response.statusCode());
    } catch (IOException e) {
      return CheckResult.down("the router is unreachable (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CheckResult.down("interrupted");
    }
  }
}
