/*
 * LLM router benchmark: load generator, streaming client, wrk driver and report, in one single-file program.
 *
 * Run with the JDK's source launcher (JDK >= 22: it also compiles the shared bench/java/bench/common), no dependencies:
 *   java RouterBench.java run --direct-port P --router-port R --key KEY --wrk /usr/bin/wrk --tmp DIR [--quick] [...]
 *   java RouterBench.java pid-of-port PORT
 *
 * All traffic goes to 127.0.0.1 only. Every loop is bounded in count and in time; wrk runs under a timeout.
 * bench/router/run drives it (it starts nginx as the fake upstream and the router); see bench/router/README.md.
 */
package bench.router;

import bench.common.Options;
import bench.common.Percentiles;
import bench.common.ProcFs;
import bench.common.Table;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class RouterBench {

    static final String LOOPBACK = "127.0.0.1";
    static final int CONNECT_TIMEOUT_MS = 5_000;
    static final int IO_TIMEOUT_MS = 10_000;
    static final String CHAT_PATH = "/v1/chat/completions";
    /** Where the fake upstream (nginx) serves the SSE stream; the router's streaming deployment points there. */
    static final String DIRECT_STREAM_PATH = "/stream/v1/chat/completions";

    // Targets of issue 19 (issue 4 had p50 <= 0.5 ms), on a 2-core machine.
    static final double TARGET_ADDED_P50_MS = 0.3;
    static final double TARGET_ADDED_P99_MS = 3.0;
    static final double TARGET_SATURATION_RPS = 5_000;
    static final double TARGET_RSS_MB = 300;

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            usage();
            System.exit(2);
        }
        Options o = Options.parse(Arrays.copyOfRange(argv, 1, argv.length), Set.of("quick"));
        switch (argv[0]) {
            case "run" -> new Runner(o).run();
            case "costs" -> new CostRunner(o).run();
            case "pid-of-port" -> System.out.println(ProcFs.pidOfListeningPort(Integer.parseInt(o.positional().get(0))));
            default -> {
                usage();
                System.exit(2);
            }
        }
    }

    static void usage() {
        System.err.println("""
                usage: java RouterBench.java run --direct-port P --router-port R --key KEY --wrk PATH --tmp DIR
                           [--quick] [--model bench] [--stream-model bench-stream] [--rate 2000] [--rate-seconds S]
                           [--rate-warmup S] [--connections 32] [--c1-seconds S] [--sat-seconds 5] [--sat-threads 2]
                           [--sat-connections 64] [--warmup-seconds S] [--warmup-max-seconds S] [--ttfc-requests N] [--out FILE]
                       java RouterBench.java costs --variant NAME=PORT [--variant NAME=PORT ...] --master-key KEY --wrk PATH
                           --tmp DIR [--quick] [--rate 2000] [--rate-seconds S] [--rounds N] [--warmup-seconds S]
                           [--warmup-max-seconds S] [--out FILE]
                       java RouterBench.java pid-of-port PORT""");
    }

    // ------------------------------------------------------------------------------------------------
    // A minimal HTTP/1.1 keep-alive client (Content-Length and chunked bodies)
    // ------------------------------------------------------------------------------------------------

    /** One answer: status, the router's own x-clincher-overhead-ms (NaN if absent), when "data:" first arrived. */
    record Answer(int status, double overheadMs, long firstDataNanos, boolean open) {}

    static final class Http implements AutoCloseable {
        private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
        private final Socket socket;
        private final BufferedInputStream in;
        private final OutputStream out;
        private final byte[] buf = new byte[16 * 1024];

        Http(int port) throws IOException {
            socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(IO_TIMEOUT_MS);
                socket.connect(new InetSocketAddress(LOOPBACK, port), CONNECT_TIMEOUT_MS);
                in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                out = socket.getOutputStream();
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        static byte[] request(int port, String path, String key, String body) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\n"
                    + "Host: " + LOOPBACK + ":" + port + "\r\n"
                    + "Authorization: Bearer " + key + "\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Accept: */*\r\n"
                    + "Content-Length: " + b.length + "\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] all = Arrays.copyOf(h, h.length + b.length);
            System.arraycopy(b, 0, all, h.length, b.length);
            return all;
        }

        /** Sends one request and reads the whole answer; {@code findData}: note when "data:" first arrives. */
        Answer exchange(byte[] request, boolean findData) throws IOException {
            out.write(request);
            out.flush();
            String status = readLine();
            if (status == null) {
                throw new IOException("connection closed before the answer");
            }
            String[] sp = status.split(" ", 3);
            if (sp.length < 2 || !sp[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + status);
            }
            int code = Integer.parseInt(sp[1]);
            long length = -1;
            boolean chunked = false;
            boolean close = sp[0].equals("HTTP/1.0");
            double overhead = Double.NaN;
            for (int n = 0; n < 200; n++) {
                String h = readLine();
                if (h == null) {
                    throw new IOException("connection closed inside the head");
                }
                if (h.isEmpty()) {
                    break;
                }
                int c = h.indexOf(':');
                if (c <= 0) {
                    continue;
                }
                String name = h.substring(0, c).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(c + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close") || (close && !value.equalsIgnoreCase("keep-alive"));
                    case "x-clincher-overhead-ms" -> {
                        try {
                            overhead = Double.parseDouble(value);
                        } catch (NumberFormatException ignored) {
                            // leave NaN
                        }
                    }
                    default -> { }
                }
            }
            Matcher5 m = findData ? new Matcher5() : null;
            if (chunked) {
                for (int n = 0; n < 1_000_000; n++) {
                    String sizeLine = readLine();
                    if (sizeLine == null) {
                        throw new IOException("connection closed inside a chunked body");
                    }
                    int semi = sizeLine.indexOf(';');
                    long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
                    if (size == 0) {
                        for (int t = 0; t < 100; t++) { // trailers up to the empty line
                            String tl = readLine();
                            if (tl == null || tl.isEmpty()) {
                                break;
                            }
                        }
                        break;
                    }
                    readBody(size, m);
                    readLine(); // CRLF after the chunk
                }
            } else if (length >= 0) {
                readBody(length, m);
            } else {
                readBody(Long.MAX_VALUE, m); // until the server closes
                close = true;
            }
            return new Answer(code, overhead, m == null ? 0 : m.at, !close);
        }

        private void readBody(long length, Matcher5 m) throws IOException {
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    if (length == Long.MAX_VALUE) {
                        return;
                    }
                    throw new IOException("connection closed inside the body");
                }
                if (m != null && m.at == 0) {
                    m.feed(buf, n, System.nanoTime());
                }
                left -= n;
            }
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int i = 0; i < 64 * 1024; i++) {
                int c = in.read();
                if (c < 0) {
                    return sb.isEmpty() ? null : sb.toString();
                }
                if (c == '\n') {
                    int len = sb.length();
                    if (len > 0 && sb.charAt(len - 1) == '\r') {
                        sb.setLength(len - 1);
                    }
                    return sb.toString();
                }
                sb.append((char) c);
            }
            throw new IOException("header line too long");
        }

        /** Finds "data:" across reads; {@code at} is the time the bytes completing it were read (0 = not yet). */
        static final class Matcher5 {
            int matched;
            long at;

            void feed(byte[] b, int n, long now) {
                for (int i = 0; i < n && at == 0; i++) {
                    if (b[i] == DATA[matched]) {
                        matched++;
                        if (matched == DATA.length) {
                            at = now;
                        }
                    } else {
                        matched = b[i] == DATA[0] ? 1 : 0;
                    }
                }
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }

        /** Closes {@code conn} when there is one; returns null, a loop's "no connection yet". */
        static Http closeIfAny(Http conn) {
            if (conn != null) {
                conn.close();
            }
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Open-loop fixed-rate load: request i is due at t0 + i/rate, on connection i % K
    // ------------------------------------------------------------------------------------------------

    /** Latencies in nanoseconds (successful answers only) and counts. */
    record RateResult(long[] latencies, double[] overheadsMs, long sent, long ok, long non2xx, long ioErrors,
                      long notSent, double seconds, long behindSchedule) {
        double achievedRate() {
            return seconds > 0 ? (ok + non2xx) / seconds : 0;
        }
    }

    static RateResult fixedRate(int port, byte[] request, double rate, double seconds, int connections)
            throws InterruptedException {
        int total = (int) Math.max(1, Math.round(rate * seconds));
        long[] lat = new long[total];
        double[] overheads = new double[total];
        Arrays.fill(lat, -1);
        Arrays.fill(overheads, Double.NaN);
        AtomicLong ok = new AtomicLong();
        AtomicLong non2xx = new AtomicLong();
        AtomicLong ioErrors = new AtomicLong();
        AtomicLong notSent = new AtomicLong();
        AtomicLong behind = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        double intervalNanos = 1e9 / rate;
        Http[] conns = new Http[connections];
        for (int w = 0; w < connections; w++) { // opened before the clock starts
            try {
                conns[w] = new Http(port);
            } catch (IOException e) {
                conns[w] = null;
            }
        }
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long hardDeadline = t0 + (long) (seconds * 1e9) + TimeUnit.SECONDS.toNanos(15);
        Thread[] workers = new Thread[connections];
        for (int w = 0; w < connections; w++) {
            final int worker = w;
            workers[w] = Thread.ofPlatform().name("rate-" + w).daemon().start(() -> {
                Http conn = conns[worker];
                try {
                    for (int i = worker; i < total; i += connections) {
                        long due = t0 + (long) (i * intervalNanos);
                        long now = System.nanoTime();
                        if (now > hardDeadline) {
                            notSent.incrementAndGet();
                            continue;
                        }
                        long start;
                        if (now < due) {
                            // On time: wait for the due time; the clock starts when the request really goes out,
                            // so the load generator's own wake-up delay is not counted.
                            for (int spins = 0; spins < 10_000 && (now = System.nanoTime()) < due; spins++) {
                                LockSupport.parkNanos(due - now);
                            }
                            start = System.nanoTime();
                        } else {
                            // Behind schedule (this connection was still waiting for earlier answers): the clock
                            // starts at the due time, as an open-loop client sees it (no coordinated omission).
                            start = due;
                            if (now - due > 1_000_000) {
                                behind.incrementAndGet();
                            }
                        }
                        try {
                            if (conn == null) {
                                conn = new Http(port);
                            }
                            sent.incrementAndGet();
                            Answer a = conn.exchange(request, false);
                            long end = System.nanoTime();
                            if (a.status() / 100 == 2) {
                                ok.incrementAndGet();
                                lat[i] = end - start;
                                overheads[i] = a.overheadMs();
                            } else {
                                non2xx.incrementAndGet();
                            }
                            if (!a.open()) {
                                conn = Http.closeIfAny(conn);
                            }
                        } catch (IOException | RuntimeException e) {
                            ioErrors.incrementAndGet();
                            conn = Http.closeIfAny(conn);
                        }
                    }
                } finally {
                    Http.closeIfAny(conn);
                }
            });
        }
        for (Thread t : workers) {
            t.join(TimeUnit.NANOSECONDS.toMillis(hardDeadline - System.nanoTime()) + 20_000);
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long[] okLat = Arrays.stream(lat).filter(v -> v >= 0).sorted().toArray();
        double[] oh = Arrays.stream(overheads).filter(v -> !Double.isNaN(v)).sorted().toArray();
        return new RateResult(okLat, oh, sent.get(), ok.get(), non2xx.get(), ioErrors.get(), notSent.get(), elapsed,
                behind.get());
    }

    // ------------------------------------------------------------------------------------------------
    // Streaming: time from sending the request to the first "data:" of the answer, one request at a time
    // ------------------------------------------------------------------------------------------------

    record StreamResult(long[] ttfc, long[] total, long errors) {}

    static StreamResult streams(int port, byte[] request, int count, double maxSeconds) {
        long[] ttfc = new long[count];
        long[] total = new long[count];
        int n = 0;
        long errors = 0;
        long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
        Http conn = null;
        try {
            for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
                try {
                    if (conn == null) {
                        conn = new Http(port);
                    }
                    long start = System.nanoTime();
                    Answer a = conn.exchange(request, true);
                    long end = System.nanoTime();
                    if (a.status() / 100 == 2 && a.firstDataNanos() > 0) {
                        ttfc[n] = a.firstDataNanos() - start;
                        total[n] = end - start;
                        n++;
                    } else {
                        errors++;
                    }
                    if (!a.open()) {
                        conn = Http.closeIfAny(conn);
                    }
                } catch (IOException | RuntimeException e) {
                    errors++;
                    conn = Http.closeIfAny(conn);
                }
            }
        } finally {
            Http.closeIfAny(conn);
        }
        long[] t = Arrays.copyOf(ttfc, n);
        long[] s = Arrays.copyOf(total, n);
        Arrays.sort(t);
        Arrays.sort(s);
        return new StreamResult(t, s, errors);
    }

    // ------------------------------------------------------------------------------------------------
    // wrk (closed loop): saturation and one-connection latency
    // ------------------------------------------------------------------------------------------------

    record WrkResult(double rps, long requests, long non2xx, long socketErrors, double p50Ms, double p99Ms,
                     String raw) {
        long errors() {
            return non2xx + socketErrors;
        }
    }

    static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    static final Pattern REQS = Pattern.compile("(\\d+) requests in ");
    static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    static final Pattern SOCKERR = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    static final Pattern PCT = Pattern.compile("^\\s*(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);

    static WrkResult wrk(String wrk, Path lua, int port, int threads, int conns, double seconds)
            throws IOException, InterruptedException {
        List<String> cmd = List.of(wrk, "-t" + threads, "-c" + conns, "-d" + Math.max(1, Math.round(seconds)) + "s",
                "--latency", "--timeout", "5s", "-s", lua.toString(), "http://" + LOOPBACK + ":" + port + CHAT_PATH);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readNBytes(1 << 20);
        }
        if (!p.waitFor((long) seconds + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish in time");
        }
        String s = new String(out, StandardCharsets.UTF_8);
        Matcher m = RPS.matcher(s);
        if (!m.find()) {
            throw new IOException("wrk printed no Requests/sec:\n" + s);
        }
        double rps = Double.parseDouble(m.group(1));
        m = REQS.matcher(s);
        long requests = m.find() ? Long.parseLong(m.group(1)) : -1;
        m = NON2XX.matcher(s);
        long non2xx = m.find() ? Long.parseLong(m.group(1)) : 0;
        m = SOCKERR.matcher(s);
        long sockErr = 0;
        if (m.find()) {
            for (int g = 1; g <= 4; g++) {
                sockErr += Long.parseLong(m.group(g));
            }
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        m = PCT.matcher(s);
        while (m.find()) {
            double v = Double.parseDouble(m.group(2));
            double ms = switch (m.group(3)) {
                case "us" -> v / 1000.0;
                case "s" -> v * 1000.0;
                default -> v;
            };
            if (m.group(1).equals("50")) {
                p50 = ms;
            } else {
                p99 = ms;
            }
        }
        return new WrkResult(rps, requests, non2xx, sockErr, p50, p99, s);
    }

    static String lua(String key, String body) {
        return "wrk.method = \"POST\"\n"
                + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                + "wrk.headers[\"Authorization\"] = \"Bearer " + key + "\"\n"
                + "wrk.body = [==[" + body + "]==]\n";
    }

    // ------------------------------------------------------------------------------------------------
    // Runner
    // ------------------------------------------------------------------------------------------------

    static final class Runner {
        final boolean quick;
        final int directPort;
        final int routerPort;
        final String key;
        final String wrk;
        final Path tmp;
        final String model;
        final String streamModel;
        final double rate;
        final double rateSeconds;
        final double rateWarmup;
        final int connections;
        final double c1Seconds;
        final double satSeconds;
        final int satThreads;
        final int satConnections;
        final double warmupSeconds;
        final double warmupMaxSeconds;
        final int ttfcRequests;
        final String outFile;
        long routerPid;

        final Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        final Map<String, String> notes = new LinkedHashMap<>();

        Runner(Options o) {
            quick = o.has("quick");
            directPort = Integer.parseInt(o.require("direct-port"));
            routerPort = Integer.parseInt(o.require("router-port"));
            key = o.require("key");
            wrk = o.get("wrk", "wrk");
            tmp = Path.of(o.require("tmp"));
            model = o.get("model", "bench");
            streamModel = o.get("stream-model", "bench-stream");
            rate = o.getDouble("rate", 2000);
            rateSeconds = o.getDouble("rate-seconds", quick ? 3 : 10);
            rateWarmup = o.getDouble("rate-warmup", quick ? 1 : 3);
            connections = (int) o.getLong("connections", 32);
            c1Seconds = o.getDouble("c1-seconds", quick ? 2 : 5);
            satSeconds = o.getDouble("sat-seconds", 5);
            satThreads = (int) o.getLong("sat-threads", 2);
            satConnections = (int) o.getLong("sat-connections", 64);
            warmupSeconds = o.getDouble("warmup-seconds", quick ? 16 : 20);
            warmupMaxSeconds = o.getDouble("warmup-max-seconds", quick ? 40 : 90);
            ttfcRequests = (int) o.getLong("ttfc-requests", quick ? 200 : 1000);
            outFile = o.get("out", null);
            routerPid = o.getLong("router-pid", -1);
            results.put("direct", new LinkedHashMap<>());
            results.put("router", new LinkedHashMap<>());
        }

        /**
         * More saturating rounds of 5 s until the router's JIT compilers used under 5 % of a core in the last round
         * (at most --warmup-max-seconds in all). On 2 cores shared with the load, C2 needs 20-30 s to finish the hot
         * paths; measuring before that counts compilation as the router's cost. Returns the errors seen.
         */
        long warmUntilTheJitSettles(Path chatLua) throws Exception {
            double spent = warmupSeconds;
            long errors = 0;
            double lastShare = Double.NaN;
            while (spent + 5 <= warmupMaxSeconds) {
                long before = ProcFs.compilerTicks(routerPid);
                if (before < 0) {
                    return errors;
                }
                errors += wrk(wrk, chatLua, routerPort, satThreads, satConnections, 5).errors();
                spent += 5;
                lastShare = (ProcFs.compilerTicks(routerPid) - before) / 100.0 / 5;
                if (lastShare < 0.05) {
                    break;
                }
            }
            notes.put("warm-up", String.format(Locale.ROOT, "%.0f s at saturation through the router; JIT compiler "
                    + "threads used %.0f %% of a core in the last 5 s%s", spent, lastShare * 100,
                    lastShare >= 0.05 ? " (not settled: the figures include compilation)" : ""));
            say(notes.get("warm-up"));
            return errors;
        }

        String chatBody() {
            return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                    + "{\"role\":\"user\",\"content\":\"Say hello.\"}],\"max_tokens\":16,\"temperature\":0}";
        }

        String streamBody() {
            return "{\"model\":\"" + streamModel + "\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"Say hello.\"}],\"max_tokens\":16}";
        }

        void put(String target, String k, double v) {
            results.get(target).put(k, v);
        }

        Double val(String target, String k) {
            Double v = results.get(target).get(k);
            return v == null || v.isNaN() ? null : v;
        }

        static void say(String s) {
            System.err.println(s);
        }

        int port(String target) {
            return target.equals("direct") ? directPort : routerPort;
        }

        String streamPath(String target) {
            return target.equals("direct") ? DIRECT_STREAM_PATH : CHAT_PATH;
        }

        void run() throws Exception {
            if (routerPid <= 0) {
                routerPid = ProcFs.pidOfListeningPort(routerPort);
            }
            if (routerPid <= 0) {
                notes.put("router pid", "not found from its listening socket: no RSS/CPU figures");
            }
            Path chatLua = tmp.resolve("chat.lua");
            Files.writeString(chatLua, lua(key, chatBody()));
            long started = System.nanoTime();

            // 0. Sanity: each path answers 200 with the expected shape, else there is nothing to measure.
            for (String t : List.of("direct", "router")) {
                check(t, Http.request(port(t), CHAT_PATH, key, chatBody()), false);
                check(t, Http.request(port(t), streamPath(t), key, streamBody()), true);
            }
            put("router", "rss_start", ProcFs.statusKb(routerPid, "VmRSS"));

            // 1. Warm-up, not recorded: the router's JIT, its connection pool to nginx, and this JVM.
            // At saturation, so the router's JIT (C2) and heap settle quickly: with less, the open-loop phase that
            // follows still sees compilation and heap growth.
            say(String.format(Locale.ROOT, "warm-up: wrk -t%d -c%d %.0f s through the router, 1 s direct, %d streams each",
                    satThreads, satConnections, warmupSeconds, Math.max(50, ttfcRequests / 4)));
            wrk(wrk, chatLua, directPort, satThreads, satConnections, 1);
            WrkResult warm = wrk(wrk, chatLua, routerPort, satThreads, satConnections, warmupSeconds);
            long warmErrors = warm.errors();
            warmErrors += warmUntilTheJitSettles(chatLua);
            if (warmErrors > 0) {
                notes.put("warm-up errors", warmErrors + " errors through the router during the warm-up");
            }
            for (String t : List.of("direct", "router")) {
                streams(port(t), Http.request(port(t), streamPath(t), key, streamBody()), Math.max(50, ttfcRequests / 4),
                        30);
            }

            // 2. Fixed rate, open loop (the latency targets).
            for (String t : List.of("direct", "router")) {
                byte[] req = Http.request(port(t), CHAT_PATH, key, chatBody());
                say(String.format(Locale.ROOT, "%s: %,.0f req/s open loop on %d connections, %.1f s warm-up + %.1f s",
                        t, rate, connections, rateWarmup, rateSeconds));
                fixedRate(port(t), req, rate, rateWarmup, connections);
                RateResult r = fixedRate(port(t), req, rate, rateSeconds, connections);
                put(t, "rate_achieved", r.achievedRate());
                put(t, "rate_p50", Percentiles.of(r.latencies(), 50) / 1e6);
                put(t, "rate_p90", Percentiles.of(r.latencies(), 90) / 1e6);
                put(t, "rate_p99", Percentiles.of(r.latencies(), 99) / 1e6);
                put(t, "rate_p999", Percentiles.of(r.latencies(), 99.9) / 1e6);
                put(t, "rate_max", r.latencies().length == 0 ? Double.NaN : r.latencies()[r.latencies().length - 1] / 1e6);
                put(t, "rate_errors", r.non2xx() + r.ioErrors() + r.notSent());
                if (t.equals("router") && r.overheadsMs().length > 0) {
                    put(t, "rate_self_p50", Percentiles.of(r.overheadsMs(), 50));
                    put(t, "rate_self_p99", Percentiles.of(r.overheadsMs(), 99));
                }
                if (r.non2xx() + r.ioErrors() + r.notSent() > 0) {
                    notes.put(t + " @rate", String.format(Locale.ROOT, "%d non-2xx, %d I/O errors, %d not sent in time",
                            r.non2xx(), r.ioErrors(), r.notSent()));
                }
                if (r.behindSchedule() > 0) {
                    notes.put(t + " @rate behind schedule", String.format(Locale.ROOT,
                            "%d of %d requests went out > 1 ms late (their latency counts from the due time)",
                            r.behindSchedule(), r.sent()));
                }
            }

            // 3. Closed loop, one connection (wrk -t1 -c1): latency with no queueing at all, as a cross-check.
            for (String t : List.of("direct", "router")) {
                say(String.format(Locale.ROOT, "%s: wrk -t1 -c1 %.0f s", t, c1Seconds));
                WrkResult w = wrk(wrk, chatLua, port(t), 1, 1, c1Seconds);
                put(t, "c1_p50", w.p50Ms());
                put(t, "c1_p99", w.p99Ms());
                put(t, "c1_rps", w.rps());
                if (w.errors() > 0) {
                    notes.put(t + " wrk -c1", w.errors() + " errors (non-2xx + socket errors)");
                }
            }

            // 4. Streaming: time to the first "data:" of the answer, one request at a time.
            for (String t : List.of("direct", "router")) {
                say(String.format(Locale.ROOT, "%s: %d streamed requests, one at a time", t, ttfcRequests));
                StreamResult s = streams(port(t), Http.request(port(t), streamPath(t), key, streamBody()),
                        ttfcRequests, 60);
                put(t, "ttfc_p50", Percentiles.of(s.ttfc(), 50) / 1e6);
                put(t, "ttfc_p99", Percentiles.of(s.ttfc(), 99) / 1e6);
                put(t, "stream_total_p50", Percentiles.of(s.total(), 50) / 1e6);
                put(t, "ttfc_n", s.ttfc().length);
                if (s.errors() > 0) {
                    notes.put(t + " streams", s.errors() + " failed streamed requests");
                }
            }

            // 5. Saturation (wrk -t2 -c64, closed loop): the most the path answers per second.
            for (String t : List.of("direct", "router")) {
                say(String.format(Locale.ROOT, "%s: wrk -t%d -c%d -d%.0fs", t, satThreads, satConnections, satSeconds));
                long cpu0 = t.equals("router") ? ProcFs.cpuTicks(routerPid) : -1;
                WrkResult w = wrk(wrk, chatLua, port(t), satThreads, satConnections, satSeconds);
                long cpu1 = t.equals("router") ? ProcFs.cpuTicks(routerPid) : -1;
                put(t, "sat_rps", w.rps());
                put(t, "sat_errors", w.errors());
                put(t, "sat_p50", w.p50Ms());
                put(t, "sat_p99", w.p99Ms());
                if (cpu0 >= 0 && cpu1 >= 0 && w.requests() > 0) {
                    put(t, "sat_cpu_us", (cpu1 - cpu0) * 10_000.0 / w.requests()); // USER_HZ = 100: 1 tick = 10 ms
                }
                if (w.errors() > 0) {
                    notes.put(t + " saturation", String.format(Locale.ROOT, "%d non-2xx, %d socket errors",
                            w.non2xx(), w.socketErrors()));
                }
            }

            put("router", "rss_end", ProcFs.statusKb(routerPid, "VmRSS"));
            put("router", "rss_hwm", ProcFs.statusKb(routerPid, "VmHWM"));
            double took = (System.nanoTime() - started) / 1e9;
            say(String.format(Locale.ROOT, "measured in %.0f s", took));
            String table = table();
            System.out.print(table);
            if (outFile != null) {
                Files.writeString(Path.of(outFile), table);
            }
        }

        void check(String target, byte[] request, boolean stream) throws IOException {
            try (Http c = new Http(port(target))) {
                Answer a = c.exchange(request, stream);
                if (a.status() != 200 || (stream && a.firstDataNanos() == 0)) {
                    throw new IOException(target + (stream ? " streamed" : "") + " chat request answered " + a.status()
                            + (stream && a.status() == 200 ? " without a data: event" : "")
                            + " (see the router log)");
                }
            }
        }

        record Row(String label, String metric, String unit, int decimals, boolean added, String rule) {}

        String table() {
            List<Row> spec = new ArrayList<>();
            String r = String.format(Locale.ROOT, "%,.0f req/s", rate);
            spec.add(new Row("open loop @" + r + ": achieved", "rate_achieved", "req/s", 0, false, null));
            spec.add(new Row("open loop @" + r + ": latency p50", "rate_p50", "ms", 3, true, "p50"));
            spec.add(new Row("open loop @" + r + ": latency p90", "rate_p90", "ms", 3, true, null));
            spec.add(new Row("open loop @" + r + ": latency p99", "rate_p99", "ms", 3, true, "p99"));
            spec.add(new Row("open loop @" + r + ": latency p99.9", "rate_p999", "ms", 3, true, null));
            spec.add(new Row("open loop @" + r + ": latency max", "rate_max", "ms", 3, true, null));
            spec.add(new Row("open loop @" + r + ": errors", "rate_errors", "", 0, false, null));
            spec.add(new Row("router's own x-clincher-overhead-ms p50", "rate_self_p50", "ms", 3, false, null));
            spec.add(new Row("router's own x-clincher-overhead-ms p99", "rate_self_p99", "ms", 3, false, null));
            spec.add(new Row("closed loop, 1 connection (wrk -c1): p50", "c1_p50", "ms", 3, true, null));
            spec.add(new Row("closed loop, 1 connection (wrk -c1): p99", "c1_p99", "ms", 3, true, null));
            spec.add(new Row("closed loop, 1 connection (wrk -c1): rate", "c1_rps", "req/s", 0, false, null));
            spec.add(new Row("stream: time to first chunk p50", "ttfc_p50", "ms", 3, true, null));
            spec.add(new Row("stream: time to first chunk p99", "ttfc_p99", "ms", 3, true, null));
            spec.add(new Row("stream: whole stream p50", "stream_total_p50", "ms", 3, true, null));
            String sat = "saturation (wrk -t" + satThreads + " -c" + satConnections + " -d"
                    + Math.round(satSeconds) + "s)";
            spec.add(new Row(sat + ": rate", "sat_rps", "req/s", 0, false, "sat"));
            spec.add(new Row(sat + ": errors", "sat_errors", "", 0, false, "saterr"));
            spec.add(new Row(sat + ": p50", "sat_p50", "ms", 3, false, null));
            spec.add(new Row(sat + ": p99", "sat_p99", "ms", 3, false, null));
            spec.add(new Row("router CPU per request @saturation", "sat_cpu_us", "us", 0, false, null));
            spec.add(new Row("router RSS after start", "rss_start", "MB", 1, false, null));
            spec.add(new Row("router RSS after the run", "rss_end", "MB", 1, false, "rss"));
            spec.add(new Row("router peak RSS (VmHWM)", "rss_hwm", "MB", 1, false, "rss"));

            List<String> header = List.of("metric", "direct", "router", "added", "router/direct", "target");
            List<String[]> rows = new ArrayList<>();
            for (Row row : spec) {
                Double d = val("direct", row.metric());
                Double c = val("router", row.metric());
                double scale = row.unit().equals("MB") ? 1 / 1000.0 : 1;
                List<String> cells = new ArrayList<>();
                cells.add(row.label() + (row.unit().isEmpty() ? "" : " (" + row.unit() + ")"));
                cells.add(d == null ? "-" : Table.number(d * scale, row.decimals()));
                cells.add(c == null ? "-" : Table.number(c * scale, row.decimals()));
                cells.add(row.added() && d != null && c != null ? signed(c - d, row.decimals()) : "-");
                cells.add(Table.ratio(c, d));
                cells.add(verdict(row.rule(), d, c));
                rows.add(cells.toArray(String[]::new));
            }
            StringBuilder sb = new StringBuilder(Table.grid(header, rows));
            sb.append('\n');
            sb.append(String.format(Locale.ROOT, """
                    direct = load generator -> nginx (fake upstream); router = load generator -> clincher router -> nginx.
                    added = router - direct. open loop: request i due at t0 + i/%,.0f s on %d keep-alive connections; the
                    clock starts when it is sent, or at its due time when its connection was still busy (no coordinated
                    omission). Time to first chunk: request written -> first "data:" byte read, one stream at a time.
                    MB = 1,000,000 bytes (VmRSS kB / 1000); router CPU = utime+stime.
                    """, rate, connections));
            for (Map.Entry<String, String> n : notes.entrySet()) {
                sb.append("note: ").append(n.getKey()).append(": ").append(n.getValue()).append('\n');
            }
            Double achieved = val("router", "rate_achieved");
            if (achieved != null && achieved < 0.95 * rate) {
                sb.append(String.format(Locale.ROOT,
                        "note: the router path reached only %,.0f of %,.0f req/s: the latency targets do not apply as is%n",
                        achieved, rate));
            }
            return sb.toString();
        }

        String verdict(String rule, Double d, Double c) {
            if (rule == null) {
                return "";
            }
            boolean atRate = Math.abs(rate - 2000) < 1e-9;
            return switch (rule) {
                case "p50" -> d == null || c == null ? "added <= " + TARGET_ADDED_P50_MS + " ms @2,000/s"
                        : (c - d <= TARGET_ADDED_P50_MS ? "PASS" : "FAIL") + " (added <= " + TARGET_ADDED_P50_MS + " ms"
                                + (atRate ? ")" : " @2,000/s; rate differs)");
                case "p99" -> d == null || c == null ? "added <= 3 ms @2,000/s"
                        : (c - d <= TARGET_ADDED_P99_MS ? "PASS" : "FAIL") + " (added <= 3 ms"
                                + (atRate ? ")" : " @2,000/s; rate differs)");
                case "sat" -> {
                    Double e = val("router", "sat_errors");
                    yield c == null ? ">= 5,000/s, 0 errors"
                            : (c >= TARGET_SATURATION_RPS && e != null && e == 0 ? "PASS" : "FAIL")
                                    + " (>= 5,000/s, 0 errors)";
                }
                case "saterr" -> c == null ? "0" : (c == 0 ? "PASS" : "FAIL") + " (0)";
                case "rss" -> c == null ? "<= 300 MB" : (c / 1000.0 <= TARGET_RSS_MB ? "PASS" : "FAIL") + " (<= 300 MB)";
                default -> "";
            };
        }

        static String signed(double v, int decimals) {
            return (v >= 0 ? "+" : "") + Table.number(v, decimals);
        }

    }

    // ------------------------------------------------------------------------------------------------
    // Cost controls: the same open loop against routers that differ only in their cost controls
    // ------------------------------------------------------------------------------------------------

    /**
     * {@code costs}: every variant is a router of its own on the same nginx; the first one has no cost controls
     * (the master key, no spend log) and is the baseline. The others are called with a virtual key that has a budget
     * and rate limits, so each request pays key auth, the rate-limit admission, the budget reservation, the settle and
     * (unless the variant turns it off) the spend-log row, durable before the answer's last byte. The open loop runs
     * in rounds, the variants' order reversed every other round, and the latencies of all rounds are pooled.
     */
    static final class CostRunner {
        /** Target of issue 11: what key auth + reservation + settle + spend-log row may add at 2,000 req/s. */
        static final double TARGET_ADDED_P50_MS = 0.2;
        /** The virtual key's limits: high enough never to refuse during the run, but all of them checked. */
        static final String KEY_BODY = "{\"key_alias\":\"bench\",\"max_budget\":1000000,\"budget_duration\":\"30d\","
                + "\"rpm_limit\":1000000000,\"tpm_limit\":1000000000000}";

        record Variant(String name, int port) {}

        /** One variant's pooled measurements. */
        static final class Measured {
            final List<long[]> latencies = new ArrayList<>();
            final List<double[]> overheads = new ArrayList<>();
            long requests;
            long errors;
            long notSent;
            long cpuTicks;
            double seconds;
            long pid = -1;
            String bearer;
            String warmup = "";
        }

        final List<Variant> variants = new ArrayList<>();
        final Map<String, Measured> measured = new LinkedHashMap<>();
        final Map<String, String> notes = new LinkedHashMap<>();
        final String masterKey;
        final String wrk;
        final Path tmp;
        final double rate;
        final double rateSeconds;
        final double rateWarmup;
        final int rounds;
        final int connections;
        final double warmupSeconds;
        final double warmupMaxSeconds;
        final String outFile;
        final String model;

        CostRunner(Options o) {
            boolean quick = o.has("quick");
            for (String spec : o.all("variant")) {
                int eq = spec.lastIndexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--variant takes NAME=PORT, not " + spec);
                }
                variants.add(new Variant(spec.substring(0, eq), Integer.parseInt(spec.substring(eq + 1))));
            }
            if (variants.size() < 2) {
                throw new IllegalArgumentException("costs needs a baseline --variant and at least one more");
            }
            masterKey = o.require("master-key");
            wrk = o.get("wrk", "wrk");
            tmp = Path.of(o.require("tmp"));
            model = o.get("model", "bench");
            rate = o.getDouble("rate", 2000);
            rateSeconds = o.getDouble("rate-seconds", quick ? 3 : 8);
            rateWarmup = o.getDouble("rate-warmup", quick ? 1 : 2);
            rounds = (int) o.getLong("rounds", quick ? 1 : 3);
            connections = (int) o.getLong("connections", 32);
            warmupSeconds = o.getDouble("warmup-seconds", quick ? 8 : 15);
            warmupMaxSeconds = o.getDouble("warmup-max-seconds", quick ? 20 : 60);
            outFile = o.get("out", null);
        }

        Variant baseline() {
            return variants.get(0);
        }

        String chatBody() {
            return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                    + "{\"role\":\"user\",\"content\":\"Say hello.\"}],\"max_tokens\":16,\"temperature\":0}";
        }

        void run() throws Exception {
            long started = System.nanoTime();
            for (Variant v : variants) {
                Measured m = new Measured();
                measured.put(v.name(), m);
                m.pid = ProcFs.pidOfListeningPort(v.port());
                m.bearer = v == baseline() ? masterKey : generateKey(v);
                try (Http c = new Http(v.port())) {
                    Answer a = c.exchange(Http.request(v.port(), CHAT_PATH, m.bearer, chatBody()), false);
                    if (a.status() != 200) {
                        throw new IOException(v.name() + ": a chat request answered " + a.status()
                                + " (see its router log)");
                    }
                }
            }
            for (Variant v : variants) {
                warm(v);
            }
            for (int round = 0; round < rounds; round++) {
                List<Variant> order = new ArrayList<>(variants);
                if (round % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                for (Variant v : order) {
                    measure(v, round);
                }
            }
            say(String.format(Locale.ROOT, "measured in %.0f s", (System.nanoTime() - started) / 1e9));
            String table = table();
            System.out.print(table);
            if (outFile != null) {
                Files.writeString(Path.of(outFile), table);
            }
        }

        /** A virtual key with a budget and rate limits, through the variant's own /key/generate. */
        String generateKey(Variant v) throws IOException, InterruptedException {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .connectTimeout(java.time.Duration.ofMillis(CONNECT_TIMEOUT_MS))
                    .proxy(java.net.ProxySelector.of(null)).build();
            java.net.http.HttpResponse<String> answer = client.send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create("http://" + LOOPBACK + ":" + v.port() + "/key/generate"))
                    .timeout(java.time.Duration.ofMillis(IO_TIMEOUT_MS))
                    .header("Authorization", "Bearer " + masterKey).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(KEY_BODY)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            Matcher key = Pattern.compile("\"key\"\\s*:\\s*\"([^\"]+)\"").matcher(answer.body());
            if (answer.statusCode() != 200 || !key.find()) {
                throw new IOException(v.name() + ": /key/generate answered " + answer.statusCode() + ": "
                        + answer.body().substring(0, Math.min(300, answer.body().length())));
            }
            return key.group(1);
        }

        /** Saturating wrk through the variant until its JIT compiler threads use < 5 % of a core (bounded). */
        void warm(Variant v) throws Exception {
            Measured m = measured.get(v.name());
            Path lua = tmp.resolve("costs-" + v.port() + ".lua");
            Files.writeString(lua, lua(m.bearer, chatBody()));
            say(String.format(Locale.ROOT, "%s: warm-up, wrk -t2 -c64 %.0f s, then 5 s rounds until the JIT settles",
                    v.name(), warmupSeconds));
            long errors = wrk(wrk, lua, v.port(), 2, 64, warmupSeconds).errors();
            double spent = warmupSeconds;
            double share = Double.NaN;
            while (spent + 5 <= warmupMaxSeconds) {
                long before = ProcFs.compilerTicks(m.pid);
                if (before < 0) {
                    break;
                }
                errors += wrk(wrk, lua, v.port(), 2, 64, 5).errors();
                spent += 5;
                share = (ProcFs.compilerTicks(m.pid) - before) / 100.0 / 5;
                if (share < 0.05) {
                    break;
                }
            }
            m.warmup = String.format(Locale.ROOT, "%.0f s, JIT at %.0f %% of a core at the end%s", spent,
                    share * 100, share >= 0.05 ? " (not settled)" : "");
            if (errors > 0) {
                notes.put(v.name() + " warm-up", errors + " errors (non-2xx + socket errors)");
            }
        }

        void measure(Variant v, int round) throws Exception {
            Measured m = measured.get(v.name());
            byte[] request = Http.request(v.port(), CHAT_PATH, m.bearer, chatBody());
            say(String.format(Locale.ROOT, "round %d, %s: %,.0f req/s open loop, %.0f s + %.0f s", round + 1,
                    v.name(), rate, rateWarmup, rateSeconds));
            fixedRate(v.port(), request, rate, rateWarmup, connections);
            long cpu0 = ProcFs.cpuTicks(m.pid);
            RateResult r = fixedRate(v.port(), request, rate, rateSeconds, connections);
            long cpu1 = ProcFs.cpuTicks(m.pid);
            m.latencies.add(r.latencies());
            m.overheads.add(r.overheadsMs());
            m.requests += r.ok() + r.non2xx();
            m.errors += r.non2xx() + r.ioErrors() + r.notSent();
            m.notSent += r.notSent();
            m.seconds += r.seconds();
            if (cpu0 >= 0 && cpu1 >= 0) {
                m.cpuTicks += cpu1 - cpu0;
            }
            if (r.non2xx() + r.ioErrors() + r.notSent() > 0) {
                notes.put(v.name() + " round " + (round + 1), String.format(Locale.ROOT,
                        "%d non-2xx, %d I/O errors, %d not sent in time", r.non2xx(), r.ioErrors(), r.notSent()));
            }
        }

        static long[] pooled(List<long[]> parts) {
            return parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        }

        static double[] pooledDoubles(List<double[]> parts) {
            return parts.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
        }

        String table() {
            List<String> header = List.of("variant", "achieved/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                    "added p50", "added p99", "self p50", "CPU us/req", "errors", "target");
            long[] base = pooled(measured.get(baseline().name()).latencies);
            double baseP50 = Percentiles.of(base, 50) / 1e6;
            double baseP99 = Percentiles.of(base, 99) / 1e6;
            List<String[]> rows = new ArrayList<>();
            for (Variant v : variants) {
                Measured m = measured.get(v.name());
                long[] lat = pooled(m.latencies);
                double[] self = pooledDoubles(m.overheads);
                double p50 = Percentiles.of(lat, 50) / 1e6;
                double p99 = Percentiles.of(lat, 99) / 1e6;
                boolean isBase = v == baseline();
                String verdict = isBase ? "(baseline)" : (p50 - baseP50 <= TARGET_ADDED_P50_MS ? "PASS" : "FAIL")
                        + " (added p50 <= 0.2 ms)";
                rows.add(new String[] {
                    v.name(),
                    Table.number(m.seconds > 0 ? m.requests / m.seconds : 0, 0),
                    Table.number(p50, 3), Table.number(Percentiles.of(lat, 90) / 1e6, 3), Table.number(p99, 3),
                    Table.number(Percentiles.of(lat, 99.9) / 1e6, 3),
                    isBase ? "-" : Runner.signed(p50 - baseP50, 3),
                    isBase ? "-" : Runner.signed(p99 - baseP99, 3),
                    self.length == 0 ? "-" : Table.number(Percentiles.of(self, 50), 3),
                    m.requests > 0 && m.pid > 0 ? Table.number(m.cpuTicks * 10_000.0 / m.requests, 0) : "-",
                    Long.toString(m.errors),
                    verdict});
            }
            StringBuilder sb = new StringBuilder(Table.grid(header, rows));
            sb.append('\n');
            sb.append(String.format(Locale.ROOT, """
                    Each variant is its own router on the same nginx. Open loop at %,.0f req/s on %d keep-alive
                    connections, %d round(s) of %.0f s measured per variant (the order reversed every other round),
                    latencies pooled. added = variant - %s (the baseline, in the same run). self = the router's own
                    x-clincher-overhead-ms. CPU = the router's utime+stime during the measured phases / requests.
                    """, rate, connections, rounds, rateSeconds, baseline().name()));
            for (Variant v : variants) {
                sb.append("warm-up ").append(v.name()).append(": ").append(measured.get(v.name()).warmup).append('\n');
            }
            for (Map.Entry<String, String> n : notes.entrySet()) {
                sb.append("note: ").append(n.getKey()).append(": ").append(n.getValue()).append('\n');
            }
            return sb.toString();
        }

        static void say(String s) {
            System.err.println(s);
        }
    }
}
