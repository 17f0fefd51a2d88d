package dev.clincher.app.audit;

import dev.clincher.gateway.config.GatewayConfig;
import dev.clincher.gateway.policy.ToolRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway, where untrusted text meets tools: authentication on with a strong token and a lockout, proxies and
 * origins trusted no wider than needed, Docker only through the socket proxy, the web only through the egress
 * proxy, sandboxes not as root, and the dangerous tools denied at both layers.
 */
public final class GatewayChecks implements Check {
  static final int MIN_TOKEN_CHARS = 32;

  @Override
  public List<Finding> run(Deployment deployment) {
    List<Finding> findings = new ArrayList<>();
    Deployment.Loaded<GatewayConfig> loaded = deployment.gateway();
    if (loaded.value().isEmpty()) {
      findings.add(Finding.critical("gateway.config.invalid", "config/gateway.yaml cannot be loaded: "
          + loaded.error(), "the gateway will not start, or starts without the settings you meant",
          "fix config/gateway.yaml (docs/gateway.md lists every key)"));
      return findings;
    }
    GatewayConfig config = loaded.value().get();
    auth(deployment, config.auth(), findings);
    reach(config, findings);
    tools(config, findings);
    return findings;
  }

  private static void auth(Deployment deployment, GatewayConfig.Auth auth, List<Finding> findings) {
    Map<String, String> environment = new java.util.LinkedHashMap<>();
    deployment.service("gateway").forEach(part -> environment.putAll(ComposeFile.environmentOf(part)));
    String tokenFile = auth.tokenFile() != null && !auth.tokenFile().isBlank() ? auth.tokenFile()
        : environment.getOrDefault("CLINCHER_GATEWAY_TOKEN_FILE", "");
    if (tokenFile.isBlank()) {
      findings.add(Finding.critical("gateway.auth.token", "the gateway has no auth.token_file (nor "
          + "CLINCHER_GATEWAY_TOKEN_FILE)", "the gateway refuses to start without a token: nothing is served",
          "config/gateway.yaml: auth.token_file: /run/secrets/gateway_token"));
      return;
    }
    Optional<String> token = deployment.secretFile("gateway", tokenFile).flatMap(SecretChecks::read);
    if (token.isEmpty()) {
      findings.add(Finding.warn("gateway.auth.token_readable", "the gateway's token " + tokenFile
          + " was not found among the deployment's secrets", "the audit cannot tell how strong it is",
          "mount it as a compose secret from secrets/ (deploy init does)"));
    } else if (token.get().length() < MIN_TOKEN_CHARS) {
      findings.add(Finding.critical("gateway.auth.token_strength", "the gateway's token has "
          + token.get().length() + " characters", "a short token can be guessed, lockout or not",
          "replace secrets/gateway_token with at least " + MIN_TOKEN_CHARS + " random characters "
              + "(openssl rand -hex 32)"));
    }
    if (auth.maxFailures() <= 0 || auth.maxFailures() > 20) {
      findings.add(Finding.warn("gateway.auth.lockout", "auth.max_failures is " + auth.maxFailures(),
          "the failure limiter is what makes guessing the token slow", "config/gateway.yaml: "
              + "auth.max_failures: 10"));
    }
    for (String proxy : auth.trustedProxies()) {
      if (proxy.endsWith("/0")) {
        findings.add(Finding.critical("gateway.auth.trusted_proxies", "auth.trusted_proxies has " + proxy,
            "any client can then set X-Forwarded-For and dodge the lockout and the logs", "config/gateway.yaml: "
                + "auth.trusted_proxies: [the reverse proxy's network only, e.g. ${CLINCHER_PROXY_SUBNET}]"));
      }
    }
    for (String origin : auth.allowedOrigins()) {
      if (origin.equals("*") || origin.equals("null")) {
        findings.add(Finding.critical("gateway.auth.allowed_origins", "auth.allowed_origins has " + origin,
            "any web page the operator visits can drive the gateway in the operator's browser",
            "config/gateway.yaml: auth.allowed_origins: [\"https://your.domain\"]"));
      } else if (origin.startsWith("http://") && !origin.matches("http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?")) {
        findings.add(Finding.warn("gateway.auth.allowed_origins_tls", "auth.allowed_origins has " + origin,
            "a page served without TLS can be changed on the way", "config/gateway.yaml: the https:// origin"));
      }
    }
  }

  private static void reach(GatewayConfig config, List<Finding> findings) {
    String docker = config.docker() == null || config.docker().host() == null ? "" : config.docker().host();
    if (!docker.startsWith("tcp://")) {
      findings.add(Finding.critical("gateway.docker.socket_proxy", "the gateway's docker.host is "
          + (docker.isEmpty() ? "unset (the Docker socket)" : docker), "the Docker socket itself is root on the "
          + "host; only the socket proxy's filtered slice may be reachable", "config/gateway.yaml: docker.host: "
          + "tcp://socket-proxy:2375"));
    }
    if (config.egress() != null && config.egress().allowDirect()) {
      findings.add(Finding.critical("gateway.egress.direct", "egress.allow_direct is true", "web_fetch then goes "
          + "out without the allowlist and the SSRF checks", "config/gateway.yaml: egress.allow_direct: false"));
    }
    if (config.egress() == null || config.egress().proxy() == null) {
      findings.add(Finding.warn("gateway.egress.proxy", "egress.proxy is not set (HTTPS_PROXY is used if set)",
          "without a proxy web_fetch has no way out, or a direct one", "config/gateway.yaml: egress.proxy: "
              + "http://egress:4750"));
    }
    String user = config.sandbox().user();
    if (user.equals("root") || user.equals("0") || user.startsWith("0:")) {
      findings.add(Finding.critical("gateway.sandbox.user", "sandboxes run as " + user, "root in the sandbox "
          + "is one kernel bug from root on the host", "config/gateway.yaml: remove sandbox.user (the default is "
          + "an unprivileged user)"));
    }
  }

  private static void tools(GatewayConfig config, List<Finding> findings) {
    for (Map.Entry<String, GatewayConfig.Agent> agent : config.agents().entrySet()) {
      List<String> deny = agent.getValue().tools().deny();
      if (deny == null || deny.isEmpty()) { // empty: the default, the dangerous tools
        continue;
      }
      List<String> dropped = ToolRules.DANGEROUS.stream().filter(tool -> !deny.contains(tool)).toList();
      if (!dropped.isEmpty() && !deny.contains("*")) {
        findings.add(Finding.warn("gateway.tools.agent_deny", "agents." + agent.getKey() + ".tools.deny leaves out "
            + dropped, "the gateway-wide layer still denies them; this agent's own layer no longer does, so one "
            + "change of tools.deny at the gateway would expose them", "config/gateway.yaml: agents."
            + agent.getKey() + ".tools.deny: add " + dropped + " (or remove the key for the default)"));
      }
    }
  }
}
