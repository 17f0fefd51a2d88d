package bench.common;

import java.util.LinkedHashMap;
import java.util.Map;

/** The figures measured per column of the table (a proxy, or direct) and metric; -1 and NaN mean "not measured". */
public final class Results {
    private final Map<String, Map<String, Double>> byColumn = new LinkedHashMap<>();

    public void put(String column, String metric, double value) {
        byColumn.computeIfAbsent(column, k -> new LinkedHashMap<>()).put(metric, value);
    }

    /** The figure, or null when it was not measured. */
    public Double get(String column, String metric) {
        Map<String, Double> m = byColumn.get(column);
        if (m == null) {
            return null;
        }
        Double v = m.get(metric);
        return v == null || v.isNaN() || v < 0 ? null : v;
    }
}
