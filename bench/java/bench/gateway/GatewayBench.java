/*
 * Gateway benchmark: the fake model provider, the load, the sandbox measurements and the report, in one file.
 *
 * Run with the JDK's source launcher (JDK >= 22: it also compiles the shared bench/java/bench/common) and the shaded
 * clincher jar on the class path (it uses the gateway's own Docker client and sandbox manager, and Jackson):
 *   java -cp clincher.jar GatewayBench.java provider --port P [--max-seconds 3600]
 *   java -cp clincher.jar GatewayBench.java run --proxy-port SP --router-port R --gateway-port G --provider-port U
 *        --gateway-pid PID --router-pid PID --token-file F --metrics-token-file F --socket /var/run/docker.sock --instance I --tmp DIR
 *        [--quick] [--execs N] [--cold N] [--runs N] [--warmup-runs N] [--tool-steps K] [--sessions N] [--chunks N] [--chunk-ms MS]
 *        [--connect-spread-ms MS] [--phases sandbox,steps,streams] [--nmt] [--out FILE]            (the router key comes from LITELLM_MASTER_KEY, never from argv)
 *   java -cp clincher.jar GatewayBench.java cleanup --socket S --instance I
 *
 * All traffic goes to 127.0.0.1 (and the Docker socket). Every loop is bounded in count and in time.
 * bench/gateway/run drives it; see bench/gateway/README.md.
 */
package bench.gateway;

import bench.common.Options;
import bench.common.Percentiles;
import bench.common.ProcFs;
import bench.common.Row;
import bench.common.Table;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.clincher.gateway.sandbox.ExecRequest;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxManager;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

public class GatewayBench {
  static final String LOOPBACK = "127.0.0.1";
  static final String IMAGE = "clincher-sandbox-test:latest";
  static final String AGENT = "bench";
  static final ObjectMapper JSON = new ObjectMapper();

  // Targets of issue 5 (bench/gateway), on a 2-core machine.
  static final double TARGET_EXEC_RATIO = 0.2;
  static final double TARGET_COLD_MS = 1500;
  static final double TARGET_STEP_OVERHEAD_MS = 1.0; // issue 19 (issue 5 said 2 ms)
  static final double TARGET_RSS_MB = 512;

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0) {
      System.err.println("usage: java -cp clincher.jar GatewayBench.java provider|run|cleanup [options] (see the file's header)");
      System.exit(2);
    }
    Options o = Options.parse(Arrays.copyOfRange(argv, 1, argv.length), Set.of("quick", "nmt")).withoutPositional();
    switch (argv[0]) {
      case "provider" -> Provider.serve(o.getInt("port", 0), o.getInt("max-seconds", 3600));
      case "run" -> new Runner(o).run();
      case "cleanup" -> cleanup(Path.of(o.require("socket")), o.require("instance"));
      default -> {
        System.err.println("unknown command " + argv[0]);
        System.exit(2);
      }
    }
  }

  static void say(String message) {
    System.err.println(message);
  }

  // ------------------------------------------------------------------------------------------------------------
  // The fake provider: an OpenAI-compatible /v1/chat/completions that answers at once (or slowly, when asked)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * Streams an answer chosen by the last user message: {@code tools:K} calls {@code sessions_list} until the
   * conversation holds K tool results, then answers "done"; {@code slow:N:MS} streams N words, one every MS ms;
   * anything else answers "ok". It keeps the last 64 request bodies ({@code GET /_bench/requests}, cleared by
   * {@code POST /_bench/reset}) and counts open streams ({@code GET /_bench/stats}).
   */
  static final class Provider {
    static final int KEEP = 64;
    final Deque<String> requests = new ArrayDeque<>();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final AtomicLong served = new AtomicLong();

    static void serve(int port, int maxSeconds) throws Exception {
      // The JDK's HttpServer leaves Nagle on unless this is set (read once, when its first server is made): its
      // status line and headers, each event and the last chunk are separate small writes, and on a kept-alive
      // connection (past the kernel's quick-ACK start) every answer then waited for the client's delayed ACK,
      // ~40 ms per model call. A real provider's edge is not that; the delay was this fake's.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      Provider p = new Provider();
      HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, port), 4096);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/", p::handle);
      server.start();
      say("fake provider on " + LOOPBACK + ":" + server.getAddress().getPort());
      Thread.sleep(TimeUnit.SECONDS.toMillis(maxSeconds)); // bounded life; run stops it earlier
      server.stop(0);
      System.exit(0);
    }

    void handle(HttpExchange ex) throws IOException {
      try (ex) {
        String path = ex.getRequestURI().getPath();
        byte[] body = ex.getRequestBody().readNBytes(8 * 1024 * 1024);
        switch (path) {
          case "/_bench/requests" -> {
            String list;
            synchronized (requests) {
              list = "[" + String.join(",", requests) + "]";
            }
            send(ex, 200, "application/json", list);
          }
          case "/_bench/reset" -> {
            synchronized (requests) {
              requests.clear();
            }
            maxOpen.set(open.get());
            send(ex, 200, "application/json", "{}");
          }
          case "/_bench/stats" -> send(ex, 200, "application/json", "{\"open\":" + open.get() + ",\"max_open\":"
              + maxOpen.get() + ",\"served\":" + served.get() + "}");
          case "/v1/chat/completions" -> complete(ex, new String(body, StandardCharsets.UTF_8));
          default -> send(ex, 404, "application/json", "{\"error\":{\"message\":\"not found\",\"type\":\"x\"}}");
        }
      }
    }

    void complete(HttpExchange ex, String body) throws IOException {
      JsonNode request = JSON.readTree(body);
      synchronized (requests) {
        requests.addLast(body);
        while (requests.size() > KEEP) {
          requests.removeFirst();
        }
      }
      served.incrementAndGet();
      String script = "";
      int toolResults = 0;
      for (JsonNode m : request.path("messages")) {
        String role = m.path("role").asText();
        if (role.equals("user")) {
          script = m.path("content").isTextual() ? m.path("content").asText() : m.path("content").toString();
          toolResults = 0;
        } else if (role.equals("tool")) {
          toolResults++;
        }
      }
      ex.getResponseHeaders().set("Content-Type", "text/event-stream");
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      int now = open.incrementAndGet();
      maxOpen.accumulateAndGet(now, Math::max);
      try {
        if (script.startsWith("tools:") && toolResults < Integer.parseInt(script.substring(6).trim())) {
          String id = "call_" + toolResults;
          event(out, chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"" + id
              + "\",\"type\":\"function\",\"function\":{\"name\":\"sessions_list\",\"arguments\":\"{\\\"limit\\\":3}\"}}]}",
              null));
          event(out, chunk("{}", "tool_calls"));
        } else if (script.startsWith("slow:")) {
          String[] p = script.split(":");
          int words = Math.min(1000, Integer.parseInt(p[1].trim()));
          long ms = Math.min(5000, Long.parseLong(p[2].trim()));
          event(out, chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
          for (int i = 0; i < words; i++) {
            sleep(ms);
            event(out, chunk("{\"content\":\"w" + i + " \"}", null));
          }
          event(out, chunk("{}", "stop"));
        } else {
          event(out, chunk("{\"role\":\"assistant\",\"content\":\"" + (script.startsWith("tools:") ? "done" : "ok")
              + "\"}", null));
          event(out, chunk("{}", "stop"));
        }
        event(out, "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1731000000,"
            + "\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":5,"
            + "\"total_tokens\":25}}");
        event(out, "[DONE]");
      } finally {
        open.decrementAndGet();
      }
    }

    static String chunk(String delta, String finish) {
      return "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1731000000,"
          + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
          + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    static void event(OutputStream out, String data) throws IOException {
      out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    static void send(HttpExchange ex, int status, String type, String body) throws IOException {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
    }

    static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted");
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // percentiles, processes
  // ------------------------------------------------------------------------------------------------------------

  /** The p-th percentile (nearest rank) of unsorted values in nanoseconds, in milliseconds; NaN when empty. */
  static double pctMs(List<Long> nanos, double p) {
    return Percentiles.of(nanos.stream().mapToLong(Long::longValue).sorted().toArray(), p) / 1e6;
  }

  /** Runs a command with a time limit; returns its exit code, or throws with its output. */
  static String command(Duration limit, List<String> argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readNBytes(1024 * 1024);
    }
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", argv) + " took longer than " + limit);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", argv) + " exited " + p.exitValue() + ": " + text.strip());
    }
    return text;
  }

  /** Removes the instance's sandbox containers and workspace volumes, straight on the Docker socket. */
  static void cleanup(Path socket, String instance) throws Exception {
    DockerClient direct = new DockerClient(DockerHost.parse("unix://" + socket), Duration.ofSeconds(30));
    int containers = 0;
    for (JsonNode c : direct.listContainers(Map.of("clincher.instance", instance))) {
      direct.removeContainer(c.path("Id").asText(), true);
      containers++;
    }
    int volumes = 0;
    String prefix = "clincher-ws-" + instance + "-";
    for (String v : command(Duration.ofSeconds(60), List.of("docker", "-H", "unix://" + socket, "volume", "ls", "-q",
        "--filter", "name=" + prefix)).lines().map(String::strip).filter(v -> v.startsWith(prefix)).toList()) {
      command(Duration.ofSeconds(60), List.of("docker", "-H", "unix://" + socket, "volume", "rm", "-f", v));
      volumes++;
    }
    say("removed " + containers + " container(s) and " + volumes + " volume(s) of instance " + instance);
  }

  // ------------------------------------------------------------------------------------------------------------
  // A minimal SSE client of POST /v1/sessions/{id}/messages (raw HTTP/1.1, Connection: close)
  // ------------------------------------------------------------------------------------------------------------

  /** One run as the client saw it: arrival time (nanoTime) of each event, in order, and how it ended. */
  record RunTrace(long sent, List<String> types, List<Long> at, String reason, String error) {
    boolean completed() {
      return error == null && "completed".equals(reason);
    }

    long end() {
      return at.isEmpty() ? sent : at.getLast();
    }

    /** Time from sending to the first event of that type, or -1. */
    long first(String type) {
      int i = types.indexOf(type);
      return i < 0 ? -1 : at.get(i) - sent;
    }
  }

  static RunTrace sendMessage(int port, String token, String session, String content, int readTimeoutMs) {
    return sendMessage(port, token, session, content, readTimeoutMs, new AtomicInteger());
  }

  /** {@code streaming} counts the runs between their answer's head and their end (or failure). */
  static RunTrace sendMessage(int port, String token, String session, String content, int readTimeoutMs,
      AtomicInteger streaming) {
    long sent = System.nanoTime();
    List<String> types = new ArrayList<>();
    List<Long> at = new ArrayList<>();
    String body = JSON.createObjectNode().put("content", content).toString();
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST /v1/sessions/" + session + "/messages HTTP/1.1\r\nHost: " + LOOPBACK + ":" + port
        + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\nAccept: text/event-stream"
        + "\r\nConnection: close\r\nContent-Length: " + b.length + "\r\n\r\n";
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.setSoTimeout(readTimeoutMs);
      s.connect(new InetSocketAddress(LOOPBACK, port), 10_000);
      sent = System.nanoTime();
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8), 8192);
      String status = in.readLine();
      if (status == null || !status.startsWith("HTTP/1.1 200")) {
        return new RunTrace(sent, types, at, null, "status " + status);
      }
      streaming.incrementAndGet();
      try {
        return readEvents(in, sent, types, at);
      } finally {
        streaming.decrementAndGet();
      }
    } catch (IOException | RuntimeException e) {
      return new RunTrace(sent, types, at, null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  static RunTrace readEvents(BufferedReader in, long sent, List<String> types, List<Long> at) throws IOException {
    String pending = null;
    for (int n = 0; n < 1_000_000; n++) {
      String line = in.readLine();
      if (line == null) {
        return new RunTrace(sent, types, at, null, "stream ended before done");
      }
      if (line.startsWith("event: ")) {
        pending = line.substring(7).strip();
      } else if (line.startsWith("data: ") && pending != null) {
        types.add(pending);
        at.add(System.nanoTime());
        if (pending.equals("done")) {
          String reason = JSON.readTree(line.substring(6)).path("data").path("reason").asText();
          return new RunTrace(sent, types, at, reason, null);
        }
        pending = null;
      }
    }
    return new RunTrace(sent, types, at, null, "too many lines");
  }

  // ------------------------------------------------------------------------------------------------------------
  // The run
  // ------------------------------------------------------------------------------------------------------------

  static final class Runner {
    final boolean quick;
    final int proxyPort;
    final int routerPort;
    final int gatewayPort;
    final int providerPort;
    final long gatewayPid;
    final long routerPid;
    final String token;
    final String metricsToken;
    final String routerKey;
    final Path socket;
    final String instance;
    final Path tmp;
    final String outFile;
    final int execs;
    final int cold;
    final int runs;
    final int warmupRuns;
    final int toolSteps;
    final int sessions;
    final int chunks;
    final int chunkMs;
    final int connectSpreadMs;
    final List<String> phases;
    final boolean nmt;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build();
    final Map<String, Double> values = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();

    Runner(Options o) throws IOException {
      quick = o.has("quick");
      proxyPort = Integer.parseInt(o.require("proxy-port"));
      routerPort = Integer.parseInt(o.require("router-port"));
      gatewayPort = Integer.parseInt(o.require("gateway-port"));
      providerPort = Integer.parseInt(o.require("provider-port"));
      gatewayPid = Long.parseLong(o.require("gateway-pid"));
      routerPid = Long.parseLong(o.require("router-pid"));
      token = Files.readString(Path.of(o.require("token-file"))).strip();
      metricsToken = Files.readString(Path.of(o.require("metrics-token-file"))).strip();
      routerKey = System.getenv("LITELLM_MASTER_KEY");
      if (routerKey == null || routerKey.isBlank()) {
        throw new IllegalArgumentException("LITELLM_MASTER_KEY must hold the router key");
      }
      socket = Path.of(o.require("socket"));
      instance = o.require("instance");
      tmp = Path.of(o.require("tmp"));
      outFile = o.get("out", null);
      execs = o.getInt("execs", quick ? 30 : 100);
      cold = o.getInt("cold", quick ? 3 : 7);
      runs = o.getInt("runs", quick ? 15 : 50);
      warmupRuns = o.getInt("warmup-runs", quick ? 50 : 1000);
      toolSteps = o.getInt("tool-steps", 4);
      sessions = o.getInt("sessions", quick ? 200 : 1000);
      chunks = o.getInt("chunks", 30); // 30 s streams: starting 1,000 runs takes ~20 s on a busy 2-core machine,
      chunkMs = o.getInt("chunk-ms", 1000); // so 10 s streams (50 x 200 ms) were never all open at once
      connectSpreadMs = o.getInt("connect-spread-ms", 2000);
      phases = List.of(o.get("phases", "sandbox,steps,streams").split(","));
      nmt = o.has("nmt");
      if (execs < 1 || execs > 10_000 || cold < 1 || cold > 50 || runs < 1 || runs > 10_000 || toolSteps < 1
          || toolSteps > 15 || sessions < 1 || sessions > 5_000 || chunks < 1 || chunks > 1000 || chunkMs < 0
          || chunkMs > 5000 || connectSpreadMs < 0 || connectSpreadMs > 60_000) {
        throw new IllegalArgumentException("a phase size is out of its bounds (see the README)");
      }
    }

    void run() throws Exception {
      long started = System.nanoTime();
      if (phases.contains("sandbox")) {
        sandboxPhase();
      }
      if (phases.contains("steps")) {
        stepPhase();
      }
      if (phases.contains("streams")) {
        streamsPhase();
      }
      say(String.format(Locale.ROOT, "measured in %.0f s", (System.nanoTime() - started) / 1e9));
      String table = table();
      System.out.print(table);
      if (outFile != null) {
        Files.writeString(Path.of(outFile), table);
      }
    }

    // ---- 1 and 2: the sandbox, through the gateway's own Docker client and the socket proxy -------------------

    void sandboxPhase() throws Exception {
      DockerClient proxied = new DockerClient(DockerHost.parse("tcp://" + LOOPBACK + ":" + proxyPort),
          Duration.ofSeconds(30));
      SandboxSettings settings = SandboxSettings.defaults().withImage(IMAGE).withInstance(instance)
          .withScope(SandboxSettings.Scope.SESSION, cold + 4);
      SandboxManager manager = new SandboxManager(proxied, settings, Clock.systemUTC(), new SimpleMeterRegistry());
      ExecRequest trueCmd = new ExecRequest(List.of("true"), null, Duration.ofSeconds(30), 4096, null);
      ExecRequest echoCmd = new ExecRequest(List.of("echo", "x"), null, Duration.ofSeconds(30), 4096, null);

      say("sandbox: creating the warm sandbox through the socket proxy");
      Sandbox warm = manager.open(AGENT, "warm");
      String container = warm.containerId();
      List<String> cli = List.of("docker", "-H", "unix://" + socket, "exec", container);
      List<String> cliTrue = new ArrayList<>(cli);
      cliTrue.add("true");
      List<String> cliEcho = new ArrayList<>(cli);
      cliEcho.addAll(List.of("echo", "x"));
      for (int i = 0; i < Math.max(5, execs / 5); i++) { // warm-up: this JVM's JIT, the proxy's, dockerd's
        check(manager.open(AGENT, "warm").exec(trueCmd), "");
        command(Duration.ofSeconds(30), cliTrue);
      }
      say(String.format(Locale.ROOT, "sandbox: %d round trips each of true and echo x: gateway (command runner), "
          + "exec API through the proxy and docker CLI interleaved", execs));
      List<Long> gwTrue = new ArrayList<>();
      List<Long> gwEcho = new ArrayList<>();
      List<Long> apiTrue = new ArrayList<>();
      List<Long> apiEcho = new ArrayList<>();
      List<Long> cTrue = new ArrayList<>();
      List<Long> cEcho = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(quick ? 60 : 240);
      for (int i = 0; i < execs && System.nanoTime() < deadline; i++) {
        gwTrue.add(timeExec(manager, trueCmd, ""));
        apiTrue.add(timeExecApi(proxied, container, settings.user(), trueCmd.argv(), ""));
        cTrue.add(timeCli(cliTrue, ""));
        gwEcho.add(timeExec(manager, echoCmd, "x\n"));
        apiEcho.add(timeExecApi(proxied, container, settings.user(), echoCmd.argv(), "x\n"));
        cEcho.add(timeCli(cliEcho, "x\n"));
      }
      if (gwTrue.size() < execs) {
        notes.add("sandbox exec: stopped after " + gwTrue.size() + " of " + execs + " round trips (time limit)");
      }
      execBreakdown(manager, settings, container, trueCmd, deadline);
      put("exec_true_p50", pctMs(gwTrue, 50), pctMs(cTrue, 50));
      put("exec_true_p99", pctMs(gwTrue, 99), pctMs(cTrue, 99));
      put("exec_echo_p50", pctMs(gwEcho, 50), pctMs(cEcho, 50));
      put("exec_echo_p99", pctMs(gwEcho, 99), pctMs(cEcho, 99));
      put("exec_api_true_p50", pctMs(apiTrue, 50), pctMs(cTrue, 50));
      put("exec_api_echo_p50", pctMs(apiEcho, 50), pctMs(cEcho, 50));
      values.put("exec_n", (double) gwTrue.size());

      say(String.format(Locale.ROOT, "sandbox: %d cold starts (open on a new session key -> first exec done)", cold));
      List<Long> starts = new ArrayList<>();
      for (int i = 0; i < cold; i++) {
        String session = "cold-" + i;
        long t0 = System.nanoTime();
        Sandbox sandbox = manager.open(AGENT, session);
        check(sandbox.exec(trueCmd), "");
        starts.add(System.nanoTime() - t0);
        manager.remove(settings.key(AGENT, session));
      }
      put("cold_p50", pctMs(starts, 50), Double.NaN);
      put("cold_max", pctMs(starts, 100), Double.NaN);
      manager.remove(settings.key(AGENT, "warm"));
    }

    /**
     * Where an exec round trip goes: the same gateway code straight on the Docker socket (no proxy, its own
     * sandbox), and the three Docker API calls of one exec through the proxy, timed one by one.
     */
    void execBreakdown(SandboxManager proxiedManager, SandboxSettings settings, String container, ExecRequest cmd,
        long deadline) throws Exception {
      int n = Math.max(10, execs / 2);
      DockerClient direct = new DockerClient(DockerHost.parse("unix://" + socket), Duration.ofSeconds(30));
      SandboxManager manager = new SandboxManager(direct, settings, Clock.systemUTC(), new SimpleMeterRegistry());
      Sandbox sandbox = manager.open(AGENT, "direct");
      List<Long> straight = new ArrayList<>();
      for (int i = 0; i < n + 5 && System.nanoTime() < deadline; i++) {
        long t0 = System.nanoTime();
        check(sandbox.exec(cmd), "");
        if (i >= 5) {
          straight.add(System.nanoTime() - t0);
        }
      }
      manager.remove(settings.key(AGENT, "direct"));
      put("exec_true_direct_p50", pctMs(straight, 50), Double.NaN);
      DockerClient proxied = new DockerClient(DockerHost.parse("tcp://" + LOOPBACK + ":" + proxyPort),
          Duration.ofSeconds(30));
      List<Long> create = new ArrayList<>();
      List<Long> start = new ArrayList<>();
      List<Long> inspect = new ArrayList<>();
      for (int i = 0; i < n && System.nanoTime() < deadline; i++) {
        long t0 = System.nanoTime();
        String exec = proxied.createExec(container, List.of("true"), settings.user(), null, false);
        long t1 = System.nanoTime();
        proxied.startExec(exec, null, 4096, Duration.ofSeconds(30));
        long t2 = System.nanoTime();
        proxied.inspectExec(exec);
        long t3 = System.nanoTime();
        create.add(t1 - t0);
        start.add(t2 - t1);
        inspect.add(t3 - t2);
      }
      put("exec_create_p50", pctMs(create, 50), Double.NaN);
      put("exec_start_p50", pctMs(start, 50), Double.NaN);
      put("exec_inspect_p50", pctMs(inspect, 50), Double.NaN);
    }

    /** One command the way the exec path runs it: exec create, start (hijacked) and inspect through the proxy. */
    static long timeExecApi(DockerClient proxied, String container, String user, List<String> argv, String stdout)
        throws Exception {
      long t0 = System.nanoTime();
      String exec = proxied.createExec(container, argv, user, null, false);
      DockerClient.ExecOutput out = proxied.startExec(exec, null, 4096, Duration.ofSeconds(30));
      int exit = proxied.inspectExec(exec).path("ExitCode").asInt(-1);
      long took = System.nanoTime() - t0;
      String got = new String(out.output().stdout(), java.nio.charset.StandardCharsets.UTF_8);
      if (exit != 0 || !got.equals(stdout)) {
        throw new IllegalStateException("exec API: exit " + exit + ", stdout '" + got + "'");
      }
      return took;
    }

    long timeExec(SandboxManager manager, ExecRequest request, String stdout) throws Exception {
      long t0 = System.nanoTime();
      check(manager.open(AGENT, "warm").exec(request), stdout);
      return System.nanoTime() - t0;
    }

    static long timeCli(List<String> argv, String stdout) throws Exception {
      long t0 = System.nanoTime();
      String out = command(Duration.ofSeconds(30), argv);
      long took = System.nanoTime() - t0;
      if (!out.equals(stdout)) {
        throw new IOException("docker exec printed " + out + " instead of " + stdout);
      }
      return took;
    }

    static void check(ExecResult result, String stdout) throws IOException {
      String out = new String(result.stdout(), StandardCharsets.UTF_8);
      if (result.exitCode() != 0 || result.timedOut() || !out.equals(stdout)) {
        throw new IOException("sandbox exec returned " + result.exitCode() + " with stdout " + out);
      }
    }

    // ---- 3: agent-step overhead with an instant model ----------------------------------------------------------

    void stepPhase() throws Exception {
      int steps = toolSteps + 1;
      String script = "tools:" + toolSteps;
      say(String.format(Locale.ROOT, "agent steps: %d runs of %d steps (%d sessions_list calls + a final answer), "
          + "each followed by the same %d model calls straight to the router", runs, steps, toolSteps, steps));
      // warm-up of both paths: the JIT compiles the gateway's step path over some hundred runs (its compiler threads
      // still took ~2.8 ms of CPU per step after 120 runs, 1.7-2.2 ms after 300, ~0.36 ms after 1,000); a gateway in
      // service is past that
      long warmupDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      for (int i = 0; i < warmupRuns && System.nanoTime() < warmupDeadline; i++) {
        RunTrace t = sendMessage(gatewayPort, token, newSession(), script, 30_000);
        if (!t.completed()) {
          throw new IOException("warm-up run did not complete: " + t.error() + " " + t.reason() + " " + t.types());
        }
        replay(steps);
      }
      Map<String, Double> metrics0 = gatewayTimers();
      long cpu0 = ProcFs.cpuTicks(gatewayPid);
      long jit0 = ProcFs.compilerTicks(gatewayPid);
      List<RunTrace> traces = new ArrayList<>();
      List<Long> wall = new ArrayList<>();
      List<Long> direct = new ArrayList<>();
      List<Long> perStep = new ArrayList<>();
      List<Long> firstEvent = new ArrayList<>();
      List<Long> toolTime = new ArrayList<>();
      int failed = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(quick ? 60 : 180);
      for (int i = 0; i < runs && System.nanoTime() < deadline; i++) {
        String session = newSession();
        providerPost("/_bench/reset");
        RunTrace t = sendMessage(gatewayPort, token, session, script, 30_000);
        long tools = t.types().stream().filter("tool_result"::equals).count();
        if (!t.completed() || tools != toolSteps) {
          failed++;
          continue;
        }
        traces.add(t);
        long runNanos = t.end() - t.sent();
        long directNanos = replay(steps);
        wall.add(runNanos);
        direct.add(directNanos);
        perStep.add((runNanos - directNanos) / steps);
        firstEvent.add(t.first("user_message"));
        toolTime.add(toolNanos(t));
      }
      long cpuTicks = ProcFs.cpuTicks(gatewayPid) - cpu0;
      long jitTicks = ProcFs.compilerTicks(gatewayPid) - jit0;
      Map<String, Double> metrics1 = gatewayTimers();
      if (!wall.isEmpty() && cpu0 >= 0 && jit0 >= 0) { // ticks are 10 ms: ~100 runs give a figure to 1 %
        values.put("gw_cpu_per_step", (cpuTicks - jitTicks) * 10.0 / (wall.size() + failed) / steps);
        values.put("gw_jit_per_step", jitTicks * 10.0 / (wall.size() + failed) / steps);
      }
      if (!wall.isEmpty()) {
        long[] sum = {0};
        wall.forEach(w -> sum[0] += w);
        double runMs = sum[0] / 1e6 / wall.size();
        double modelMs = (metrics1.get("model_sum") - metrics0.get("model_sum")) * 1000 / wall.size();
        double toolMs = (metrics1.get("tool_sum") - metrics0.get("tool_sum")) * 1000 / wall.size();
        values.put("mean_model_in_gw", modelMs / steps);
        values.put("mean_tool_in_gw", toolMs / toolSteps);
        values.put("mean_rest_in_gw", (runMs - modelMs - toolMs) / steps);
        values.put("model_calls_seen", (metrics1.get("model_count") - metrics0.get("model_count")) / wall.size());
        writeTraces(traces);
      }
      if (failed > 0) {
        notes.add("agent steps: " + failed + " runs did not complete with " + toolSteps + " tool results");
      }
      put("run_wall_p50", pctMs(wall, 50), pctMs(direct, 50));
      put("step_overhead_p50", pctMs(perStep, 50), Double.NaN);
      put("step_overhead_p90", pctMs(perStep, 90), Double.NaN);
      put("first_event_p50", pctMs(firstEvent, 50), Double.NaN);
      put("tool_time_p50", pctMs(toolTime, 50) / toolSteps, Double.NaN);
      values.put("runs_n", (double) wall.size());
      values.put("steps", (double) steps);
    }

    /** The sums (seconds) and counts of the gateway's model-call and tool-call timers, from its /metrics. */
    Map<String, Double> gatewayTimers() throws Exception {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
          URI.create("http://" + LOOPBACK + ":" + gatewayPort + "/metrics"))
          .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + metricsToken).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("the gateway's /metrics answered " + response.statusCode() + ": " + response.body());
      }
      String text = response.body();
      Map<String, Double> m = new LinkedHashMap<>(Map.of("model_sum", 0.0, "model_count", 0.0, "tool_sum", 0.0,
          "tool_count", 0.0));
      for (String line : text.lines().toList()) {
        String[] p = line.split(" ");
        String name = p[0].contains("{") ? p[0].substring(0, p[0].indexOf('{')) : p[0];
        String key = switch (name) {
          case "clincher_gateway_model_call_duration_seconds_sum" -> "model_sum";
          case "clincher_gateway_model_call_duration_seconds_count" -> "model_count";
          case "clincher_gateway_tool_call_duration_seconds_sum" -> "tool_sum";
          case "clincher_gateway_tool_call_duration_seconds_count" -> "tool_count";
          default -> null;
        };
        if (key != null && p.length >= 2) {
          m.merge(key, Double.parseDouble(p[p.length - 1]), Double::sum);
        }
      }
      return m;
    }

    /** Each measured run's events with their arrival (ms after the request was sent), for a closer look. */
    void writeTraces(List<RunTrace> traces) throws IOException {
      StringBuilder sb = new StringBuilder("# run: event@ms ... (arrival at the client, ms after sending)\n");
      for (int r = 0; r < traces.size(); r++) {
        RunTrace t = traces.get(r);
        sb.append(r);
        for (int i = 0; i < t.types().size(); i++) {
          sb.append(String.format(Locale.ROOT, " %s@%.2f", t.types().get(i), (t.at().get(i) - t.sent()) / 1e6));
        }
        sb.append('\n');
      }
      Files.writeString(tmp.resolve("step-traces.txt"), sb.toString());
    }

    /** Sum over the run of tool_call -> tool_result (the tool and the persisting of its call and result). */
    static long toolNanos(RunTrace t) {
      long sum = 0;
      long callAt = -1;
      for (int i = 0; i < t.types().size(); i++) {
        if (t.types().get(i).equals("tool_call")) {
          callAt = t.at().get(i);
        } else if (t.types().get(i).equals("tool_result") && callAt >= 0) {
          sum += t.at().get(i) - callAt;
          callAt = -1;
        }
      }
      return sum;
    }

    /** Replays the last {@code steps} bodies the provider received, straight to the router; total nanoseconds. */
    long replay(int steps) throws Exception {
      JsonNode recorded = JSON.readTree(providerGet("/_bench/requests"));
      if (recorded.size() < steps) {
        throw new IOException("the provider recorded " + recorded.size() + " requests, expected " + steps);
      }
      List<String> bodies = new ArrayList<>();
      for (int i = recorded.size() - steps; i < recorded.size(); i++) {
        ObjectNode body = (ObjectNode) recorded.get(i).deepCopy();
        body.put("model", AGENT);
        body.put("stream", true);
        bodies.add(body.toString());
      }
      long total = 0;
      for (String body : bodies) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + routerPort
                + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + routerKey).header("Content-Type", "application/json")
            .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        byte[] answer;
        try (InputStream in = response.body()) {
          answer = in.readNBytes(1024 * 1024);
        }
        total += System.nanoTime() - t0;
        if (response.statusCode() != 200 || !new String(answer, StandardCharsets.UTF_8).contains("[DONE]")) {
          throw new IOException("direct model call answered " + response.statusCode());
        }
      }
      return total;
    }

    String newSession() throws Exception {
      HttpResponse<String> created = gateway("/v1/sessions", "{\"agent\":\"" + AGENT + "\",\"title\":\"bench\"}");
      if (created.statusCode() != 201) {
        throw new IOException("creating a session answered " + created.statusCode() + ": " + created.body());
      }
      return JSON.readTree(created.body()).path("id").asText();
    }

    HttpResponse<String> gateway(String path, String json) throws Exception {
      return http.send(HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + gatewayPort + path))
          .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    String providerGet(String path) throws Exception {
      return http.send(HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + providerPort + path))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    void providerPost(String path) throws Exception {
      http.send(HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + providerPort + path))
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.discarding());
    }

    // ---- 4: RSS with many concurrent streaming sessions -------------------------------------------------------

    void streamsPhase() throws Exception {
      say(String.format(Locale.ROOT, "streams: creating %d sessions", sessions));
      List<String> ids = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
        List<Future<String>> created = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
          created.add(pool.submit(this::newSession));
        }
        for (Future<String> f : created) {
          ids.add(f.get(60, TimeUnit.SECONDS));
        }
      }
      providerPost("/_bench/reset");
      values.put("gw_rss_before", (double) ProcFs.statusKb(gatewayPid, "VmRSS"));
      values.put("router_rss_before", (double) ProcFs.statusKb(routerPid, "VmRSS"));
      long spreadNanos = TimeUnit.MILLISECONDS.toNanos(connectSpreadMs) / sessions;
      String script = "slow:" + chunks + ":" + chunkMs;
      long streamMs = (long) chunks * chunkMs;
      say(String.format(Locale.ROOT, "streams: %d runs at once, each streaming %d chunks, one every %d ms",
          sessions, chunks, chunkMs));
      AtomicLong gwPeak = new AtomicLong();
      AtomicLong routerPeak = new AtomicLong();
      AtomicInteger openAtPeak = new AtomicInteger();
      AtomicInteger maxOpen = new AtomicInteger();
      AtomicInteger streaming = new AtomicInteger();
      AtomicInteger maxStreaming = new AtomicInteger();
      Thread sampler = Thread.ofPlatform().daemon().start(() -> {
        long snapshotKb = 0;
        int snapshots = 0;
        for (int n = 0; n < 10_000 && !Thread.currentThread().isInterrupted(); n++) {
          long gw = ProcFs.statusKb(gatewayPid, "VmRSS");
          long rt = ProcFs.statusKb(routerPid, "VmRSS");
          int open = providerOpen();
          int runs = streaming.get();
          maxOpen.accumulateAndGet(open, Math::max);
          maxStreaming.accumulateAndGet(runs, Math::max);
          if (gw > gwPeak.get()) {
            gwPeak.set(gw);
            openAtPeak.set(runs);
          }
          routerPeak.accumulateAndGet(rt, Math::max);
          if (snapshots < 6 && gw > snapshotKb * 1.1 && runs >= sessions / 2) { // near the peak; the last one kept
            snapshots++;
            snapshotKb = gw;
            jcmdSnapshot(String.format(Locale.ROOT, "rss %.0f MB, %d runs streaming, %d provider streams open",
                gw / 1000.0, runs, open));
          }
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      List<Future<RunTrace>> traces = new ArrayList<>();
      long t0 = System.nanoTime();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        for (String id : ids) {
          traces.add(clients.submit(() -> sendMessage(gatewayPort, token, id, script, 60_000, streaming)));
          Thread.sleep(Duration.ofNanos(spreadNanos)); // the clients arrive over --connect-spread-ms
        }
        int completed = 0;
        long events = 0;
        List<Long> firstDelta = new ArrayList<>();
        List<Long> total = new ArrayList<>();
        Map<String, Integer> errors = new LinkedHashMap<>();
        long limit = TimeUnit.MILLISECONDS.toNanos(streamMs + 120_000);
        for (Future<RunTrace> f : traces) {
          long left = Math.max(1, limit - (System.nanoTime() - t0));
          RunTrace t = f.get(left, TimeUnit.NANOSECONDS);
          events += t.types().size();
          if (t.completed()) {
            completed++;
            firstDelta.add(t.first("assistant_delta"));
            total.add(t.end() - t.sent());
          } else {
            errors.merge(t.error() == null ? "reason " + t.reason() : t.error(), 1, Integer::sum);
          }
        }
        values.put("stream_events_per_s", events / ((System.nanoTime() - t0) / 1e9));
        values.put("streams_completed", (double) completed);
        values.put("streams_failed", (double) (sessions - completed));
        put("stream_first_delta_p50", pctMs(firstDelta, 50), Double.NaN);
        put("stream_total_p50", pctMs(total, 50), (double) streamMs);
        put("stream_total_max", pctMs(total, 100), (double) streamMs);
        errors.forEach((k, v) -> notes.add("streams: " + v + " x " + k));
      }
      sampler.interrupt();
      sampler.join(5_000);
      values.put("provider_max_open", (double) maxOpen.get());
      values.put("gw_open_at_peak", (double) openAtPeak.get());
      values.put("max_streaming", (double) maxStreaming.get());
      values.put("gw_rss_peak", (double) gwPeak.get());
      values.put("gw_rss_hwm", (double) ProcFs.statusKb(gatewayPid, "VmHWM"));
      values.put("router_rss_peak", (double) routerPeak.get());
      values.put("router_rss_hwm", (double) ProcFs.statusKb(routerPid, "VmHWM"));
    }

    int providerOpen() {
      try {
        return JSON.readTree(providerGet("/_bench/stats")).path("open").asInt();
      } catch (Exception e) {
        return -1;
      }
    }

    /** Heap (and native memory when the gateway runs with NMT) of the gateway, saved in the temporary directory. */
    void jcmdSnapshot(String when) {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      List<String> commands = new ArrayList<>(List.of("GC.heap_info"));
      if (nmt) {
        commands.add("VM.native_memory");
      }
      for (String c : commands) {
        List<String> argv = new ArrayList<>(List.of(jcmd.toString(), Long.toString(gatewayPid), c));
        if (c.equals("VM.native_memory")) {
          argv.add("summary");
        }
        try {
          String out = command(Duration.ofSeconds(30), argv);
          Files.writeString(tmp.resolve("gateway-" + c + ".txt"), "at " + when + "\n" + out);
        } catch (Exception e) {
          notes.add("jcmd " + c + " failed: " + e.getMessage());
        }
      }
    }

    // ---- the report ------------------------------------------------------------------------------------------

    void put(String metric, double gateway, double baseline) {
      values.put(metric, gateway);
      values.put(metric + "_base", baseline);
    }

    String table() {
      String steps = String.format(Locale.ROOT, "%.0f", values.getOrDefault("steps", Double.NaN));
      List<Row> spec = List.of(
          new Row("1. sandbox exec `true` round trip p50 (command runner)", "exec_true_p50", "ms", 2, "exec"),
          new Row("1. sandbox exec `true` round trip p99 (command runner)", "exec_true_p99", "ms", 2, null),
          new Row("1.   exec API `true` (create/start/inspect via proxy) p50", "exec_api_true_p50", "ms", 2, null),
          new Row("1.   same code straight on the socket (no proxy) p50", "exec_true_direct_p50", "ms", 2, null),
          new Row("1.   through the proxy: POST /exec (create) p50", "exec_create_p50", "ms", 2, null),
          new Row("1.   through the proxy: POST /exec/ID/start p50", "exec_start_p50", "ms", 2, null),
          new Row("1.   through the proxy: GET /exec/ID/json p50", "exec_inspect_p50", "ms", 2, null),
          new Row("1. sandbox exec `echo x` round trip p50 (command runner)", "exec_echo_p50", "ms", 2, "exec"),
          new Row("1. sandbox exec `echo x` round trip p99 (command runner)", "exec_echo_p99", "ms", 2, null),
          new Row("1.   exec API `echo x` (create/start/inspect via proxy) p50", "exec_api_echo_p50", "ms", 2, null),
          new Row("2. cold sandbox start (open -> first exec) p50", "cold_p50", "ms", 0, "cold"),
          new Row("2. cold sandbox start max", "cold_max", "ms", 0, null),
          new Row("3. agent run of " + steps + " steps, wall p50", "run_wall_p50", "ms", 2, null),
          new Row("3. overhead per step p50", "step_overhead_p50", "ms", 3, "step"),
          new Row("3. overhead per step p90", "step_overhead_p90", "ms", 3, null),
          new Row("3.   request -> first event (user_message) p50", "first_event_p50", "ms", 2, null),
          new Row("3.   tool_call -> tool_result per tool, p50", "tool_time_p50", "ms", 2, null),
          new Row("3.   gateway's model-call timer per step, mean", "mean_model_in_gw", "ms", 2, null),
          new Row("3.   gateway's tool-call timer per tool call, mean", "mean_tool_in_gw", "ms", 2, null),
          new Row("3.   rest of the run per step (loop, store, SSE), mean", "mean_rest_in_gw", "ms", 2, null),
          new Row("3.   gateway CPU per step, JIT compiler threads excluded", "gw_cpu_per_step", "ms", 3, null),
          new Row("3.   gateway JIT compiler CPU per step meanwhile", "gw_jit_per_step", "ms", 3, null),
          new Row("4. streams completed", "streams_completed", "", 0, "streams"),
          new Row("4. streams failed", "streams_failed", "", 0, null),
          new Row("4. most runs streaming at once (SSE open at the clients)", "max_streaming", "", 0, "open"),
          new Row("4. most provider streams open at once", "provider_max_open", "", 0, null),
          new Row("4. stream: first assistant_delta p50", "stream_first_delta_p50", "ms", 0, null),
          new Row("4. stream: whole run p50", "stream_total_p50", "ms", 0, null),
          new Row("4. SSE events received per second, all clients", "stream_events_per_s", "", 0, null),
          new Row("4. stream: whole run max", "stream_total_max", "ms", 0, null),
          new Row("4. gateway RSS before the streams", "gw_rss_before", "MB", 1, null),
          new Row("4. gateway RSS peak (sampled every 200 ms)", "gw_rss_peak", "MB", 1, "rss"),
          new Row("4.   runs streaming at that sample", "gw_open_at_peak", "", 0, null),
          new Row("4. gateway VmHWM after the streams", "gw_rss_hwm", "MB", 1, "rss"),
          new Row("4. router RSS before the streams", "router_rss_before", "MB", 1, null),
          new Row("4. router RSS peak (sampled every 200 ms)", "router_rss_peak", "MB", 1, null),
          new Row("4. router VmHWM after the streams", "router_rss_hwm", "MB", 1, null));
      List<String> header = List.of("metric", "gateway", "baseline", "gateway/baseline", "target");
      List<String[]> rows = new ArrayList<>();
      for (Row r : spec) {
        Double g = values.get(r.metric());
        Double b = values.get(r.metric() + "_base");
        rows.add(new String[] {r.heading(), r.cell(g), r.cell(b), Table.ratio(g, b), verdict(r.rule(), g, b)});
      }
      StringBuilder sb = new StringBuilder(Table.grid(header, rows));
      sb.append('\n').append(String.format(Locale.ROOT, """
          baseline: 1. `docker exec <container> CMD` (the CLI) straight on the Docker socket, same container, \
          interleaved (%.0f each);
          3. the same model calls (the bodies the provider received) sent straight to the router, one after the other;
          4. the provider's own stream length (%d chunks x %d ms). gateway: 1./2. SandboxManager + DockerSandbox
          through `clincher socket-proxy` (sandbox profile), commands through the sandbox's command runner (Docker
          attach); "exec API" rows: the exec path's three Docker calls per command through the same proxy; 3./4. `clincher gateway` -> `clincher router` -> fake
          provider. overhead per step = (run wall - direct model calls) / steps, per run (%.0f runs).
          MB = 1,000,000 bytes (VmRSS kB / 1000).
          """, values.getOrDefault("exec_n", Double.NaN), chunks, chunkMs, values.getOrDefault("runs_n", Double.NaN)));
      for (String n : notes) {
        sb.append("note: ").append(n).append('\n');
      }
      return sb.toString();
    }

    String verdict(String rule, Double g, Double b) {
      if (rule == null) {
        return "";
      }
      boolean known = g != null && !g.isNaN();
      return switch (rule) {
        case "exec" -> !known || b == null || b.isNaN() ? "<= 0.2x CLI"
            : (g <= TARGET_EXEC_RATIO * b ? "PASS" : "FAIL") + " (<= 0.2x CLI)";
        case "cold" -> !known ? "<= 1,500 ms" : (g <= TARGET_COLD_MS ? "PASS" : "FAIL") + " (<= 1,500 ms)";
        case "step" -> !known ? "<= 1 ms" : (g <= TARGET_STEP_OVERHEAD_MS ? "PASS" : "FAIL") + " (<= 1 ms)";
        case "open" -> !known ? "all " + sessions : (g >= sessions ? "all open at once" : "not all at once");
        case "streams" -> !known ? "all " + sessions : (g >= sessions ? "PASS" : "FAIL") + " (all " + sessions + ")";
        case "rss" -> !known ? "<= 512 MB" : (g / 1000.0 <= TARGET_RSS_MB ? "PASS" : "FAIL") + " (<= 512 MB)";
        default -> "";
      };
    }
  }
}
