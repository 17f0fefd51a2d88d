package bench.common;

import java.net.InetSocketAddress;

/**
 * A named proxy under test, from {@code NAME=127.0.0.1:PORT}: the harnesses only ever reach loopback.
 *
 * @param name the table column
 * @param port the port it listens on at 127.0.0.1
 */
public record LoopbackPort(String name, int port) {
    public static final String LOOPBACK = "127.0.0.1";

    public static LoopbackPort parse(String spec) {
        int eq = spec.indexOf('=');
        String address = spec.substring(eq + 1);
        int colon = address.lastIndexOf(':');
        if (!address.substring(0, colon).equals(LOOPBACK)) {
            throw new IllegalArgumentException("proxies must listen on 127.0.0.1: " + spec);
        }
        return new LoopbackPort(spec.substring(0, eq), Integer.parseInt(address.substring(colon + 1)));
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /** The pid of the process listening there, or -1 (then no CPU or RSS figures). */
    public long listenerPid() {
        return ProcFs.pidOfListeningPort(port);
    }
}
