/*
 * Docker socket proxy benchmark: load generator and sandbox-container helper in one single-file program.
 *
 * Run with the JDK's source launcher (JDK >= 22: it also compiles the shared bench/java/bench/common), no dependencies:
 *   java SocketProxyBench.java setup   --socket /var/run/docker.sock --run-id ID      (prints the container id)
 *   java SocketProxyBench.java run     --socket /var/run/docker.sock --container ID
 *                                      [--target NAME=127.0.0.1:PORT]... [--quick] [...]
 *   java SocketProxyBench.java cleanup --socket /var/run/docker.sock --run-id ID
 *
 * HTTP/1.1 with keep-alive, spoken by hand over a SocketChannel: to the Docker unix socket (UnixDomainSocketAddress)
 * for "direct", over TCP to 127.0.0.1 for each proxy. Every loop is bounded in count and in time; every blocking
 * read is cut off by a watchdog. bench/socket-proxy/run drives it; see bench/socket-proxy/README.md.
 */
package bench.socketproxy;

import bench.common.Bytes;
import bench.common.LoopbackPort;
import bench.common.Options;
import bench.common.Percentiles;
import bench.common.Progress;
import bench.common.ProxyComparison;
import bench.common.ProcFs;
import bench.common.Results;
import bench.common.Row;
import bench.common.Sleep;
import bench.common.Table;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class SocketProxyBench {

    static final String LOOPBACK = "127.0.0.1";
    static final String IMAGE = "clincher-sandbox-test:latest";
    static final String SANDBOX_LABEL = "clincher.sandbox";
    static final String RUN_LABEL = "clincher.bench";
    /** Non-root: the sandbox profile refuses exec as root. The busybox image has no passwd file, so numeric. */
    static final String EXEC_USER = "65534:65534";
    static final long IO_TIMEOUT_MS = 10_000;
    static final long HARD_LIMIT_S = 900; // the whole `run` is cut off after this, whatever happens

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            usage();
            System.exit(2);
        }
        Options o = Options.parse(Arrays.copyOfRange(argv, 1, argv.length), Set.of("quick")).withoutPositional();
        Path socket = Path.of(o.get("socket", "/var/run/docker.sock"));
        Thread.ofPlatform().daemon().name("hard-limit").start(() -> {
            Sleep.millis(TimeUnit.SECONDS.toMillis(HARD_LIMIT_S));
            System.err.println("error: hard time limit of " + HARD_LIMIT_S + " s reached, exiting");
            Runtime.getRuntime().halt(3);
        });
        switch (argv[0]) {
            case "setup" -> System.out.println(setup(socket, require(o, "run-id")));
            case "cleanup" -> System.exit(cleanup(socket, require(o, "run-id")) >= 0 ? 0 : 1);
            case "run" -> {
                String container = o.get("container", null);
                String ownRun = null;
                if (container == null) { // stand-alone use: create our own sandbox and remove it afterwards
                    ownRun = "standalone-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
                    container = setup(socket, ownRun);
                }
                try {
                    new Runner(o, socket, container).run();
                } finally {
                    if (ownRun != null) {
                        cleanup(socket, ownRun);
                    }
                }
            }
            default -> {
                usage();
                System.exit(2);
            }
        }
        System.exit(0);
    }

    static void usage() {
        System.err.println("""
                usage:
                  java SocketProxyBench.java setup   --socket PATH --run-id ID
                  java SocketProxyBench.java run     --socket PATH [--container ID] [--target NAME=127.0.0.1:PORT]...
                        [--quick] [--seconds S] [--slices N] [--clients N] [--execs N] [--out FILE]
                  java SocketProxyBench.java cleanup --socket PATH --run-id ID""");
    }

    static String require(Options o, String key) {
        String v = o.get(key, null);
        if (v == null || !v.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("--" + key + " is required ([A-Za-z0-9_.-]{1,64})");
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------------
    // HTTP/1.1 over a SocketChannel (unix or TCP), with a watchdog bounding every blocking call
    // ------------------------------------------------------------------------------------------------

    record Target(String name, SocketAddress address, long pid) {
        boolean direct() {
            return address instanceof UnixDomainSocketAddress;
        }

        String describe() {
            return address instanceof InetSocketAddress in ? in.getHostString() + ":" + in.getPort() : address.toString();
        }
    }

    /** Closes connections whose current operation has overrun its deadline, so no read blocks for ever. */
    static final Set<Conn> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().daemon().name("watchdog").start(() -> {
            while (true) {
                Sleep.millis(100);
                long now = System.nanoTime();
                for (Conn c : LIVE) {
                    if (now - c.deadline > 0) {
                        c.timedOut = true;
                        c.close();
                    }
                }
            }
        });
    }

    record Head(int status, String statusLine, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name);
        }
    }

    static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};

    static final class Conn implements AutoCloseable {
        final SocketChannel ch;
        final byte[] buf = new byte[64 * 1024];
        final ByteBuffer bb = ByteBuffer.wrap(buf);
        int pos;
        int lim;
        volatile long deadline;
        volatile boolean timedOut;
        boolean reusable = true;

        Conn(SocketAddress address) throws IOException {
            ch = address instanceof UnixDomainSocketAddress ? SocketChannel.open(StandardProtocolFamily.UNIX)
                    : SocketChannel.open(StandardProtocolFamily.INET);
            arm(IO_TIMEOUT_MS);
            LIVE.add(this);
            try {
                if (!(address instanceof UnixDomainSocketAddress)) {
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                ch.connect(address);
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        void arm(long ms) {
            deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        }

        void disarm() {
            deadline = System.nanoTime() + TimeUnit.DAYS.toNanos(1);
        }

        void write(byte[] b) throws IOException {
            ByteBuffer w = ByteBuffer.wrap(b);
            while (w.hasRemaining()) {
                ch.write(w);
            }
        }

        /** Reads more bytes into the buffer; returns false at EOF. */
        boolean fill() throws IOException {
            if (pos == lim) {
                pos = lim = 0;
            } else if (lim == buf.length) {
                if (pos == 0) {
                    throw new IOException("response line or head longer than " + buf.length + " bytes");
                }
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            bb.limit(buf.length).position(lim);
            int n;
            try {
                n = ch.read(bb);
            } catch (IOException e) {
                throw timedOut ? new IOException("timed out after " + IO_TIMEOUT_MS + " ms") : e;
            }
            if (n < 0) {
                return false;
            }
            lim += n;
            return true;
        }

        Head readHead() throws IOException {
            int scanFrom = pos;
            while (true) {
                int end = Bytes.indexOf(buf, scanFrom, lim, CRLFCRLF);
                if (end >= 0) {
                    String head = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
                    pos = end + 4;
                    return parseHead(head);
                }
                scanFrom = Math.max(pos, lim - 3);
                int before = pos;
                if (!fill()) {
                    throw new IOException(lim > pos ? "connection closed inside a response head: "
                            + firstLine(buf, pos, lim) : "connection closed before a response");
                }
                scanFrom -= before - pos; // fill() may have moved the data to the front
            }
        }

        static Head parseHead(String head) throws IOException {
            String[] lines = head.split("\r\n");
            String sl = lines[0];
            if (!sl.startsWith("HTTP/1.") || sl.length() < 12) {
                throw new IOException("bad status line: " + abbreviate(sl));
            }
            int status;
            try {
                status = Integer.parseInt(sl.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new IOException("bad status line: " + abbreviate(sl));
            }
            Map<String, String> h = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c > 0) {
                    h.merge(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim(),
                            (a, b) -> a + ", " + b);
                }
            }
            return new Head(status, sl, h);
        }

        /** Reads the body the head announces; into sink when given, else discarded. */
        void readBody(Head h, ByteArrayOutputStream sink) throws IOException {
            String conn = h.header("connection");
            if (conn != null && conn.toLowerCase(Locale.ROOT).contains("close")) {
                reusable = false;
            }
            if (h.status() / 100 == 1 || h.status() == 204 || h.status() == 304) {
                return;
            }
            String te = h.header("transfer-encoding");
            String cl = h.header("content-length");
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                while (true) {
                    String sizeLine = readLine();
                    int semi = sizeLine.indexOf(';');
                    long size;
                    try {
                        size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad chunk size: " + abbreviate(sizeLine));
                    }
                    if (size == 0) {
                        while (!readLine().isEmpty()) {
                            // trailers: none expected, skipped
                        }
                        return;
                    }
                    readExactly(size, sink);
                    if (!readLine().isEmpty()) {
                        throw new IOException("chunk not followed by CRLF");
                    }
                }
            } else if (cl != null) {
                readExactly(Long.parseLong(cl.trim()), sink);
            } else {
                reusable = false; // close-delimited
                readToEof(sink, Long.MAX_VALUE);
            }
        }

        String readLine() throws IOException {
            int scanFrom = pos;
            while (true) {
                for (int i = scanFrom; i + 1 < lim; i++) {
                    if (buf[i] == '\r' && buf[i + 1] == '\n') {
                        String s = new String(buf, pos, i - pos, StandardCharsets.ISO_8859_1);
                        pos = i + 2;
                        return s;
                    }
                }
                scanFrom = Math.max(pos, lim - 1);
                int before = pos;
                if (!fill()) {
                    throw new IOException("connection closed inside a chunked body");
                }
                scanFrom -= before - pos;
            }
        }

        void readExactly(long n, ByteArrayOutputStream sink) throws IOException {
            while (n > 0) {
                if (pos == lim && !fill()) {
                    throw new IOException("connection closed inside a body");
                }
                int k = (int) Math.min(n, lim - pos);
                if (sink != null) {
                    sink.write(buf, pos, k);
                }
                pos += k;
                n -= k;
            }
        }

        /** Everything up to EOF (a hijacked stream, a close-delimited body), at most max bytes. */
        void readToEof(ByteArrayOutputStream sink, long max) throws IOException {
            long total = 0;
            while (true) {
                if (pos < lim) {
                    int k = lim - pos;
                    total += k;
                    if (total > max) {
                        throw new IOException("stream longer than " + max + " bytes");
                    }
                    if (sink != null) {
                        sink.write(buf, pos, k);
                    }
                    pos = lim;
                }
                if (!fill()) {
                    return;
                }
            }
        }

        /** One request and its whole response, within IO_TIMEOUT_MS. */
        Head exchange(byte[] request, ByteArrayOutputStream sink) throws IOException {
            arm(IO_TIMEOUT_MS);
            write(request);
            Head h = readHead();
            readBody(h, sink);
            disarm();
            return h;
        }

        @Override
        public void close() {
            LIVE.remove(this);
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    static String firstLine(byte[] b, int from, int to) {
        int e = from;
        while (e < to && b[e] != '\r' && b[e] != '\n') {
            e++;
        }
        return abbreviate(new String(b, from, e - from, StandardCharsets.ISO_8859_1));
    }

    static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    static byte[] request(String method, String target, String extraHeaders, String body) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: docker\r\nUser-Agent: clincher-bench\r\n");
        if (extraHeaders != null) {
            sb.append(extraHeaders);
        }
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            sb.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] h = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    static String urlEncode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String jsonString(String body, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(body);
        return m.find() ? m.group(1) : null;
    }

    /** One request on a fresh connection; returns the status and fills body. */
    static Head once(SocketAddress a, byte[] req, ByteArrayOutputStream body) throws IOException {
        try (Conn c = new Conn(a)) {
            return c.exchange(req, body);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The sandbox container: created and removed straight on the Docker socket
    // ------------------------------------------------------------------------------------------------

    static String apiVersion(Path socket) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Head h = once(UnixDomainSocketAddress.of(socket), request("GET", "/version", null, null), body);
        String v = jsonString(body.toString(StandardCharsets.UTF_8), "ApiVersion");
        if (h.status() != 200 || v == null || !v.matches("\\d+\\.\\d+")) {
            throw new IOException("GET /version on " + socket + " answered " + h.statusLine());
        }
        return v;
    }

    /** Creates and starts a hardened sandbox (the sandbox profile's create rules), labelled with runId; prints its id. */
    static String setup(Path socket, String runId) throws IOException {
        SocketAddress a = UnixDomainSocketAddress.of(socket);
        String api = "/v" + apiVersion(socket);
        String body = """
                {"Image":"%s","Cmd":["sleep","900"],"User":"%s",
                 "Labels":{"%s":"1","%s":"%s"},
                 "HostConfig":{"CapDrop":["ALL"],"SecurityOpt":["no-new-privileges"],"NetworkMode":"none",
                   "Memory":67108864,"NanoCpus":500000000,"PidsLimit":64,"AutoRemove":true}}""".formatted(IMAGE, EXEC_USER, SANDBOX_LABEL, RUN_LABEL, runId);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Head h = once(a, request("POST", api + "/containers/create?name=clincher-bench-" + runId, null, body), out);
        String text = out.toString(StandardCharsets.UTF_8);
        if (h.status() != 201) {
            String hint = h.status() == 404 ? " (image " + IMAGE + " missing? run `bash clincher-socket-proxy/ci-setup.sh`"
                    + " as root: it builds it from busybox, no registry needed)" : "";
            throw new IOException("container create answered " + h.statusLine() + ": " + abbreviate(text) + hint);
        }
        String id = jsonString(text, "Id");
        out.reset();
        h = once(a, request("POST", api + "/containers/" + id + "/start", null, null), out);
        if (h.status() != 204 && h.status() != 304) {
            throw new IOException("container start answered " + h.statusLine() + ": "
                    + abbreviate(out.toString(StandardCharsets.UTF_8)));
        }
        System.err.printf("setup: sandbox container %s (label %s=%s) running %s as %s%n", id.substring(0, 12),
                RUN_LABEL, runId, IMAGE, EXEC_USER);
        return id;
    }

    /** Removes (force) every container labelled clincher.bench=runId; returns how many, or -1 on error. */
    static int cleanup(Path socket, String runId) {
        try {
            SocketAddress a = UnixDomainSocketAddress.of(socket);
            String filters = urlEncode("{\"label\":[\"" + RUN_LABEL + "=" + runId + "\"]}");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Head h = once(a, request("GET", "/containers/json?all=1&filters=" + filters, null, null), out);
            if (h.status() != 200) {
                System.err.println("cleanup: listing answered " + h.statusLine());
                return -1;
            }
            Matcher m = Pattern.compile("\"Id\"\\s*:\\s*\"([0-9a-f]{64})\"").matcher(out.toString(StandardCharsets.UTF_8));
            int n = 0;
            while (m.find()) {
                Head d = once(a, request("DELETE", "/containers/" + m.group(1) + "?force=1", null, null), null);
                if (d.status() == 204 || d.status() == 404 || d.status() == 409) { // 409: AutoRemove already running
                    n++;
                    System.err.printf("cleanup: removed container %s%n", m.group(1).substring(0, 12));
                } else {
                    System.err.println("cleanup: removing " + m.group(1) + " answered " + d.statusLine());
                }
            }
            return n;
        } catch (IOException e) {
            System.err.println("cleanup: " + e);
            return -1;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The benchmark
    // ------------------------------------------------------------------------------------------------

    record RateResult(long ok, long errors, double seconds, long[] samples, String firstError, long cpuTicks) {
    }

    record ExecTimes(long total, long create, long start, long inspect) {
    }

    static final class Runner {
        final Options o;
        final Path socket;
        final String container;
        final boolean quick;
        final double seconds;
        final int slices;
        final int clients;
        final int execs;
        final double execMaxSeconds;
        final List<Target> targets = new ArrayList<>();
        final Results results = new Results();
        final Map<String, String> notes = new LinkedHashMap<>();
        String api;
        byte[] ping;
        byte[] list;
        String listTarget;

        Runner(Options o, Path socket, String container) {
            this.o = o;
            this.socket = socket;
            this.container = container;
            quick = o.has("quick");
            seconds = o.getDouble("seconds", quick ? 1.5 : 3);
            slices = (int) Math.max(1, o.getLong("slices", quick ? 1 : 3));
            clients = (int) Math.max(1, o.getLong("clients", 16));
            execs = (int) Math.max(1, o.getLong("execs", quick ? 60 : 200));
            execMaxSeconds = o.getDouble("exec-max-seconds", quick ? 40 : 90);
            if (!container.matches("[0-9a-f]{12,64}")) {
                throw new IllegalArgumentException("--container must be a container id");
            }
            targets.add(new Target("direct", UnixDomainSocketAddress.of(socket), -1));
            for (String spec : o.all("target")) {
                LoopbackPort proxy = LoopbackPort.parse(spec);
                targets.add(new Target(proxy.name(), proxy.address(), proxy.listenerPid()));
            }
        }

        void run() throws Exception {
            long start = System.nanoTime();
            api = "/v" + apiVersion(socket);
            ping = request("GET", "/_ping", null, null);
            listTarget = api + "/containers/json?filters=" + urlEncode("{\"label\":[\"" + SANDBOX_LABEL + "\"]}");
            list = request("GET", listTarget, null, null);
            System.err.printf("API %s, sandbox %s, %d clients, %d x %.1f s per rate phase, %d exec round trips%n",
                    api, container.substring(0, 12), clients, slices, seconds / slices, execs);
            List<Target> ok = new ArrayList<>();
            for (Target t : targets) {
                System.err.printf("== %s: %s%s%n", t.name(), t.describe(), t.direct() ? ""
                        : t.pid() > 0 ? " (pid " + t.pid() + ")" : " (pid not found: CPU/RSS not measured)");
                if (preflight(t)) {
                    ok.add(t);
                    results.put(t.name(), "rss_start", ProcFs.statusKb(t.pid(), "VmRSS"));
                }
            }
            System.err.println("== warm-up (not recorded)");
            for (Target t : ok) {
                runRate(t, ping, clients, quick ? 0.5 : 1.0);
                runRate(t, list, clients, quick ? 0.3 : 0.5);
                for (int i = 0; i < (quick ? 5 : 10); i++) {
                    try {
                        execRoundTrip(t, null);
                    } catch (IOException e) {
                        break; // counted in the measured phase
                    }
                }
            }
            closeControl(); // idle keep-alive connections would meet HAProxy's 10 s keep-alive timeout
            System.err.println("== GET /_ping, " + clients + " clients");
            ratePhase(ok, "ping16", ping, clients, true);
            System.err.println("== GET /_ping, 1 client");
            ratePhase(ok, "ping1", ping, 1, false);
            System.err.println("== GET " + listTarget + ", " + clients + " clients");
            ratePhase(ok, "list16", list, clients, true);
            System.err.println("== exec round trip (create + start/stream to EOF + inspect), interleaved");
            closeControl();
            execPhase(ok);
            for (Target t : ok) {
                results.put(t.name(), "rss_end", ProcFs.statusKb(t.pid(), "VmRSS"));
            }
            String table = table();
            System.err.printf("benchmark phases took %.0f s%n", (System.nanoTime() - start) / 1e9);
            Table.writeOrPrint(table, o.get("out", null));
        }

        boolean preflight(Target t) {
            try {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                Head h = once(t.address(), ping, body);
                if (h.status() != 200) {
                    throw new IOException("GET /_ping answered " + h.statusLine() + ": " + abbreviate(body.toString(StandardCharsets.UTF_8)));
                }
                body.reset();
                h = once(t.address(), list, body);
                String text = body.toString(StandardCharsets.UTF_8);
                if (h.status() != 200) {
                    throw new IOException("GET containers/json answered " + h.statusLine() + ": " + abbreviate(text));
                }
                if (!text.contains(container)) {
                    throw new IOException("the sandbox container is missing from GET containers/json");
                }
                ExecTimes e = execRoundTrip(t, null);
                Progress.log("preflight ok: _ping, containers/json (%d bytes), exec round trip %.1f ms", text.length(), e.total() / 1e6);
                return true;
            } catch (IOException e) {
                notes.put(t.name(), "skipped: preflight failed: " + e.getMessage());
                System.err.println("  SKIPPED: " + t.name() + ": " + e.getMessage());
                return false;
            }
        }

        // ---- requests per second, keep-alive, N clients -------------------------------------------

        /** Runs the phase for every target in `slices` rotating slices, so drift (other load) hits all alike. */
        void ratePhase(List<Target> ts, String key, byte[] req, int n, boolean cpu) throws Exception {
            Map<String, List<RateResult>> parts = new LinkedHashMap<>();
            for (int s = 0; s < slices; s++) {
                for (int i = 0; i < ts.size(); i++) {
                    Target t = ts.get((i + s) % ts.size());
                    parts.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(runRate(t, req, n, seconds / slices));
                }
            }
            for (Target t : ts) {
                List<RateResult> rs = parts.get(t.name());
                long okN = rs.stream().mapToLong(RateResult::ok).sum();
                long err = rs.stream().mapToLong(RateResult::errors).sum();
                double secs = rs.stream().mapToDouble(RateResult::seconds).sum();
                long[] all = rs.stream().flatMapToLong(r -> Arrays.stream(r.samples())).sorted().toArray();
                String first = rs.stream().map(RateResult::firstError).filter(e -> e != null).findFirst().orElse(null);
                long ticks = rs.stream().mapToLong(RateResult::cpuTicks).anyMatch(x -> x < 0) ? -1
                        : rs.stream().mapToLong(RateResult::cpuTicks).sum();
                results.put(t.name(), key, okN / secs);
                results.put(t.name(), key + "_p50", Percentiles.of(all, 50) / 1e3);
                results.put(t.name(), key + "_p99", Percentiles.of(all, 99) / 1e3);
                results.put(t.name(), key + "_errors", err);
                if (cpu && ticks >= 0 && okN > 0) {
                    results.put(t.name(), key + "_cpu_us", ticks * 10_000.0 / okN);
                }
                if (err > 0) {
                    notes.put(t.name() + " " + key, err + " failed requests" + (first == null ? "" : ", first: " + first));
                }
                Progress.log("%-8s %,9.0f req/s (%d in %.1f s), p50 %.0f us, p99 %.0f us, %d errors%s", t.name(), okN / secs, okN,
                        secs, Percentiles.of(all, 50) / 1e3, Percentiles.of(all, 99) / 1e3, err, first == null ? "" : " (first: " + first + ")");
            }
        }

        RateResult runRate(Target t, byte[] req, int n, double secs) throws Exception {
            AtomicLong ok = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            AtomicReference<String> firstError = new AtomicReference<>();
            ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            long dur = (long) (secs * 1e9);
            int cap = Math.max(1, 200_000 / n);
            long[] startHolder = new long[1];
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    long[] mine = new long[cap];
                    int k = 0;
                    long seen = 0;
                    long done = 0;
                    Conn conn = null;
                    try {
                        conn = new Conn(t.address()); // connected before the clock starts
                        conn.disarm();
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, "connect: " + e.getMessage());
                    }
                    ready.countDown();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long deadline = startHolder[0] + dur;
                    while (errors.get() < 10_000) {
                        long t0 = System.nanoTime();
                        if (t0 >= deadline) {
                            break;
                        }
                        try {
                            if (conn == null) {
                                conn = new Conn(t.address());
                            }
                            Head h = conn.exchange(req, null);
                            if (h.status() != 200) {
                                throw new IOException("answered " + h.statusLine());
                            }
                            long d = System.nanoTime() - t0;
                            done++;
                            if (k < cap) {
                                mine[k++] = d;
                            } else { // reservoir sampling keeps the sample unbiased once full
                                long j = ThreadLocalRandom.current().nextLong(seen + 1);
                                if (j < cap) {
                                    mine[(int) j] = d;
                                }
                            }
                            seen++;
                            if (!conn.reusable) {
                                conn.close();
                                conn = null;
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                            if (conn != null) {
                                conn.close();
                                conn = null;
                            }
                            Sleep.millis(1);
                        }
                    }
                    if (conn != null) {
                        conn.close();
                    }
                    ok.addAndGet(done);
                    samples.add(Arrays.copyOf(mine, k));
                }));
            }
            ready.await(IO_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
            long cpu0 = ProcFs.cpuTicks(t.pid());
            startHolder[0] = System.nanoTime();
            go.countDown();
            for (Thread th : threads) {
                th.join(TimeUnit.SECONDS.toMillis((long) secs + 2 * IO_TIMEOUT_MS / 1000 + 5));
            }
            double elapsed = (System.nanoTime() - startHolder[0]) / 1e9;
            long cpu1 = ProcFs.cpuTicks(t.pid());
            long[] all = samples.stream().flatMapToLong(Arrays::stream).toArray();
            return new RateResult(ok.get(), errors.get(), elapsed, all, firstError.get(),
                    cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1);
        }

        // ---- exec round trip ------------------------------------------------------------------------

        final Map<String, Conn> control = new HashMap<>();
        byte[] execCreate;
        final byte[] execStartBody = "{\"Detach\":false,\"Tty\":false}".getBytes(StandardCharsets.UTF_8);

        /**
         * One `docker exec` as the CLI does it: exec create on a keep-alive connection; exec start on a new
         * connection with `Upgrade: tcp`, the multiplexed stream read until Docker closes it (the command exited);
         * exec inspect on the keep-alive connection for the exit code.
         */
        ExecTimes execRoundTrip(Target t, String[] warning) throws IOException {
            if (execCreate == null) {
                execCreate = request("POST", api + "/containers/" + container + "/exec", null,
                        "{\"AttachStdin\":false,\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,\"User\":\""
                                + EXEC_USER + "\",\"Cmd\":[\"echo\",\"hi\"]}");
            }
            Conn ctl = control.get(t.name());
            long t0 = System.nanoTime();
            try {
                if (ctl == null) {
                    ctl = new Conn(t.address());
                    control.put(t.name(), ctl);
                }
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                Head h = ctl.exchange(execCreate, body);
                String text = body.toString(StandardCharsets.UTF_8);
                if (h.status() != 201) {
                    throw new IOException("exec create answered " + h.statusLine() + ": " + abbreviate(text));
                }
                String execId = jsonString(text, "Id");
                if (execId == null || !execId.matches("[0-9a-f]{64}")) {
                    throw new IOException("exec create returned no id: " + abbreviate(text));
                }
                long t1 = System.nanoTime();
                byte[] stream;
                try (Conn s = new Conn(t.address())) {
                    s.arm(IO_TIMEOUT_MS);
                    s.write(request("POST", api + "/exec/" + execId + "/start", "Connection: Upgrade\r\nUpgrade: tcp\r\n",
                            new String(execStartBody, StandardCharsets.UTF_8)));
                    Head sh = s.readHead();
                    if (sh.status() != 101 && sh.status() != 200) {
                        ByteArrayOutputStream err = new ByteArrayOutputStream();
                        s.readBody(sh, err);
                        throw new IOException("exec start answered " + sh.statusLine() + ": "
                                + abbreviate(err.toString(StandardCharsets.UTF_8)));
                    }
                    ByteArrayOutputStream raw = new ByteArrayOutputStream();
                    s.readToEof(raw, 1 << 20);
                    stream = raw.toByteArray();
                }
                String stdout = demux(stream, 1);
                if (!stdout.equals("hi\n")) {
                    throw new IOException("exec stdout was " + abbreviate(stdout.isEmpty() ? "(empty), stderr: "
                            + demux(stream, 2) : stdout));
                }
                long t2 = System.nanoTime();
                body.reset();
                h = ctl.exchange(request("GET", api + "/exec/" + execId + "/json", null, null), body);
                text = body.toString(StandardCharsets.UTF_8);
                if (h.status() != 200) {
                    throw new IOException("exec inspect answered " + h.statusLine() + ": " + abbreviate(text));
                }
                long t3 = System.nanoTime();
                if (!ctl.reusable) {
                    ctl.close();
                    control.remove(t.name());
                }
                Matcher m = Pattern.compile("\"ExitCode\"\\s*:\\s*(-?\\d+)").matcher(text);
                if (warning != null && text.contains("\"Running\":false") && m.find() && !m.group(1).equals("0")) {
                    warning[0] = "exit code " + m.group(1);
                }
                return new ExecTimes(t3 - t0, t1 - t0, t2 - t1, t3 - t2);
            } catch (IOException | RuntimeException e) {
                if (ctl != null) {
                    ctl.close();
                    control.remove(t.name());
                }
                throw e instanceof IOException io ? io : new IOException(e);
            }
        }

        /** The payload of one stream (1 stdout, 2 stderr) from Docker's multiplexed framing. */
        static String demux(byte[] b, int stream) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int i = 0;
            while (i + 8 <= b.length) {
                int type = b[i];
                int len = ((b[i + 4] & 0xff) << 24) | ((b[i + 5] & 0xff) << 16) | ((b[i + 6] & 0xff) << 8) | (b[i + 7] & 0xff);
                if (len < 0 || i + 8 + len > b.length) {
                    break;
                }
                if (type == stream) {
                    out.write(b, i + 8, len);
                }
                i += 8 + len;
            }
            return out.toString(StandardCharsets.UTF_8);
        }

        void closeControl() {
            control.values().forEach(Conn::close);
            control.clear();
        }

        /** Sequential round trips, interleaved across targets (d, c, h, then c, h, d, ...) so drift hits all alike. */
        void execPhase(List<Target> ts) {
            Map<String, List<ExecTimes>> times = new LinkedHashMap<>();
            Map<String, Integer> errors = new HashMap<>();
            Map<String, String> firstError = new HashMap<>();
            long deadline = System.nanoTime() + (long) (execMaxSeconds * 1e9);
            int done = 0;
            for (int i = 0; i < execs && System.nanoTime() < deadline; i++, done++) {
                for (int j = 0; j < ts.size(); j++) {
                    Target t = ts.get((i + j) % ts.size());
                    if (errors.getOrDefault(t.name(), 0) >= 20) {
                        continue;
                    }
                    String[] warning = new String[1];
                    try {
                        times.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(execRoundTrip(t, warning));
                        if (warning[0] != null) {
                            notes.putIfAbsent(t.name() + " exec", warning[0]);
                        }
                    } catch (IOException e) {
                        errors.merge(t.name(), 1, Integer::sum);
                        firstError.putIfAbsent(t.name(), e.getMessage());
                        Sleep.millis(10);
                    }
                }
            }
            if (done < execs) {
                notes.put("exec", String.format("time cap of %.0f s reached after %d of %d round trips per target",
                        execMaxSeconds, done, execs));
            }
            closeControl();
            for (Target t : ts) {
                List<ExecTimes> l = times.getOrDefault(t.name(), List.of());
                long[] total = l.stream().mapToLong(ExecTimes::total).sorted().toArray();
                long[] create = l.stream().mapToLong(ExecTimes::create).sorted().toArray();
                long[] start = l.stream().mapToLong(ExecTimes::start).sorted().toArray();
                long[] inspect = l.stream().mapToLong(ExecTimes::inspect).sorted().toArray();
                int err = errors.getOrDefault(t.name(), 0);
                if (total.length > 0) {
                    double mean = Arrays.stream(total).average().orElse(Double.NaN);
                    results.put(t.name(), "exec_rate", 1e9 / mean);
                    results.put(t.name(), "exec_p50", Percentiles.of(total, 50) / 1e6);
                    results.put(t.name(), "exec_p99", Percentiles.of(total, 99) / 1e6);
                    results.put(t.name(), "exec_create_p50", Percentiles.of(create, 50) / 1e6);
                    results.put(t.name(), "exec_start_p50", Percentiles.of(start, 50) / 1e6);
                    results.put(t.name(), "exec_inspect_p50", Percentiles.of(inspect, 50) / 1e6);
                }
                if (err > 0) {
                    notes.put(t.name() + " exec", err + " failed round trips, first: " + firstError.get(t.name()));
                }
                Progress.log("%-8s %d round trips, p50 %.2f ms, p99 %.2f ms (p50 create %.2f, start+stream %.2f, inspect %.2f ms), %d errors",
                        t.name(), total.length, Percentiles.of(total, 50) / 1e6, Percentiles.of(total, 99) / 1e6, Percentiles.of(create, 50) / 1e6,
                        Percentiles.of(start, 50) / 1e6, Percentiles.of(inspect, 50) / 1e6, err);
            }
        }

        // ---- table -------------------------------------------------------------------------------------

        String table() {
            List<String> cols = new ArrayList<>();
            for (Target t : targets) {
                cols.add(t.name());
            }
            String c = String.valueOf(clients);
            List<Row> spec = List.of(
                    new Row("GET /_ping, " + c + " clients", "ping16", "req/s", 0, "ping16"),
                    new Row("GET /_ping, " + c + " clients p50", "ping16_p50", "us", 0, null),
                    new Row("GET /_ping, " + c + " clients p99", "ping16_p99", "us", 0, null),
                    new Row("GET /_ping, 1 client", "ping1", "req/s", 0, "rate"),
                    new Row("GET /_ping, 1 client p50", "ping1_p50", "us", 0, null),
                    new Row("GET /_ping, 1 client p99", "ping1_p99", "us", 0, null),
                    new Row("GET /containers/json, " + c + " clients", "list16", "req/s", 0, "rate"),
                    new Row("GET /containers/json, " + c + " clients p50", "list16_p50", "us", 0, null),
                    new Row("GET /containers/json, " + c + " clients p99", "list16_p99", "us", 0, null),
                    new Row("exec round trip (echo hi), sequential", "exec_rate", "/s", 1, "rate"),
                    new Row("exec round trip p50", "exec_p50", "ms", 2, "exec"),
                    new Row("exec round trip p99", "exec_p99", "ms", 2, null),
                    new Row("  exec create p50", "exec_create_p50", "ms", 2, null),
                    new Row("  exec start + stream to EOF p50", "exec_start_p50", "ms", 2, null),
                    new Row("  exec inspect p50", "exec_inspect_p50", "ms", 2, null),
                    new Row("proxy CPU per _ping @" + c, "ping16_cpu_us", "us", 1, null),
                    new Row("proxy CPU per containers/json @" + c, "list16_cpu_us", "us", 1, null),
                    new Row("proxy RSS at start", "rss_start", "MB", 1, null),
                    new Row("proxy RSS at end", "rss_end", "MB", 1, null));
            StringBuilder sb = new StringBuilder(ProxyComparison.grid(results, cols, "haproxy", spec,
                    (row, ca, cd, cb) -> verdict(row.rule(), ca, cd, cb)));
            sb.append('\n');
            sb.append(String.format(Locale.ROOT, """
                    req/s = completed 200 responses per second over %.1f s per column (%d slices, rotated between
                    columns), each client on its own keep-alive connection; p50/p99 per request under that load.
                    containers/json is %s (the label filter the sandbox profile adds anyway).
                    exec round trip = exec create (keep-alive) + exec start on a new connection with Upgrade: tcp,
                    stream read to EOF + exec inspect, %d in sequence per column, columns interleaved; /s = 1 / mean.
                    MB = 1,000,000 bytes (VmRSS kB / 1000); proxy CPU = utime+stime / requests.
                    """, seconds, slices, listTarget, execs));
            for (Map.Entry<String, String> n : notes.entrySet()) {
                sb.append("note: ").append(n.getKey()).append(": ").append(n.getValue()).append('\n');
            }
            return sb.toString();
        }

        static String verdict(String rule, Double ca, Double cd, Double cb) {
            if (rule == null) {
                return "";
            }
            return switch (rule) {
                case "ping16" -> {
                    String want = ">= 0.90x direct, >= haproxy";
                    if (ca == null || cd == null) {
                        yield want;
                    }
                    boolean pass = ca / cd >= 0.9 && (cb == null || ca >= cb);
                    yield (pass ? "PASS" : "FAIL") + " (" + want + (cb == null ? "; no haproxy" : "") + ")";
                }
                case "rate" -> ca == null || cb == null ? ">= haproxy" : (ca >= cb ? "PASS" : "FAIL") + " (>= haproxy)";
                case "exec" -> ca == null || cd == null ? "<= 1.10x direct"
                        : (ca / cd <= 1.1 ? "PASS" : "FAIL") + " (<= 1.10x direct)";
                default -> "";
            };
        }

    }
}
