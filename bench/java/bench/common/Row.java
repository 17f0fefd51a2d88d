package bench.common;

/**
 * One line of a result table.
 *
 * @param label    what was measured
 * @param metric   the key the figure is stored under
 * @param unit     shown after the label; {@code MB} rows hold kB figures (VmRSS) and show them / 1000
 * @param decimals places shown
 * @param rule     the harness's name for the target this figure is judged by, or null
 */
public record Row(String label, String metric, String unit, int decimals, String rule) {

    /** The label with its unit. */
    public String heading() {
        return unit.isEmpty() ? label : label + " (" + unit + ")";
    }

    /** The figure as shown, or {@code -} when not measured (null, NaN or negative). */
    public String cell(Double v) {
        return v == null || v.isNaN() || v < 0 ? "-" : Table.number(unit.equals("MB") ? v / 1000.0 : v, decimals);
    }
}
