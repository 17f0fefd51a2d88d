package dev.clincher.router.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.InternalUser;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.TeamMember;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.metering.BudgetPeriod;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** Keys, teams and users as LiteLLM's management API describes them (its field names), with spend; never a key. */
final class Shapes {
  private final ObjectMapper json;
  private final SpendView spend;
  private final Clock clock;

  Shapes(ObjectMapper json, SpendView spend, Clock clock) {
    this.json = json;
    this.spend = spend;
    this.clock = clock;
  }

  ObjectNode object() {
    return json.createObjectNode();
  }

  ArrayNode array() {
    return json.createArrayNode();
  }

  /** A key: LiteLLM's {@code LiteLLM_VerificationToken} fields. */
  ObjectNode key(VirtualKey key) {
    ObjectNode out = object();
    out.put("token", key.tokenHash()).put("key_name", key.keyName()).put("key_alias", key.alias().orElse(null));
    strings(out, "models", key.models());
    number(out, "spend", spend.keySpend(key));
    number(out, "total_spend", spend.keyTotalSpend(key));
    budget(out, key.maxBudget(), key.budgetDuration());
    number(out, "rpm_limit", key.rpmLimit());
    number(out, "tpm_limit", key.tpmLimit());
    number(out, "max_parallel_requests", key.maxParallelRequests());
    out.put("expires", key.expires().map(Instant::toString).orElse(null));
    out.put("team_id", key.teamId().orElse(null)).put("user_id", key.userId().orElse(null));
    out.put("blocked", key.blocked()).put("created_at", key.createdAt().toString());
    out.set("metadata", metadata(key.metadataJson()));
    return out;
  }

  /** A team: LiteLLM's {@code LiteLLM_TeamTable} fields. */
  ObjectNode team(Team team) {
    ObjectNode out = object();
    out.put("team_id", team.teamId()).put("team_alias", team.alias().orElse(null));
    strings(out, "models", team.models());
    number(out, "spend", spend.teamSpend(team));
    budget(out, team.maxBudget(), team.budgetDuration());
    number(out, "rpm_limit", team.rpmLimit());
    number(out, "tpm_limit", team.tpmLimit());
    number(out, "max_parallel_requests", team.maxParallelRequests());
    out.put("blocked", team.blocked());
    out.set("metadata", metadata(team.metadataJson()));
    ArrayNode members = out.putArray("members_with_roles");
    for (TeamMember member : team.members()) {
      members.addObject().put("user_id", member.userId()).put("user_email", member.userEmail().orElse(null))
          .put("role", member.role());
    }
    out.put("created_at", team.createdAt().toString()).put("updated_at", team.updatedAt().toString());
    return out;
  }

  /** LiteLLM's {@code team_memberships}: one {@code {team_id, user_id}} per member. */
  ArrayNode memberships(Team team) {
    ArrayNode out = array();
    team.members().forEach(member -> out.addObject().put("team_id", team.teamId()).put("user_id", member.userId()));
    return out;
  }

  /** A user: LiteLLM's {@code LiteLLM_UserTable} fields. */
  ObjectNode user(InternalUser user) {
    ObjectNode out = object();
    out.put("user_id", user.userId()).put("user_email", user.email().orElse(null)).put("user_role", user.role());
    strings(out, "models", user.models());
    number(out, "spend", spend.userSpend(user));
    budget(out, user.maxBudget(), user.budgetDuration());
    strings(out, "teams", user.teams());
    out.set("metadata", metadata(user.metadataJson()));
    out.put("created_at", user.createdAt().toString()).put("updated_at", user.updatedAt().toString());
    return out;
  }

  ArrayNode keys(List<VirtualKey> keys) {
    ArrayNode out = array();
    keys.forEach(key -> out.add(key(key)));
    return out;
  }

  private void budget(ObjectNode out, OptionalDouble maxBudget, Optional<BudgetPeriod> duration) {
    number(out, "max_budget", maxBudget);
    out.put("budget_duration", duration.map(BudgetPeriod::text).orElse(null));
    out.put("budget_reset_at", duration.map(p -> p.window(clock.instant()).end().toString()).orElse(null));
  }

  private static void strings(ObjectNode out, String name, List<String> values) {
    ArrayNode list = out.putArray(name);
    values.forEach(list::add);
  }

  private static void number(ObjectNode out, String name, OptionalDouble value) {
    if (value.isPresent()) {
      out.put(name, value.getAsDouble());
    } else {
      out.putNull(name);
    }
  }

  private static void number(ObjectNode out, String name, OptionalLong value) {
    if (value.isPresent()) {
      out.put(name, value.getAsLong());
    } else {
      out.putNull(name);
    }
  }

  private JsonNode metadata(String text) {
    try {
      return json.readTree(text);
    } catch (IOException e) {
      return object();
    }
  }
}
