package dev.clincher.router.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.KeyGenerator;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.ModelAccess;
import dev.clincher.router.keys.Tables;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's {@code /key/*} routes: generate, info, list, update, regenerate, block, unblock, delete. A key is named by
 * its {@code token} (the id, preferred: no secret in a request) or by the key itself; the key appears only in the
 * answers to generate and regenerate.
 */
final class KeyAdmin {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  /** What a key's settings are made of (generate; update and regenerate take {@code key} too). */
  static final Set<String> SETTINGS = Set.of("models", "max_budget", "budget_duration", "rpm_limit", "tpm_limit",
      "max_parallel_requests", "duration", "expires", "metadata", "key_alias", "team_id", "user_id", "blocked");
  private static final Set<String> WITH_KEY = with(SETTINGS, "key");
  private static final Set<String> KEY_ONLY = Set.of("key");
  private static final Set<String> DELETE = Set.of("keys", "key_aliases");
  private static final Set<String> LIST = Set.of("page", "size", "return_full_object", "team_id", "user_id");
  private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_PAGE_SIZE = 100;

  /** A key just made or given a new secret: the secret is in the answer once. */
  record Issued(VirtualKey key, String secret) {}

  private final KeyStore store;
  private final Shapes shapes;
  private final Clock clock;
  private final String actor;
  private final KeyGenerator generator = new KeyGenerator();

  KeyAdmin(KeyStore store, Shapes shapes, Clock clock, String actor) {
    this.store = store;
    this.shapes = shapes;
    this.clock = clock;
    this.actor = actor;
  }

  ObjectNode generate(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, SETTINGS);
    Issued issued = store.write(tables -> issue(tables, body, Optional.empty(), Optional.empty()));
    log("router.key.generated", issued.key());
    return withSecret(issued);
  }

  /**
   * Makes a key from {@code body}'s settings in the transaction of {@code tables} (also for {@code /user/new}'s
   * key): for {@code userId} when given, which wins over the body's.
   */
  Issued issue(Tables tables, Body body, Optional<String> userId, Optional<String> alias)
      throws ManagementException, SQLException {
    Instant now = clock.instant();
    String secret = generator.next();
    VirtualKey blank = new VirtualKey(VirtualKey.hash(secret), KeyGenerator.displayName(secret), alias, List.of(),
        OptionalDouble.empty(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), "{}",
        now, Optional.empty(), userId, false, OptionalLong.empty());
    VirtualKey key = settings(body, blank, now);
    check(tables, key, Optional.empty());
    tables.keys().insert(key, key.tokenHash());
    return new Issued(key, secret);
  }

  ObjectNode info(JsonNode input) throws ManagementException, SQLException {
    String reference = Body.of(input, KEY_ONLY).required("key");
    VirtualKey key = store.read(tables -> find(tables, reference));
    return own(key);
  }

  /** {@code /key/info} of a key about itself. */
  ObjectNode own(VirtualKey key) {
    ObjectNode answer = shapes.object();
    answer.put("key", key.tokenHash());
    answer.set("info", shapes.key(key));
    return answer;
  }

  ObjectNode list(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, LIST);
    int page = body.page("page", 1, Integer.MAX_VALUE / MAX_PAGE_SIZE);
    int size = body.page("size", 10, MAX_PAGE_SIZE);
    boolean full = body.has("return_full_object") && "true".equalsIgnoreCase(body.raw("return_full_object").asText());
    Optional<String> team = body.text("team_id");
    Optional<String> user = body.text("user_id");
    record Page(long total, List<VirtualKey> keys) {}
    Page found = store.read(tables -> new Page(tables.keys().count(team, user),
        tables.keys().list((page - 1) * size, size, team, user)));
    ObjectNode answer = shapes.object();
    var keys = answer.putArray("keys");
    found.keys().forEach(key -> keys.add(full ? shapes.key(key) : shapes.object().textNode(key.tokenHash())));
    answer.put("total_count", found.total()).put("current_page", page)
        .put("total_pages", (found.total() + size - 1) / size);
    return answer;
  }

  /** A partial update: only the fields given change ({@code null} leaves a field as it is, as in LiteLLM). */
  ObjectNode update(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, WITH_KEY);
    String reference = body.required("key");
    VirtualKey updated = store.write(tables -> {
      VirtualKey old = find(tables, reference);
      VirtualKey key = settings(body, old, clock.instant());
      check(tables, key, Optional.of(old));
      tables.keys().update(key);
      return key;
    });
    log("router.key.updated", updated);
    return shapes.key(updated);
  }

  /** A new secret for the same key (same id, settings, spend), with any settings given changed as by update. */
  ObjectNode regenerate(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, WITH_KEY);
    String reference = body.required("key");
    String secret = generator.next();
    Issued issued = store.write(tables -> {
      VirtualKey old = find(tables, reference);
      VirtualKey key = settings(body, old, clock.instant()).withKeyName(KeyGenerator.displayName(secret));
      check(tables, key, Optional.of(old));
      tables.keys().update(key);
      tables.keys().replaceSecret(key.tokenHash(), VirtualKey.hash(secret), key.keyName());
      return new Issued(key, secret);
    });
    log("router.key.regenerated", issued.key());
    return withSecret(issued);
  }

  ObjectNode block(JsonNode input, boolean blocked) throws ManagementException, SQLException {
    String reference = Body.of(input, KEY_ONLY).required("key");
    VirtualKey changed = store.write(tables -> {
      VirtualKey key = find(tables, reference).withBlocked(blocked);
      tables.keys().update(key);
      return key;
    });
    log(blocked ? "router.key.blocked" : "router.key.unblocked", changed);
    return shapes.key(changed);
  }

  /** Deletes the keys named (by key, token or alias); answers the tokens of those that existed. */
  ObjectNode delete(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, DELETE);
    List<String> keys = body.strings("keys", List.of());
    List<String> aliases = body.strings("key_aliases", List.of());
    if (!body.has("keys") && !body.has("key_aliases")) {
      throw ManagementException.badRequest("keys", "'keys' (keys or tokens) or 'key_aliases' is required");
    }
    List<String> deleted = store.write(tables -> {
      Set<String> tokens = new LinkedHashSet<>();
      for (String reference : keys) {
        lookup(tables, reference).ifPresent(key -> tokens.add(key.tokenHash()));
      }
      for (String alias : aliases) {
        tables.keys().byAlias(alias).ifPresent(key -> tokens.add(key.tokenHash()));
      }
      return tables.keys().delete(tokens);
    });
    deleted.forEach(token -> LOG.atInfo().addKeyValue("key", "key:" + token.substring(0, 12))
        .addKeyValue("actor", actor).log("router.key.deleted"));
    ObjectNode answer = shapes.object();
    var list = answer.putArray("deleted_keys");
    deleted.forEach(list::add);
    return answer;
  }

  /** The settings of {@code body} over those of {@code base}. */
  private static VirtualKey settings(Body body, VirtualKey base, Instant now) throws ManagementException {
    return new VirtualKey(base.tokenHash(), base.keyName(), body.text("key_alias", base.alias()),
        body.strings("models", base.models()), body.money("max_budget", base.maxBudget()),
        body.period("budget_duration", base.budgetDuration()), body.limit("rpm_limit", base.rpmLimit()),
        body.limit("tpm_limit", base.tpmLimit()), body.expiry(now, base.expires()),
        body.metadata("metadata", base.metadataJson()), base.createdAt(), body.text("team_id", base.teamId()),
        body.text("user_id", base.userId()), body.flag("blocked", base.blocked()),
        body.limit("max_parallel_requests", base.maxParallelRequests()));
  }

  /** What a key refers to must exist, its alias be free, and a team key ask only for models of its team. */
  private static void check(Tables tables, VirtualKey key, Optional<VirtualKey> old)
      throws ManagementException, SQLException {
    if (key.alias().isPresent() && !key.alias().equals(old.flatMap(VirtualKey::alias))
        && tables.keys().byAlias(key.alias().get()).isPresent()) {
      throw ManagementException.badRequest("key_alias", "a key with this key_alias exists already");
    }
    if (key.userId().isPresent() && tables.users().byId(key.userId().get()).isEmpty()) {
      throw ManagementException.badRequest("user_id", "no user with this user_id (create it with /user/new)");
    }
    if (key.teamId().isEmpty()) {
      return;
    }
    Team team = tables.teams().byId(key.teamId().get()).orElseThrow(() -> ManagementException.badRequest("team_id",
        "no team with this team_id (create it with /team/new)"));
    if (ModelAccess.everyModel(team.models())) {
      return;
    }
    for (String model : key.models()) {
      if (!team.allows(model) && !ModelAccess.ALL_TEAM_MODELS.equals(model)) {
        throw ManagementException.badRequest("models", "'" + Body.printable(model) + "' is not one of the models of "
            + "team " + Body.printable(team.teamId()) + " (" + Body.printable(String.join(", ", team.models())) + ")");
      }
    }
  }

  /** The key named by {@code reference}: its token, or the key itself (sk-…). */
  static VirtualKey find(Tables tables, String reference) throws ManagementException, SQLException {
    return lookup(tables, reference).orElseThrow(() -> ManagementException.notFound("key", "key_not_found",
        "no such key"));
  }

  private static Optional<VirtualKey> lookup(Tables tables, String reference) throws SQLException {
    return TOKEN.matcher(reference).matches() ? tables.keys().byTokenOrSecret(reference)
        : tables.keys().bySecret(VirtualKey.hash(reference));
  }

  private ObjectNode withSecret(Issued issued) {
    ObjectNode answer = shapes.key(issued.key());
    answer.put("key", issued.secret());
    return answer;
  }

  private void log(String event, VirtualKey key) {
    LOG.atInfo().addKeyValue("key", key.logName()).addKeyValue("actor", actor)
        .addKeyValue("team", key.teamId().orElse(null)).addKeyValue("user", key.userId().orElse(null))
        .addKeyValue("blocked", key.blocked()).addKeyValue("models", key.models().size()).log(event);
  }

  static Set<String> with(Set<String> fields, String... more) {
    Set<String> all = new HashSet<>(fields);
    all.addAll(List.of(more));
    return Set.copyOf(all);
  }
}
