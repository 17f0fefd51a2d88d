/*
 * Egress proxy benchmark: loopback echo/bulk server and load generator in one single-file program.
 *
 * Run with the JDK's source launcher (JDK >= 22: it also compiles the shared bench/java/bench/common), no dependencies:
 *   java EgressBench.java server --port-file FILE [--max-seconds S]
 *   java EgressBench.java run --echo-port P --bulk-port Q [--proxy NAME=127.0.0.1:PORT]... [--quick] [...]
 *   java EgressBench.java pid-of-port PORT
 *
 * All traffic goes to 127.0.0.1 only. Every loop is bounded in count and in time.
 * bench/egress/run drives it; see bench/egress/README.md for what each figure means.
 */
package bench.egress;

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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

public class EgressBench {

    static final String LOOPBACK = "127.0.0.1";
    static final int CONNECT_TIMEOUT_MS = 5_000;
    static final int IO_TIMEOUT_MS = 10_000;
    static final long MIB = 1024L * 1024L;
    static final long MAX_BULK_BYTES = 64L * 1024 * MIB;
    static final int RSS_TARGET_TUNNELS = 10_000;
    static final int CORES = Runtime.getRuntime().availableProcessors();

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            usage();
            System.exit(2);
        }
        Options o = Options.parse(Arrays.copyOfRange(argv, 1, argv.length), Set.of("quick", "idle-first"));
        switch (argv[0]) {
            case "server" -> server(o);
            case "run" -> new Runner(o).run();
            case "pid-of-port" -> {
                long pid = ProcFs.pidOfListeningPort(Integer.parseInt(o.positional().get(0)));
                System.out.println(pid);
                System.exit(pid > 0 ? 0 : 1);
            }
            default -> {
                usage();
                System.exit(2);
            }
        }
    }

    static void usage() {
        System.err.println("""
                usage:
                  java EgressBench.java server --port-file FILE [--max-seconds 1800]
                  java EgressBench.java run --echo-port P --bulk-port Q [--proxy NAME=127.0.0.1:PORT]...
                        [--quick] [--latency-samples N] [--rate-seconds S] [--bulk-mib M] [--parallel-mib M]
                        [--idle N] [--idle-first] [--out FILE]
                  java EgressBench.java pid-of-port PORT""");
    }

    // ------------------------------------------------------------------------------------------------
    // Server: echo port (1-byte echo, idle tunnels) and bulk port (8-byte length in, that many bytes out)
    // ------------------------------------------------------------------------------------------------

    static void server(Options o) throws Exception {
        Path portFile = Path.of(o.get("port-file", "ports.txt"));
        long maxSeconds = o.getLong("max-seconds", 1800);
        InetAddress lo = InetAddress.getByName(LOOPBACK);

        ServerSocket echo = new ServerSocket();
        echo.setReuseAddress(true);
        echo.bind(new InetSocketAddress(lo, 0), 8192);

        ServerSocketChannel bulk = ServerSocketChannel.open();
        bulk.bind(new InetSocketAddress(lo, 0), 256);

        // A read-only block of pseudo-random bytes, shared by all bulk senders.
        ByteBuffer block = ByteBuffer.allocateDirect(256 * 1024);
        long x = 0x9E3779B97F4A7C15L;
        while (block.remaining() >= 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            block.putLong(x);
        }
        block.flip();
        ByteBuffer shared = block.asReadOnlyBuffer();

        Thread.ofPlatform().daemon().name("echo-accept").start(() -> {
            while (true) {
                Socket s;
                try {
                    s = echo.accept();
                } catch (IOException e) {
                    if (echo.isClosed()) {
                        return;
                    }
                    Sleep.millis(1); // e.g. EMFILE: back off, never spin
                    continue;
                }
                Thread.ofVirtual().start(() -> echoConnection(s));
            }
        });
        Thread.ofPlatform().daemon().name("bulk-accept").start(() -> {
            while (true) {
                SocketChannel ch;
                try {
                    ch = bulk.accept();
                } catch (IOException e) {
                    if (!bulk.isOpen()) {
                        return;
                    }
                    Sleep.millis(1);
                    continue;
                }
                Thread.ofPlatform().daemon().start(() -> bulkConnection(ch, shared.duplicate()));
            }
        });

        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, echo.getLocalPort() + " " + bulk.socket().getLocalPort() + " " + ProcessHandle.current().pid() + "\n");
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
        System.err.printf("server: echo 127.0.0.1:%d bulk 127.0.0.1:%d (exits after %d s)%n",
                echo.getLocalPort(), bulk.socket().getLocalPort(), maxSeconds);
        Thread.sleep(TimeUnit.SECONDS.toMillis(maxSeconds));
        System.err.println("server: max lifetime reached, exiting");
        System.exit(0);
    }

    static void echoConnection(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[512];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // client went away
        }
    }

    static void bulkConnection(SocketChannel ch, ByteBuffer src) {
        try (ch) {
            ByteBuffer hdr = ByteBuffer.allocate(8);
            while (hdr.hasRemaining()) {
                if (ch.read(hdr) < 0) {
                    return;
                }
            }
            long left = hdr.flip().getLong();
            if (left < 0 || left > MAX_BULK_BYTES) {
                return;
            }
            while (left > 0) {
                src.clear();
                if (left < src.capacity()) {
                    src.limit((int) left);
                }
                while (src.hasRemaining()) {
                    left -= ch.write(src);
                }
            }
            ch.shutdownOutput();
        } catch (IOException ignored) {
            // client went away
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Client side
    // ------------------------------------------------------------------------------------------------

    record Target(String name, InetSocketAddress proxy, long pid) {
        boolean direct() {
            return proxy == null;
        }
    }

    static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};

    static byte[] connectRequest(int port) {
        String hp = LOOPBACK + ":" + port;
        return ("CONNECT " + hp + " HTTP/1.1\r\nHost: " + hp + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a response head up to CRLFCRLF (the target sends nothing first, so nothing is over-read) and checks 200. */
    static void expect200(InputStream in) throws IOException {
        byte[] buf = new byte[2048];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                throw new IOException("proxy response head too long");
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new IOException("proxy closed before answering CONNECT" + (n > 0 ? ": " + firstLine(buf, n) : ""));
            }
            n += r;
            int end = Bytes.indexOf(buf, 0, n, CRLFCRLF);
            if (end >= 0) {
                if (end + 4 != n) {
                    throw new IOException("unexpected bytes after the CONNECT response head");
                }
                String status = firstLine(buf, n);
                if (!(status.startsWith("HTTP/1.1 200") || status.startsWith("HTTP/1.0 200"))) {
                    throw new IOException("proxy answered: " + status);
                }
                return;
            }
        }
    }

    static void expect200(SocketChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(2048);
        while (true) {
            if (!buf.hasRemaining()) {
                throw new IOException("proxy response head too long");
            }
            if (ch.read(buf) < 0) {
                throw new IOException("proxy closed before answering CONNECT");
            }
            int end = Bytes.indexOf(buf.array(), 0, buf.position(), CRLFCRLF);
            if (end >= 0) {
                if (end + 4 != buf.position()) {
                    throw new IOException("unexpected bytes after the CONNECT response head");
                }
                String status = firstLine(buf.array(), buf.position());
                if (!(status.startsWith("HTTP/1.1 200") || status.startsWith("HTTP/1.0 200"))) {
                    throw new IOException("proxy answered: " + status);
                }
                return;
            }
        }
    }

    static String firstLine(byte[] b, int len) {
        int e = 0;
        while (e < len && b[e] != '\r' && b[e] != '\n') {
            e++;
        }
        return new String(b, 0, Math.min(e, 200), StandardCharsets.ISO_8859_1);
    }

    /** A tunnel (or, for direct, a plain connection) to the echo server, with a 1-byte echo round trip. */
    static final class Tunnel implements AutoCloseable {
        final Socket s;
        final InputStream in;
        final OutputStream out;

        Tunnel(Target t, int port) throws IOException {
            s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.setSoTimeout(IO_TIMEOUT_MS);
                s.connect(t.direct() ? new InetSocketAddress(LOOPBACK, port) : t.proxy(), CONNECT_TIMEOUT_MS);
                in = s.getInputStream();
                out = s.getOutputStream();
                if (!t.direct()) {
                    out.write(connectRequest(port));
                    expect200(in);
                }
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        void echo() throws IOException {
            out.write('x');
            int r = in.read();
            if (r != 'x') {
                throw new IOException(r < 0 ? "tunnel closed before the echo" : "wrong echo byte");
            }
        }

        @Override
        public void close() {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    static final class Runner {
        final Options o;
        final boolean quick;
        final boolean idleFirst;
        final int echoPort;
        final int bulkPort;
        final long bulkServerPid;
        final List<Target> targets = new ArrayList<>();
        final Results results = new Results();
        final Map<String, String> notes = new LinkedHashMap<>();
        final int latencySamples;
        final double rateSeconds;
        final long bulkBytes;
        final long parallelBytesEach;
        final int parallelStreams = 4;
        final int idleWanted;
        final int[] rateClients = {1, 16, 64};

        Runner(Options o) {
            this.o = o;
            quick = o.has("quick");
            idleFirst = o.has("idle-first");
            echoPort = (int) o.getLong("echo-port", -1);
            bulkPort = (int) o.getLong("bulk-port", -1);
            if (echoPort <= 0 || bulkPort <= 0) {
                throw new IllegalArgumentException("--echo-port and --bulk-port are required");
            }
            bulkServerPid = ProcFs.pidOfListeningPort(bulkPort);
            latencySamples = (int) o.getLong("latency-samples", quick ? 500 : 2000);
            rateSeconds = o.getDouble("rate-seconds", quick ? 2 : 5);
            bulkBytes = o.getLong("bulk-mib", quick ? 512 : 2048) * MIB;
            parallelBytesEach = o.getLong("parallel-mib", quick ? 128 : 512) * MIB;
            idleWanted = (int) o.getLong("idle", quick ? 2000 : 10_000);
            if (bulkBytes > MAX_BULK_BYTES || parallelBytesEach > MAX_BULK_BYTES) {
                throw new IllegalArgumentException("bulk size too large");
            }
            targets.add(new Target("direct", null, -1));
            for (String spec : o.all("proxy")) {
                LoopbackPort proxy = LoopbackPort.parse(spec);
                targets.add(new Target(proxy.name(), proxy.address(), proxy.listenerPid()));
            }
        }

        void run() throws Exception {
            long start = System.nanoTime();
            List<Target> ready = new ArrayList<>();
            for (Target t : targets) {
                System.err.printf("== %s%s%n", t.name(),
                        t.direct() ? " (no proxy)" : " via " + t.proxy().getHostString() + ":" + t.proxy().getPort()
                                + (t.pid() > 0 ? " pid " + t.pid() : " (pid not found: RSS/CPU not measured)"));
                if (!t.direct() && !preflight(t)) {
                    continue;
                }
                results.put(t.name(), "rss_start", ProcFs.statusKb(t.pid(), "VmRSS"));
                if (idleFirst) {
                    idle(t); // on a fresh proxy: RSS without what the other phases left behind
                }
                warmUp(t);
                ready.add(t);
            }
            System.err.println("== set-up latency, all columns interleaved");
            latency(ready);
            for (Target t : ready) {
                System.err.printf("== %s%n", t.name());
                for (int c : rateClients) {
                    rate(t, c);
                }
                bulk(t, 1, bulkBytes, "bulk1");
                bulk(t, parallelStreams, parallelBytesEach, "bulk4");
                if (!idleFirst) {
                    idle(t);
                }
            }
            String table = table();
            System.err.printf("benchmark phases took %.0f s%n", (System.nanoTime() - start) / 1e9);
            Table.writeOrPrint(table, o.get("out", null));
        }

        boolean preflight(Target t) {
            try (Tunnel tu = new Tunnel(t, echoPort)) {
                tu.echo();
                return true;
            } catch (IOException e) {
                notes.put(t.name(), "skipped: first tunnel failed: " + e.getMessage());
                System.err.println("  SKIPPED: first tunnel through " + t.name() + " failed: " + e.getMessage());
                return false;
            }
        }

        void warmUp(Target t) throws Exception {
            double secs = quick ? 1 : 2;
            Progress.log("warm-up: %.0f s of tunnels with 8 clients, one %d MiB transfer (not recorded)", secs, quick ? 128 : 512);
            runRate(t, 8, secs, null);
            transfer(t, 1, (quick ? 128 : 512) * MIB);
        }

        // ---- set-up latency --------------------------------------------------------------------------

        /** Set-ups in blocks of {@link #LATENCY_BLOCK}, the columns taking turns (the order reversed every round). */
        void latency(List<Target> ready) {
            Map<Target, Samples> samples = new LinkedHashMap<>();
            ready.forEach(t -> samples.put(t, new Samples(new long[latencySamples])));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60L * Math.max(1, ready.size()));
            for (int round = 0; round * LATENCY_BLOCK < latencySamples && System.nanoTime() < deadline; round++) {
                List<Target> order = new ArrayList<>(ready);
                if (round % 2 == 1) {
                    Collections.reverse(order);
                }
                int block = Math.min(LATENCY_BLOCK, latencySamples - round * LATENCY_BLOCK);
                for (Target t : order) {
                    setUps(t, block, samples.get(t));
                }
            }
            samples.forEach(this::recordLatency);
        }

        static final int LATENCY_BLOCK = 100;

        /** Latencies measured so far for one column. */
        static final class Samples {
            final long[] nanos;
            int count;
            int errors;

            Samples(long[] nanos) {
                this.nanos = nanos;
            }
        }

        void setUps(Target t, int n, Samples into) {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                try (Tunnel tu = new Tunnel(t, echoPort)) {
                    tu.echo();
                    into.nanos[into.count++] = System.nanoTime() - t0;
                } catch (IOException e) {
                    into.errors++;
                    Sleep.millis(1);
                }
            }
        }

        void recordLatency(Target t, Samples samples) {
            long[] lat = Arrays.copyOf(samples.nanos, samples.count);
            Arrays.sort(lat);
            results.put(t.name(), "lat_p50", Percentiles.of(lat, 50) / 1e3);
            results.put(t.name(), "lat_p99", Percentiles.of(lat, 99) / 1e3);
            results.put(t.name(), "lat_errors", samples.errors);
            Progress.log("set-up latency, %s: %d samples, p50 %.0f us, p99 %.0f us, %d errors", t.name(), lat.length,
                    Percentiles.of(lat, 50) / 1e3, Percentiles.of(lat, 99) / 1e3, samples.errors);
        }

        // ---- tunnels per second ----------------------------------------------------------------------

        record RateResult(long ok, long errors, double seconds, long[] sortedLatency, String firstError) {
        }

        void rate(Target t, int clients) throws Exception {
            long cpu0 = ProcFs.cpuTicks(t.pid());
            RateResult r = runRate(t, clients, rateSeconds, 200_000);
            long cpu1 = ProcFs.cpuTicks(t.pid());
            double perSec = r.ok() / r.seconds();
            results.put(t.name(), "rate_c" + clients, perSec);
            results.put(t.name(), "rate_c" + clients + "_errors", r.errors());
            results.put(t.name(), "rate_c" + clients + "_p99", Percentiles.of(r.sortedLatency(), 99) / 1e3);
            if (cpu0 >= 0 && cpu1 >= 0 && r.ok() > 0) {
                results.put(t.name(), "rate_c" + clients + "_cpu_us", (cpu1 - cpu0) * 10_000.0 / r.ok());
            }
            Progress.log("tunnels/s with %2d client(s): %.0f/s (%d in %.1f s, %d errors%s), p99 %.0f us", clients, perSec,
                    r.ok(), r.seconds(), r.errors(), r.firstError() == null ? "" : ", first: " + r.firstError(),
                    Percentiles.of(r.sortedLatency(), 99) / 1e3);
        }

        RateResult runRate(Target t, int clients, double seconds, Integer maxSamplesPerClient) throws Exception {
            AtomicLong ok = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            AtomicReference<String> firstError = new AtomicReference<>();
            ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            long dur = (long) (seconds * 1e9);
            int cap = maxSamplesPerClient == null ? 0 : Math.max(1, maxSamplesPerClient / clients);
            List<Thread> threads = new ArrayList<>();
            long[] startHolder = new long[1];
            for (int c = 0; c < clients; c++) {
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    long[] mine = new long[cap];
                    int k = 0;
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long deadline = startHolder[0] + dur;
                    long n = 0;
                    long i = 0;
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= deadline) {
                            break;
                        }
                        try (Tunnel tu = new Tunnel(t, echoPort)) {
                            tu.echo();
                            n++;
                            if (cap > 0) {
                                long d = System.nanoTime() - t0;
                                if (k < cap) {
                                    mine[k++] = d;
                                } else {
                                    // reservoir sampling keeps the sample unbiased once the array is full
                                    long j = java.util.concurrent.ThreadLocalRandom.current().nextLong(i + 1);
                                    if (j < cap) {
                                        mine[(int) j] = d;
                                    }
                                }
                                i++;
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                            Sleep.millis(1);
                        }
                    }
                    ok.addAndGet(n);
                    samples.add(Arrays.copyOf(mine, k));
                }));
            }
            startHolder[0] = System.nanoTime();
            go.countDown();
            for (Thread th : threads) {
                th.join(TimeUnit.SECONDS.toMillis((long) seconds + 2L * IO_TIMEOUT_MS / 1000 + 5));
            }
            double elapsed = (System.nanoTime() - startHolder[0]) / 1e9;
            long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            return new RateResult(ok.get(), errors.get(), elapsed, all, firstError.get());
        }

        // ---- bulk throughput ---------------------------------------------------------------------------

        void bulk(Target t, int streams, long bytesEach, String key) throws Exception {
            long cpu0 = ProcFs.cpuTicks(t.pid());
            long[] all0 = {ProcFs.cpuTicks(bulkServerPid), ProcFs.cpuTicks(ProcessHandle.current().pid())};
            double secs = transfer(t, streams, bytesEach);
            long cpu1 = ProcFs.cpuTicks(t.pid());
            long[] all1 = {ProcFs.cpuTicks(bulkServerPid), ProcFs.cpuTicks(ProcessHandle.current().pid())};
            long total = streams * bytesEach;
            double gib = total / (1024.0 * MIB);
            double mibs = Double.isNaN(secs) ? Double.NaN : total / (double) MIB / secs;
            results.put(t.name(), key, mibs);
            if (cpu0 >= 0 && cpu1 >= 0 && !Double.isNaN(secs)) {
                results.put(t.name(), key + "_cpu_ms_per_gib", (cpu1 - cpu0) * 10.0 / gib);
            }
            if (all0[0] >= 0 && all1[0] >= 0 && all0[1] >= 0 && !Double.isNaN(secs)
                    && (t.direct() || cpu0 >= 0 && cpu1 >= 0)) {
                long proxyTicks = t.direct() ? 0 : cpu1 - cpu0;
                double allMsPerGib = (proxyTicks + all1[0] - all0[0] + all1[1] - all0[1]) * 10.0 / gib;
                results.put(t.name(), key + "_all_cpu_ms_per_gib", allMsPerGib);
                // What the machine's cores could move if the server, the load generator and the proxy never waited.
                double ceiling = CORES * 1024.0 / (allMsPerGib / 1000.0);
                results.put(t.name(), key + "_ceiling", ceiling);
                results.put(t.name(), key + "_of_ceiling", mibs / ceiling);
            }
            Progress.log("bulk %d x %d MiB: %.0f MiB/s (%.2f s)", streams, bytesEach / MIB, mibs, secs);
        }

        /** Streams bytesEach from the bulk server through each of `streams` tunnels; returns seconds or NaN. */
        double transfer(Target t, int streams, long bytesEach) throws Exception {
            List<SocketChannel> chans = new ArrayList<>();
            try {
                for (int i = 0; i < streams; i++) {
                    SocketChannel ch = SocketChannel.open();
                    chans.add(ch);
                    ch.socket().setTcpNoDelay(true);
                    ch.socket().connect(t.direct() ? new InetSocketAddress(LOOPBACK, bulkPort) : t.proxy(),
                            CONNECT_TIMEOUT_MS);
                    if (!t.direct()) {
                        ch.write(ByteBuffer.wrap(connectRequest(bulkPort)));
                        expect200(ch);
                    }
                }
            } catch (IOException e) {
                Progress.log("bulk: tunnel set-up failed: %s", e);
                chans.forEach(EgressBench::closeQuietly);
                return Double.NaN;
            }
            // Watchdog: a stalled transfer is cut off (bounded time), at an optimistic 20 MiB/s floor.
            long limitMs = 30_000 + streams * bytesEach / (20 * MIB) * 1000;
            Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(limitMs);
                    chans.forEach(EgressBench::closeQuietly);
                } catch (InterruptedException ignored) {
                    // finished in time
                }
            });
            AtomicInteger failed = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (SocketChannel ch : chans) {
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
                    try {
                        go.await();
                        ByteBuffer req = ByteBuffer.allocate(8).putLong(bytesEach).flip();
                        while (req.hasRemaining()) {
                            ch.write(req);
                        }
                        long got = 0;
                        while (got < bytesEach) {
                            buf.clear();
                            int r = ch.read(buf);
                            if (r < 0) {
                                throw new IOException("EOF after " + got + " bytes");
                            }
                            got += r;
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        Progress.log("bulk stream failed: %s", e);
                    }
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (Thread th : threads) {
                th.join(limitMs + 5_000);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            watchdog.interrupt();
            chans.forEach(EgressBench::closeQuietly);
            return failed.get() == 0 ? secs : Double.NaN;
        }

        // ---- idle tunnels and RSS ------------------------------------------------------------------------

        void idle(Target t) throws Exception {
            int want = idleWanted;
            String capNote = null;
            // Each tunnel costs the proxy two descriptors (client side + upstream side); our own side one.
            if (t.pid() > 0) {
                long lim = ProcFs.fdLimit(t.pid());
                long used = ProcFs.openFds(t.pid());
                if (lim > 0 && used >= 0 && lim != Long.MAX_VALUE) {
                    long fit = (lim - used - 128) / 2; // headroom: proxies keep some fds in reserve
                    if (fit < want) {
                        want = (int) Math.max(0, fit);
                        capNote = String.format("%s: fd limit %d (RLIMIT_NOFILE) fits %d tunnels at 2 fds each", t.name(),
                                lim, want);
                    }
                }
            }
            long selfFit = ProcFs.fdLimit(-1) - ProcFs.openFds(-1) - 64;
            if (ProcFs.fdLimit(-1) > 0 && selfFit < want) {
                want = (int) Math.max(0, selfFit);
                capNote = "load generator fd limit fits " + want;
            }
            if (capNote != null) {
                Progress.log("idle: capped to %d tunnels (%s)", want, capNote);
                notes.put(t.name() + " idle", capNote);
            }
            results.put(t.name(), "idle_wanted", idleWanted);
            long rssBefore = ProcFs.statusKb(t.pid(), "VmRSS");
            ConcurrentLinkedQueue<Tunnel> held = new ConcurrentLinkedQueue<>();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger errors = new AtomicInteger();
            AtomicInteger consecutiveErrors = new AtomicInteger();
            AtomicReference<String> firstError = new AtomicReference<>();
            long openDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(quick ? 60 : 120);
            final int target = want;
            long t0 = System.nanoTime();
            List<Thread> openers = new ArrayList<>();
            for (int w = 0; w < 32; w++) {
                openers.add(Thread.ofPlatform().daemon().start(() -> {
                    while (next.getAndIncrement() < target && System.nanoTime() < openDeadline
                            && consecutiveErrors.get() < 200) {
                        try {
                            Tunnel tu = new Tunnel(t, echoPort);
                            held.add(tu);
                            tu.echo();
                            consecutiveErrors.set(0);
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            consecutiveErrors.incrementAndGet();
                            firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                            Sleep.millis(5);
                        }
                    }
                }));
            }
            for (Thread th : openers) {
                th.join(TimeUnit.SECONDS.toMillis(180));
            }
            double openSecs = (System.nanoTime() - t0) / 1e9;
            Sleep.millis(2000); // let the proxy settle (lazy buffers, GC) before reading RSS
            long rssHeld = ProcFs.statusKb(t.pid(), "VmRSS");
            long hwm = ProcFs.statusKb(t.pid(), "VmHWM");
            // Every held tunnel must still carry a byte both ways.
            List<Tunnel> list = new ArrayList<>(held);
            AtomicInteger alive = new AtomicInteger();
            List<Thread> pingers = new ArrayList<>();
            int workers = 8;
            long pingDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int w = 0; w < workers; w++) {
                final int wi = w;
                pingers.add(Thread.ofPlatform().daemon().start(() -> {
                    for (int i = wi; i < list.size() && System.nanoTime() < pingDeadline; i += workers) {
                        try {
                            list.get(i).echo();
                            alive.incrementAndGet();
                        } catch (IOException ignored) {
                            // counted as not alive
                        }
                    }
                }));
            }
            for (Thread th : pingers) {
                th.join(TimeUnit.SECONDS.toMillis(90));
            }
            list.forEach(Tunnel::close);
            held.clear();
            Sleep.millis(1500); // let the proxy tear down before the next target
            long rssAfter = ProcFs.statusKb(t.pid(), "VmRSS");
            results.put(t.name(), "idle_held", alive.get());
            results.put(t.name(), "idle_open_rate", alive.get() / openSecs);
            if (t.pid() > 0) {
                results.put(t.name(), "rss_before_idle", rssBefore);
                results.put(t.name(), "rss_idle", rssHeld);
                results.put(t.name(), "rss_hwm", hwm);
                results.put(t.name(), "rss_after_idle", rssAfter);
                if (alive.get() > 0) {
                    double perTunnelKb = (rssHeld - rssBefore) / (double) alive.get();
                    results.put(t.name(), "rss_per_tunnel_kb", perTunnelKb);
                    results.put(t.name(), "rss_idle_at_10k", rssHeld + (RSS_TARGET_TUNNELS - alive.get()) * Math.max(0, perTunnelKb));
                }
            }
            Progress.log("idle: %d of %d tunnels held and echoing (opened in %.1f s, %d errors%s); proxy RSS %s -> %s kB (peak %s kB), after close %s kB",
                    alive.get(), want, openSecs, errors.get(),
                    firstError.get() == null ? "" : ", first: " + firstError.get(), fmtKb(rssBefore), fmtKb(rssHeld),
                    fmtKb(hwm), fmtKb(rssAfter));
        }

        static String fmtKb(long kb) {
            return kb < 0 ? "n/a" : Long.toString(kb);
        }

        // ---- table -------------------------------------------------------------------------------------

        boolean allHeld() {
            for (Target t : targets) {
                Double held = results.get(t.name(), "idle_held");
                if (!t.direct() && held != null && held < RSS_TARGET_TUNNELS) {
                    return false;
                }
            }
            return true;
        }

        String table() {
            List<String> cols = new ArrayList<>();
            for (Target t : targets) {
                cols.add(t.name());
            }

            List<Row> spec = new ArrayList<>();
            spec.add(new Row("set-up latency p50", "lat_p50", "us", 0, "latency"));
            spec.add(new Row("set-up latency p99", "lat_p99", "us", 0, null));
            spec.add(new Row("tunnels/s, 1 client", "rate_c1", "/s", 0, "rate"));
            spec.add(new Row("tunnels/s, 16 clients", "rate_c16", "/s", 0, "rate"));
            spec.add(new Row("tunnels/s, 64 clients", "rate_c64", "/s", 0, "rate"));
            spec.add(new Row("set-up p99 @64 clients", "rate_c64_p99", "us", 0, null));
            spec.add(new Row("proxy CPU per tunnel @64", "rate_c64_cpu_us", "us", 0, null));
            spec.add(new Row("throughput, 1 tunnel " + bulkBytes / MIB + " MiB", "bulk1", "MiB/s", 0, "tput"));
            spec.add(new Row("throughput, 4 tunnels x " + parallelBytesEach / MIB + " MiB", "bulk4", "MiB/s", 0, "tput"));
            spec.add(new Row("proxy CPU per GiB, 1 tunnel", "bulk1_cpu_ms_per_gib", "ms", 0, null));
            spec.add(new Row("all CPU per GiB, 1 tunnel", "bulk1_all_cpu_ms_per_gib", "ms", 0, null));
            spec.add(new Row("CPU ceiling, 1 tunnel, " + CORES + " cores", "bulk1_ceiling", "MiB/s", 0, null));
            spec.add(new Row("1 tunnel's share of its ceiling", "bulk1_of_ceiling", "", 2, null));
            spec.add(new Row("idle tunnels held (of " + idleWanted + ")", "idle_held", "", 0, null));
            spec.add(new Row("proxy RSS at start", "rss_start", "MB", 1, null));
            spec.add(new Row(idleFirst ? "proxy RSS before idle phase (run first)" : "proxy RSS before idle phase",
                    "rss_before_idle", "MB", 1, null));
            spec.add(new Row("proxy RSS holding idle tunnels", "rss_idle", "MB", 1, null));
            spec.add(new Row("proxy RSS per idle tunnel", "rss_per_tunnel_kb", "KiB", 1, null));
            spec.add(new Row(idleWanted >= RSS_TARGET_TUNNELS && allHeld() ? "proxy RSS at 10,000 idle tunnels"
                    : "proxy RSS at 10,000 idle (projected)", "rss_idle_at_10k", "MB", 1, "rss"));
            spec.add(new Row("proxy peak RSS (VmHWM)", "rss_hwm", "MB", 1, null));

            // The main comparison is clincher vs direct and squid; the names are what bench/egress/run passes.
            StringBuilder sb = new StringBuilder(ProxyComparison.grid(results, cols, "squid", spec, Runner::verdict));
            sb.append('\n');
            sb.append("""
                    set-up = TCP connect to the proxy (or, for direct, to the echo server), CONNECT sent, the whole 200
                    response head read, then 1 byte written and echoed back through the tunnel; close not included.
                    MB = 1,000,000 bytes (VmRSS kB / 1000); MiB/s = 2^20 bytes per second; proxy CPU = utime+stime.
                    all CPU = proxy + bulk server + load generator (the machine's whole cost of moving the bytes);
                    CPU ceiling = cores / all CPU per GiB: the rate if none of the three ever waited for the others.
                    """);
            for (Map.Entry<String, String> n : notes.entrySet()) {
                sb.append("note: ").append(n.getKey()).append(": ").append(n.getValue()).append('\n');
            }
            for (Target t : targets) {
                for (String k : List.of("lat_errors", "rate_c1_errors", "rate_c16_errors", "rate_c64_errors")) {
                    Double v = results.get(t.name(), k);
                    if (v != null && v > 0) {
                        sb.append(String.format(Locale.ROOT, "note: %s: %s = %.0f failed tunnels%n", t.name(), k, v));
                    }
                }
            }
            return sb.toString();
        }

        static String verdict(Row row, Double ca, Double cd, Double cb) {
            String rule = row.rule();
            if (rule == null) {
                return "";
            }
            return switch (rule) {
                case "tput" -> ca == null || cd == null ? ">= 0.80x direct"
                        : (ca / cd >= 0.8 ? "PASS" : "FAIL") + " (>= 0.80x direct)";
                case "rate" -> ca == null || cb == null ? ">= squid"
                        : (ca / cb >= 1.0 ? "PASS" : "FAIL") + " (>= squid)";
                case "latency" -> ca == null || cb == null ? "<= squid"
                        : (ca / cb <= 1.0 ? "PASS" : "FAIL") + " (<= squid)";
                case "rss" -> ca == null ? "<= 300 MB at 10,000"
                        : (ca / 1000.0 <= 300.0 ? "PASS" : "FAIL") + " (<= 300 MB at 10,000)";
                default -> "";
            };
        }

    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing to do
        }
    }

}
