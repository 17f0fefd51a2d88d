package bench.common;

/** Nearest-rank percentiles of sorted samples; NaN when there are none. */
public final class Percentiles {
    private Percentiles() {}

    /** The p-th percentile (0 < p <= 100) of ascending values. */
    public static double of(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[rank(sorted.length, p)];
    }

    /** The p-th percentile (0 < p <= 100) of ascending values. */
    public static double of(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[rank(sorted.length, p)];
    }

    private static int rank(int count, double p) {
        int i = (int) Math.ceil(p / 100.0 * count) - 1;
        return Math.max(0, Math.min(count - 1, i));
    }
}
