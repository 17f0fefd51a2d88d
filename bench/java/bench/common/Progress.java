package bench.common;

/** Progress lines on stderr (stdout carries the table). */
public final class Progress {
    private Progress() {}

    /** One indented line under the current target's heading. */
    public static void log(String format, Object... args) {
        System.err.printf("  " + format + "%n", args);
    }
}
