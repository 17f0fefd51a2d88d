package bench.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What Linux's /proc tells about a process under test: its pid from its port, its CPU time, RSS and descriptors. */
public final class ProcFs {
    private ProcFs() {}

    /** The pid of the process holding the listening socket of 127.0.0.1:port (or *:port), or -1. */
    public static long pidOfListeningPort(int port) {
        List<String> inodes = listeningInodes(port);
        if (inodes.isEmpty()) {
            return -1;
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit) && holdsSocket(proc, inodes)) {
                    return Long.parseLong(name);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** The inodes of the sockets listening on the port, from /proc/net/tcp and tcp6. */
    private static List<String> listeningInodes(int port) {
        String portHex = String.format("%04X", port);
        List<String> inodes = new ArrayList<>();
        for (String f : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(f))) {
                    String[] p = line.trim().split("\\s+");
                    if (p.length > 9 && p[1].endsWith(":" + portHex) && p[3].equals("0A")) {
                        inodes.add(p[9]);
                    }
                }
            } catch (IOException ignored) {
                // no such table
            }
        }
        return inodes;
    }

    private static boolean holdsSocket(Path proc, List<String> inodes) {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    for (String inode : inodes) {
                        if (target.equals("socket:[" + inode + "]")) {
                            return true;
                        }
                    }
                } catch (IOException ignored) {
                    // fd closed meanwhile
                }
            }
        } catch (IOException | UncheckedIOException ignored) {
            // process gone or not ours
        }
        return false;
    }

    /** A field of /proc/PID/status in kB (VmRSS, VmHWM), or -1. */
    public static long statusKb(long pid, String field) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // process gone
        }
        return -1;
    }

    /** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux), or -1. */
    public static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            return ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime of the JIT compiler threads (C1, C2) of a JVM, in clock ticks, or -1. */
    public static long compilerTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        long ticks = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String comm = Files.readString(task.resolve("comm")).trim();
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                    ticks += ticks(Files.readString(task.resolve("stat")));
                }
            }
            return ticks;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime from the text of a stat file (fields 14 and 15, counted after the command's parenthesis). */
    private static long ticks(String stat) {
        String[] p = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(p[11]) + Long.parseLong(p[12]);
    }

    /** Open file descriptors of a process (this one when pid <= 0), or -1. */
    public static long openFds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + (pid <= 0 ? "self" : pid) + "/fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Soft RLIMIT_NOFILE of a process (this one when pid <= 0), or -1. */
    public static long fdLimit(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + (pid <= 0 ? "self" : pid) + "/limits"))) {
                if (line.startsWith("Max open files")) {
                    String v = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // unknown
        }
        return -1;
    }
}
