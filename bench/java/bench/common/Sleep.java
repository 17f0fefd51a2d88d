package bench.common;

/** Pauses that keep the thread's interrupt instead of throwing. */
public final class Sleep {
    private Sleep() {}

    public static void millis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
