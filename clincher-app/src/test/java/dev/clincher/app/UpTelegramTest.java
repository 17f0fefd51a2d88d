package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.egress.acl.Acl;
import dev.clincher.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code up} with a Telegram token file: the bot enabled in the generated gateway config, its host in the egress. */
class UpTelegramTest {

  @Test
  void theFlagWinsOverTheVariableAndNeitherLeavesTelegramOff() {
    Path flag = Path.of("flag-token");
    assertThat(UpTelegram.choose(flag, Map.of(UpTelegram.TOKEN_VARIABLE, "/env-token")).tokenFile())
        .contains(flag.toAbsolutePath());
    assertThat(UpTelegram.choose(null, Map.of(UpTelegram.TOKEN_VARIABLE, "/env-token")).tokenFile())
        .contains(Path.of("/env-token"));
    assertThat(UpTelegram.choose(null, Map.of(UpTelegram.TOKEN_VARIABLE, " ")).enabled()).isFalse();
    assertThat(UpTelegram.choose(null, Map.of()).enabled()).isFalse();
  }

  @Test
  void theGeneratedConfigsRunTheBotThroughTheEgress(@TempDir Path state) throws Exception {
    UpDefaults.writeConfigOnce(state);
    UpConfig config = UpConfig.read(state.resolve(UpDefaults.CONFIG_FILE));
    Map<String, String> env = UpCommandTest.serviceEnvironment(state, Map.of());
    Path generated = UpConfig.generatedDirectory(state);
    Path token = state.resolve("telegram-token");
    UpTelegram telegram = new UpTelegram(Optional.of(token));

    Acl before = Acl.load(config.write(generated, "egress-acl.yaml", config.egressAcl()));
    assertThat(before.decide(null, UpTelegram.API_HOST).allowed()).isFalse();
    ObjectNode acl = telegram.applyToEgressAcl(config.egressAcl());
    assertThat(Acl.load(config.write(generated, "egress-acl.yaml", acl)).decide(null, UpTelegram.API_HOST).allowed())
        .isTrue();
    assertThat(telegram.applyToEgressAcl(acl)).as("added once").isEqualTo(acl);

    GatewayConfig gateway = new ConfigLoader(env).load(config.write(generated, "gateway.yaml",
        telegram.applyToGateway(config.gateway())), GatewayConfig.class);
    assertThat(gateway.channels().telegram().enabled()).isTrue();
    assertThat(gateway.channels().telegram().tokenFile()).isEqualTo(token.toString());
    assertThat(gateway.egress().proxy()).as("the Bot API through the egress").isEqualTo("http://127.0.0.1:4750");

    GatewayConfig off = new ConfigLoader(env).load(config.write(generated, "gateway.yaml",
        new UpTelegram(Optional.empty()).applyToGateway(config.gateway())), GatewayConfig.class);
    assertThat(off.channels().telegram().enabled()).isFalse();
  }

  @Test
  void theUsersOtherTelegramKeysAreKept() throws Exception {
    ObjectNode gateway = (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        "{\"channels\":{\"telegram\":{\"enabled\":false,\"dm_policy\":\"allowlist\",\"allow_from\":[\"7\"]}}}");
    ObjectNode applied = new UpTelegram(Optional.of(Path.of("/t"))).applyToGateway(gateway);
    assertThat(applied.at("/channels/telegram").toString())
        .isEqualTo("{\"enabled\":true,\"dm_policy\":\"allowlist\",\"allow_from\":[\"7\"],\"token_file\":\"/t\"}");
    assertThat(gateway.at("/channels/telegram/enabled").asBoolean()).as("clincher.yaml's tree is untouched").isFalse();
  }
}
