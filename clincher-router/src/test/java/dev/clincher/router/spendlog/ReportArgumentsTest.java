package dev.clincher.router.spendlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.json.JsonMappers;
import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.manage.Management;
import dev.clincher.router.manage.Management.Route;
import dev.clincher.router.manage.SpendView;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report arguments the routes and {@code clincher spend} share: names, synonyms, dates, a key's id. */
class ReportArgumentsTest {
  @Test
  void groupingsByNameAndSynonymAndEachNameReadsBack() {
    assertThat(ReportArguments.dimensions("day,model,api_key,team,end_user,deployment"))
        .isEqualTo(EnumSet.allOf(Dimension.class));
    assertThat(ReportArguments.dimensions(" Date , model_group,key,team_id,customer,model_id"))
        .isEqualTo(EnumSet.allOf(Dimension.class));
    assertThat(ReportArguments.dimensions("user")).containsExactly(Dimension.USER);
    for (Dimension dimension : Dimension.values()) {
      assertThat(ReportArguments.dimensions(ReportArguments.name(dimension))).containsExactly(dimension);
    }
  }

  @Test
  void anUnknownGroupingIsRefusedEchoingOnlyPrintableText() {
    assertThatThrownBy(() -> ReportArguments.dimensions("day,colour")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("takes day, model, api_key, team, end_user or deployment, comma-separated; not 'colour'");
    assertThatThrownBy(() -> ReportArguments.dimensions("")).hasMessageEndingWith("not ''");
    assertThatThrownBy(() -> ReportArguments.dimensions("\u001b[2J" + "x".repeat(300)))
        .hasMessageContaining("not '?[2Jxxx").hasMessageEndingWith("…'");
  }

  @Test
  void aDayEndingARangeIsIncludedAndAnInstantIsNot() {
    assertThat(ReportArguments.instant("2026-03-01", false)).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    assertThat(ReportArguments.instant("2026-03-01", true)).isEqualTo(Instant.parse("2026-03-02T00:00:00Z"));
    assertThat(ReportArguments.instant("2026-12-31", true)).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    assertThat(ReportArguments.instant("2026-03-01T12:30:00Z", true)).isEqualTo(Instant.parse("2026-03-01T12:30:00Z"));
    for (String bad : new String[] {"2026-13-01", "yesterday", "2026-02-30", "2026-03-01T12:30", ""}) {
      assertThatThrownBy(() -> ReportArguments.instant(bad, false)).as(bad)
          .hasMessageStartingWith("dates are YYYY-MM-DD (UTC) or ISO-8601 instants");
    }
  }

  @Test
  void aKeyIsNamedByItsIdEvenAfterItIsRegenerated(@TempDir Path directory) throws Exception {
    ObjectMapper json = JsonMappers.newMapper();
    try (KeyStore keys = KeyStore.openUncached(DatabaseUrl.sqlite(directory.resolve("keys.db")))) {
      Management management = new Management(keys, SpendView.UNKNOWN, Clock.systemUTC(), json, "test");
      JsonNode generated = management.handle(Route.KEY_GENERATE, json.createObjectNode());
      String first = generated.path("key").asText();
      String id = generated.path("token").asText();
      assertThat(id).isEqualTo(VirtualKey.hash(first));
      assertThat(ReportArguments.keyId(first, keys)).isEqualTo(id);
      assertThat(ReportArguments.keyId(id, keys)).as("an id is kept").isEqualTo(id);

      String second = management.handle(Route.KEY_REGENERATE, json.createObjectNode().put("key", id)).path("key")
          .asText();
      assertThat(VirtualKey.hash(second)).isNotEqualTo(id);
      assertThat(ReportArguments.keyId(second, keys)).as("the new secret names the same rows").isEqualTo(id);
      assertThat(ReportArguments.keyId("sk-nobody", keys)).as("an unknown secret is hashed")
          .isEqualTo(VirtualKey.hash("sk-nobody"));
    }
  }
}
