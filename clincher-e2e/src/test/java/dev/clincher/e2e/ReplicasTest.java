package dev.clincher.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.e2e.ReplicaClient.Event;
import dev.clincher.e2e.ReplicaClient.EventStream;
import dev.clincher.e2e.ReplicaClient.Reply;
import dev.clincher.e2e.ReplicaClient.WebSocketStream;
import dev.clincher.e2e.Replicas.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Replicas on one machine: two gateways and two routers of the built jar sharing one PostgreSQL and one Redis, behind
 * Caddy balancing round-robin without stickiness, and one of each killed with SIGKILL in the middle of work. What
 * holds: a session moves between gateways; a dead gateway's run is marked interrupted by the survivor and the session
 * goes on there; a stream cut by the death is read on from the {@code after=} cursor without a loss or a duplicate;
 * revocations, rate limits and budgets hold across the routers; no completed request's spend is lost when a router
 * dies mid-load; the response cache is shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplicasTest {
  private static final Duration EVENT_WAIT = Duration.ofSeconds(30);
  /** The longest a dead gateway's run may stay running: generous beside the sweep's interval (2 s). */
  private static final Duration INTERRUPT_BOUND = Duration.ofSeconds(30);

  private Replicas replicas;
  private final ReplicaClient client = new ReplicaClient();
  private String token;
  private String master;

  @BeforeAll
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void start() throws Exception {
    Path work = Files.createDirectories(Path.of("target", "replicas")).resolve("run-" + System.currentTimeMillis());
    Files.createDirectories(work); // kept after the run: the services' logs are there
    Path repository = Path.of(System.getenv().getOrDefault("CLINCHER_REPOSITORY", "..")).toAbsolutePath().normalize();
    Path jar = repository.resolve("clincher-app/target/clincher.jar");
    List<String> missing = new ArrayList<>(Files.exists(jar) ? List.of() : List.of(jar.toString()));
    for (String tool : List.of("caddy", "redis-server", "docker")) {
      if (!Commands.run(Duration.ofSeconds(10), "sh", "-c", "command -v " + tool).ok()) {
        missing.add(tool);
      }
    }
    if (System.getenv("CI") != null) { // under CI a missing tool is a failure (clincher-e2e/ci-setup.sh installs them)
      assertThat(missing).as("what the replica test needs").isEmpty();
    }
    Assumptions.assumeTrue(missing.isEmpty(), "the replica test needs " + missing);
    replicas = Replicas.start(work, jar);
    token = Files.readString(replicas.gatewayToken);
    master = Files.readString(replicas.masterKey);
  }

  @AfterAll
  void stop() throws Exception {
    if (replicas != null) {
      replicas.close();
    }
  }

  // ---- gateways ----

  @Test
  @Order(1)
  void aSessionStartedOnOneGatewayContinuesOnTheOtherAndThroughTheBalancer() throws Exception {
    String session = createSession(replicas.gatewayA);
    assertThat(completedRun(replicas.gatewayA.url(messages(session)), "first question")).contains("echo: first");
    assertThat(completedRun(replicas.gatewayB.url(messages(session)), "second question")).contains("echo: second");
    for (int i = 0; i < 4; i++) { // round-robin: every other message lands on the other gateway
      assertThat(completedRun(replicas.gatewayBalancer(messages(session)), "balanced " + i)).contains("echo: balanced");
    }
    List<JsonNode> transcript = transcript(replicas.gatewayA, session, 0);
    assertThat(transcript.stream().filter(e -> e.path("type").asText().equals("user_message"))
        .map(e -> e.path("data").path("content").asText()))
        .containsExactly("first question", "second question", "balanced 0", "balanced 1", "balanced 2", "balanced 3");
    assertThat(transcript.stream().filter(e -> e.path("type").asText().equals("done"))
        .map(e -> e.path("data").path("reason").asText())).hasSize(6).containsOnly("completed");
    assertThat(seqs(transcript)).as("one transcript, one sequence").doesNotHaveDuplicates().isSorted();
  }

  @Test
  @Order(2)
  void aSessionsSandboxIsInOneGatewaysHandsAtATimeAndItsWorkspaceFollowsTheSession() throws Exception {
    String session = createSession(replicas.gatewayA);
    assertThat(completedRun(replicas.gatewayA.url(messages(session)),
        ReplicaProvider.EXEC + "echo kept-across-gateways > /workspace/note")).contains("ran:");
    List<String> onA = replicas.sandboxesOf(session);
    assertThat(onA).as("gateway A's sandbox for the session").hasSize(1);

    String readOnB = completedRun(replicas.gatewayB.url(messages(session)), ReplicaProvider.EXEC + "cat /workspace/note");
    assertThat(readOnB).as("the workspace follows the session to gateway B").contains("kept-across-gateways");
    List<String> onB = replicas.sandboxesOf(session);
    assertThat(onB).as("gateway B took the sandbox over: one container for the session, never two")
        .hasSize(1).doesNotContainAnyElementsOf(onA);

    String backOnA = completedRun(replicas.gatewayA.url(messages(session)), ReplicaProvider.EXEC + "cat /workspace/note");
    assertThat(backOnA).as("and back on A, whose container was replaced").contains("kept-across-gateways");
    assertThat(replicas.sandboxesOf(session)).hasSize(1);
  }

  @Test
  @Order(3)
  void aKilledGatewaysRunIsInterruptedAndItsStreamIsReadOnFromTheCursorOnTheSurvivor() throws Exception {
    String session = createSession(replicas.gatewayA);
    List<Event> received = new ArrayList<>();
    long lastSeq;
    try (EventStream stream = client.stream(replicas.gatewayA.url(messages(session)), token,
        "{\"content\":\"" + ReplicaProvider.HOLD + " a long answer\"}")) {
      assertThat(stream.status).isEqualTo(200);
      Event event;
      do { // the client reads until the first words of the answer, then A dies
        event = stream.next(EVENT_WAIT);
        assertThat(event).as("an event from gateway A").isNotNull().isNotEqualTo(EventStream.END);
        received.add(event);
      } while (!event.type().equals("assistant_delta"));
      lastSeq = event.seq();
      // B reads what A made durable: at least the first held delta, and nothing but a prefix of them (A may keep the
      // last one joined in memory, DeltaBatcher, until more text comes; it dies with A and was never streamed)
      awaitDeltas(replicas.gatewayB, session, ReplicaProvider.HELD_DELTAS.getFirst(),
          String.join("", ReplicaProvider.HELD_DELTAS));
      assertThat(runStatuses(session)).containsExactly("running");

      long killedAt = System.nanoTime();
      replicas.gatewayA.kill9();
      Duration interrupted = awaitInterrupted(session, killedAt);
      System.out.printf("replicas: gateway A killed; its run was marked interrupted by B after %d ms%n",
          interrupted.toMillis());
    } finally {
      replicas.provider.release();
    }

    assertReadOnFromTheCursor(session, received, lastSeq);

    long before = System.nanoTime();
    assertThat(completedRun(replicas.gatewayBalancer(messages(session)), "after the crash")).contains("echo: after");
    System.out.printf("replicas: the next message after the kill completed on the survivor in %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before));
    assertThat(runStatuses(session)).containsExactly("interrupted", "completed");
  }

  @Test
  @Order(4)
  void aKilledGatewaysWebSocketClientReadsOnFromTheCursorOnTheSurvivor() throws Exception {
    Service gatewayA = replicas.restartGatewayA(); // killed by the test before
    String session = createSession(gatewayA);
    List<Event> received = new ArrayList<>();
    long lastSeq;
    try (WebSocketStream socket = client.webSocket(gatewayA.url(""), token)) {
      socket.send(ReplicaClient.JSON.createObjectNode().put("type", "send").put("session", session)
          .put("content", ReplicaProvider.HOLD + " an answer over the WebSocket"));
      Event event;
      do { // the client reads until the first words of the answer, then A dies
        event = socket.next(EVENT_WAIT);
        assertThat(event).as("an event from gateway A's WebSocket").isNotNull().isNotEqualTo(EventStream.END);
        assertThat(event.type()).as(event.toString()).isNotEqualTo("client_error");
        received.add(event);
      } while (!event.type().equals("assistant_delta"));
      // no wait for the rest of the held deltas: A may keep the last one joined in memory (DeltaBatcher) until more
      // text comes, and it dies with A; the client must read exactly what A wrote

      gatewayA.kill9();
      awaitInterrupted(session, System.nanoTime());
      // the client keeps what arrived before the connection broke: its cursor is the last event it read
      for (event = socket.next(EVENT_WAIT); event != EventStream.END; event = socket.next(EVENT_WAIT)) {
        assertThat(event).as("the WebSocket ends with its gateway").isNotNull();
        received.add(event);
      }
      lastSeq = received.getLast().seq();
    } finally {
      replicas.provider.release();
    }
    assertReadOnFromTheCursor(session, received, lastSeq);
  }

  // ---- routers ----

  @Test
  @Order(5)
  void aRevokedKeyIsRefusedByBothRouters() throws Exception {
    String key = newKey("{\"models\":[\"fake\"]}");
    assertThat(chat(replicas.routerA, key, "revocation a").status()).isEqualTo(200);
    assertThat(chat(replicas.routerB, key, "revocation b").status()).isEqualTo(200);
    assertThat(client.post(replicas.routerA.url("/key/block"), master, "{\"key\":\"" + key + "\"}").status())
        .isEqualTo(200);
    assertThat(chat(replicas.routerA, key, "after block a").status()).isEqualTo(401);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int onB = 200;
    while (onB != 401 && System.nanoTime() < deadline) {
      onB = chat(replicas.routerB, key, "after block b").status();
      Thread.sleep(50);
    }
    assertThat(onB).as("router B refuses the key router A blocked").isEqualTo(401);
  }

  @Test
  @Order(6)
  void aKeysRateLimitIsCountedAcrossBothRouters() throws Exception {
    String key = newKey("{\"models\":[\"fake\"],\"rpm_limit\":4}");
    Map<String, List<Integer>> statuses = new java.util.TreeMap<>();
    for (int i = 0; i < 8; i++) {
      Service router = i % 2 == 0 ? replicas.routerA : replicas.routerB;
      statuses.computeIfAbsent(router.name(), r -> new ArrayList<>()).add(chat(router, key, "limited " + i).status());
    }
    List<Integer> all = statuses.values().stream().flatMap(List::stream).toList();
    assertThat(all).as(statuses.toString()).filteredOn(s -> s == 200).hasSize(4);
    assertThat(all).as(statuses.toString()).filteredOn(s -> s == 429).hasSize(4);
    assertThat(statuses.get("router-a")).as("A refuses too").contains(429);
    assertThat(statuses.get("router-b")).as("B refuses too").contains(429);
  }

  @Test
  @Order(7)
  void aKeysBudgetHoldsAcrossBothRoutersUnderConcurrentCalls() throws Exception {
    long budgetNanos = 1_000_000; // $0.001
    String key = newKey("{\"models\":[\"fake\"],\"max_budget\":0.001}");
    AtomicInteger answered = new AtomicInteger();
    try (ExecutorService threads = Executors.newFixedThreadPool(6)) {
      for (int i = 0; i < 60; i++) {
        int n = i;
        threads.submit(() -> {
          Service router = n % 2 == 0 ? replicas.routerA : replicas.routerB;
          if (chat(router, key, "budget " + n).status() == 200) {
            answered.incrementAndGet();
          }
          return null;
        });
      }
    }
    Reply refusedA = chat(replicas.routerA, key, "over budget a");
    Reply refusedB = chat(replicas.routerB, key, "over budget b");
    assertThat(refusedA.status()).as(refusedA.body()).isEqualTo(400);
    assertThat(refusedA.body()).contains("budget_exceeded");
    assertThat(refusedB.status()).as(refusedB.body()).isEqualTo(400);
    assertThat(refusedB.body()).contains("budget_exceeded");
    long[] spent = spendOfKey(key);
    System.out.printf("replicas: budget key: %d answered, %d nano-dollars spent of %d%n", answered.get(), spent[1],
        budgetNanos);
    assertThat(answered.get()).isPositive();
    assertThat(spent[0]).as("a spend-log row per answered call").isEqualTo(answered.get());
    assertThat(spent[1]).as("spend stays within the budget").isLessThanOrEqualTo(budgetNanos);
  }

  @Test
  @Order(8)
  void noCompletedRequestsSpendIsLostWhenARouterIsKilledMidLoad() throws Exception {
    String key = newKey("{\"models\":[\"fake\"]}");
    Map<String, JsonNode> completed = new ConcurrentHashMap<>(); // call id -> the provider's answer as relayed
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    int before = replicas.provider.answered().size();
    try (ExecutorService threads = Executors.newFixedThreadPool(6)) {
      for (int i = 0; i < 120; i++) {
        int n = i;
        threads.submit(() -> {
          sent.incrementAndGet();
          if (n == 40) {
            replicas.routerB.kill9();
          }
          Reply reply = chat(replicas.routerBalancerService(), key, "load " + n);
          if (reply.status() == 200) {
            completed.put(reply.header("x-litellm-call-id"), reply.json());
          } else {
            failed.incrementAndGet();
          }
          return null;
        });
      }
    }
    assertThat(replicas.routerB.process().isAlive()).isFalse();
    Map<String, ReplicaProvider.Answer> answers = replicas.provider.answered();
    long providerAnswered = answers.size() - before;
    System.out.printf("replicas: router B killed mid-load: %d completed, %d failed, provider answered %d%n",
        completed.size(), failed.get(), providerAnswered);
    assertThat(completed.size()).as("the survivor keeps serving").isGreaterThan(60);

    long reportedTokens = 0;
    for (JsonNode body : completed.values()) {
      ReplicaProvider.Answer answer = answers.get(body.path("id").asText());
      assertThat(answer).as("a completed answer came from the provider").isNotNull();
      assertThat(body.path("usage").path("prompt_tokens").asLong()).isEqualTo(answer.promptTokens());
      reportedTokens += answer.promptTokens() + answer.completionTokens();
    }
    long loggedTokens = 0;
    try (Connection c = replicas.routerDatabase(); PreparedStatement s = c.prepareStatement(
        "SELECT prompt_tokens + completion_tokens FROM spend_logs WHERE request_id = ?")) {
      for (String callId : completed.keySet()) {
        s.setString(1, callId);
        try (ResultSet rows = s.executeQuery()) {
          assertThat(rows.next()).as("the spend row of completed call " + callId).isTrue();
          loggedTokens += rows.getLong(1);
        }
      }
    }
    assertThat(loggedTokens).as("recorded spend = the provider's reported usage of the completed requests")
        .isEqualTo(reportedTokens);
    long[] keyRows = spendOfKey(key);
    assertThat(keyRows[0]).as("no spend row without a provider answer")
        .isBetween((long) completed.size(), providerAnswered);
  }

  @Test
  @Order(9)
  void anAnswerCachedThroughOneRouterIsAHitThroughTheOther() throws Exception {
    Replicas.Service survivor = replicas.routerA;
    Service restarted = replicas.restartRouterB();
    String question = "cache me " + replicas.id;
    Reply first = chat(survivor, master, question);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.header("x-clincher-cache")).isEqualTo("miss");
    int answered = replicas.provider.answered().size();
    Reply second = chat(restarted, master, question);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.header("x-clincher-cache")).isEqualTo("hit");
    assertThat(replicas.provider.answered()).as("the provider was not asked again").hasSize(answered);
    assertThat(second.json().path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("echo: " + question);
  }

  // ---- helpers ----

  private String createSession(Service gateway) throws Exception {
    Reply created = client.post(gateway.url("/v1/sessions"), token, "{\"agent\":\"main\",\"title\":\"replicas\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().path("id").asText();
  }

  private static String messages(String session) {
    return "/v1/sessions/" + session + "/messages";
  }

  /** Sends a message, reads its run to {@code done} and returns the assistant's final text; fails unless completed. */
  private String completedRun(String url, String content) throws Exception {
    try (EventStream stream = client.stream(url, token, ReplicaClient.JSON.createObjectNode()
        .put("content", content).toString())) {
      assertThat(stream.status).as("POST " + url).isEqualTo(200);
      List<Event> events = stream.untilDone(EVENT_WAIT);
      assertThat(events).as("the run's events").isNotEmpty();
      Event done = events.getLast();
      assertThat(done.type()).as(events.toString()).isEqualTo("done");
      assertThat(done.data().path("data").path("reason").asText()).as(events.toString()).isEqualTo("completed");
      return events.stream().filter(e -> e.type().equals("assistant_message"))
          .map(e -> e.data().path("data").path("content").asText()).reduce("", String::concat);
    }
  }

  /**
   * The client of a killed gateway read {@code received} (to {@code lastSeq}), then reconnects (through the balancer,
   * which finds B) with that cursor: what it read and what it reads on is the whole transcript, each event once,
   * every word A wrote once, ending with {@code run_interrupted}.
   */
  private void assertReadOnFromTheCursor(String session, List<Event> received, long lastSeq) throws Exception {
    List<JsonNode> rest = transcript(replicas.gatewayBalancer("/v1/sessions/" + session + "/events?after=" + lastSeq));
    List<JsonNode> whole = transcript(replicas.gatewayB, session, 0);
    List<Long> readSeqs = new ArrayList<>(received.stream().map(Event::seq).toList());
    readSeqs.addAll(seqs(rest));
    assertThat(readSeqs).as("what the client read, then read on: the whole transcript, once")
        .isEqualTo(seqs(whole)).doesNotHaveDuplicates();
    assertThat(rest.getLast().path("type").asText()).isEqualTo("run_interrupted");
    StringBuilder answer = new StringBuilder();
    received.stream().filter(e -> e.type().equals("assistant_delta")).forEach(e -> answer.append(text(e.data())));
    rest.stream().filter(e -> e.path("type").asText().equals("assistant_delta"))
        .forEach(e -> answer.append(e.path("data").path("text").asText()));
    StringBuilder written = new StringBuilder();
    whole.stream().filter(e -> e.path("type").asText().equals("assistant_delta"))
        .forEach(e -> written.append(e.path("data").path("text").asText()));
    assertThat(answer.toString()).as("every word A wrote, none twice").isEqualTo(written.toString()).isNotEmpty();
  }

  private static String text(JsonNode streamed) {
    return streamed.path("data").path("text").asText();
  }

  private List<JsonNode> transcript(Service gateway, String session, long after) throws Exception {
    return transcript(gateway.url("/v1/sessions/" + session + "/events?after=" + after));
  }

  private List<JsonNode> transcript(String url) throws Exception {
    Reply reply = client.get(url, token);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    reply.json().path("events").forEach(events::add);
    return events;
  }

  private static List<Long> seqs(List<JsonNode> events) {
    return events.stream().map(e -> e.path("seq").asLong()).toList();
  }

  /** Waits until the transcript, read on {@code gateway}, holds {@code text} in its deltas. */
  private void awaitDeltas(Service gateway, String session, String first, String text) throws Exception {
    long deadline = System.nanoTime() + EVENT_WAIT.toNanos();
    String seen = "";
    while (!seen.startsWith(first) && System.nanoTime() < deadline) {
      StringBuilder deltas = new StringBuilder();
      transcript(gateway, session, 0).stream().filter(e -> e.path("type").asText().equals("assistant_delta"))
          .forEach(e -> deltas.append(e.path("data").path("text").asText()));
      seen = deltas.toString();
      Thread.sleep(50);
    }
    assertThat(seen).as("the deltas gateway A wrote, read on " + gateway.name()).startsWith(first);
    assertThat(text).as("what " + gateway.name() + " read is a prefix of what the model sent").startsWith(seen);
  }

  /** Polls the runs table until the session's run is interrupted; returns how long after the kill that was. */
  private Duration awaitInterrupted(String session, long killedAt) throws Exception {
    long deadline = killedAt + INTERRUPT_BOUND.toNanos();
    while (System.nanoTime() < deadline) {
      if (runStatuses(session).equals(List.of("interrupted"))) {
        return Duration.ofNanos(System.nanoTime() - killedAt);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the dead gateway's run was still " + runStatuses(session) + " " + INTERRUPT_BOUND
        + " after the kill\n" + Replicas.tail(replicas.gatewayB));
  }

  private List<String> runStatuses(String session) throws Exception {
    try (Connection c = replicas.gatewayDatabase(); PreparedStatement s = c.prepareStatement(
        "SELECT status FROM runs WHERE session_id = ? ORDER BY started_at")) {
      s.setString(1, session);
      List<String> statuses = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          statuses.add(rows.getString(1));
        }
      }
      return statuses;
    }
  }

  private String newKey(String body) throws Exception {
    Reply generated = client.post(replicas.routerBalancer("/key/generate"), master, body);
    assertThat(generated.status()).as(generated.body()).isEqualTo(200);
    return generated.json().path("key").asText();
  }

  private Reply chat(Service router, String key, String question) throws Exception {
    return client.post(router.url("/v1/chat/completions"), key, ReplicaClient.JSON.createObjectNode()
        .put("model", "fake").put("max_tokens", 16)
        .set("messages", ReplicaClient.JSON.createArrayNode().add(ReplicaClient.JSON.createObjectNode()
            .put("role", "user").put("content", question))).toString());
  }

  /** The spend log's rows of a key: how many answered (status 200), and their cost in nano-dollars. */
  private long[] spendOfKey(String key) throws Exception {
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes()));
    try (Connection c = replicas.routerDatabase(); PreparedStatement s = c.prepareStatement(
        "SELECT count(*), coalesce(sum(cost_nanos), 0) FROM spend_logs WHERE key_hash = ? AND status = 200")) {
      s.setString(1, hash);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return new long[] {rows.getLong(1), rows.getLong(2)};
      }
    }
  }
}
