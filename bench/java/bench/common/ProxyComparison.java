package bench.common;

import java.util.ArrayList;
import java.util.List;

/**
 * The table of a proxy benchmark: a column per target (direct, clincher, the peer proxy), then clincher/direct,
 * clincher/peer and whether clincher meets its target.
 */
public final class ProxyComparison {
    public static final String CLINCHER = "clincher";
    public static final String DIRECT = "direct";

    /** How clincher's figure is judged against direct's and the peer's (each null when not measured). */
    public interface Verdict {
        String of(Row row, Double clincher, Double direct, Double peer);
    }

    private ProxyComparison() {}

    /** The header, a rule and a line per row; {@code columns} are the targets in the order they ran. */
    public static String grid(Results results, List<String> columns, String peer, List<Row> rows, Verdict verdict) {
        List<String> header = new ArrayList<>(List.of("metric"));
        header.addAll(columns);
        header.addAll(List.of(CLINCHER + "/" + DIRECT, CLINCHER + "/" + peer, "target"));
        List<String[]> lines = new ArrayList<>();
        for (Row r : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(r.heading());
            for (String column : columns) {
                cells.add(r.cell(results.get(column, r.metric())));
            }
            Double clincher = results.get(CLINCHER, r.metric());
            Double direct = results.get(DIRECT, r.metric());
            Double other = results.get(peer, r.metric());
            cells.add(Table.ratio(clincher, direct));
            cells.add(Table.ratio(clincher, other));
            cells.add(verdict.of(r, clincher, direct, other));
            lines.add(cells.toArray(String[]::new));
        }
        return Table.grid(header, lines);
    }
}
