package bench.common;

/** Searching raw protocol bytes. */
public final class Bytes {
    private Bytes() {}

    /** Where {@code pattern} starts in {@code b[from, to)}, or -1. */
    public static int indexOf(byte[] b, int from, int to, byte[] pattern) {
        outer:
        for (int i = Math.max(0, from); i + pattern.length <= to; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (b[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
