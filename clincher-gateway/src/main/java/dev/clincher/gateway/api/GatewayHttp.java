package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.health.Health;
import dev.clincher.common.http.JettyServers;
import dev.clincher.common.http.OpsHandler;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.gateway.auth.AuthMetrics;
import dev.clincher.gateway.auth.Authenticator;
import dev.clincher.gateway.channel.Channels;
import dev.clincher.gateway.session.SessionService;
import java.io.IOException;
import org.eclipse.jetty.server.Server;

/**
 * The gateway's HTTP side on Jetty, outermost first: health and metrics, a channel's webhook, the web chat's files,
 * the WebSocket upgrade, then the API ({@link GatewayHandler}) behind the authenticator.
 *
 * @param maxRequestBytes the API's body limit; Jetty's own limit is twice it, for the framing
 */
public record GatewayHttp(Authenticator authenticator, SessionService sessions, ControlEndpoint control,
    Channels channels, ObjectMapper json, long maxRequestBytes) {

  /** Starts listening as {@code options} say (their body limit is set from {@link #maxRequestBytes}). */
  public Server start(JettyServers.Options options, Health health, Metrics metrics, MetricsAccess metricsAccess)
      throws IOException {
    ApiAccess access = new ApiAccess(authenticator, new AuthMetrics(metrics));
    GatewayHandler api = new GatewayHandler(access, sessions, json, maxRequestBytes, control,
        new ChannelsEndpoint(channels, json));
    // A channel's webhook path (authenticated by the channel's own secret) is routed before the API's token check.
    return JettyServers.start(options.withMaxRequestBodyBytes(2 * maxRequestBytes),
        jetty -> new OpsHandler(health, metrics, metricsAccess, channels.webhookRoute(
            new WebAssets(GatewayWebSocket.upgradeHandler(jetty, access, sessions, json, api)))),
        health);
  }
}
