package bench.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The result table every harness prints: a header, a rule and the rows, each column as wide as its widest cell,
 * the first and last column left-aligned and the figures between them right-aligned.
 */
public final class Table {
    private Table() {}

    /** The header, a rule and the rows. */
    public static String grid(List<String> header, List<String[]> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (String[] row : rows) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(line(header.toArray(String[]::new), w));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            rule.append("-".repeat(w[i])).append(i + 1 < w.length ? "-+-" : "");
        }
        sb.append(rule.toString().stripTrailing()).append('\n');
        for (String[] row : rows) {
            sb.append(line(row, w));
        }
        return sb.toString();
    }

    private static String line(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            sb.append(i == 0 || i == cells.length - 1 ? String.format("%-" + w[i] + "s", c)
                    : String.format("%" + w[i] + "s", c));
            if (i + 1 < cells.length) {
                sb.append(" | ");
            }
        }
        return sb.toString().stripTrailing() + "\n";
    }

    /** Writes the table to {@code outFile}, or prints it when there is none. */
    public static void writeOrPrint(String table, String outFile) throws IOException {
        if (outFile != null) {
            Files.writeString(Path.of(outFile), table);
        } else {
            System.out.print(table);
        }
    }

    /** A figure with thousands separators and {@code decimals} places. */
    public static String number(double v, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    /** {@code a / b} as {@code 1.23x}, or {@code -} when either is unknown (null or NaN) or b is not positive. */
    public static String ratio(Double a, Double b) {
        return a != null && b != null && !a.isNaN() && !b.isNaN() && b > 0
                ? String.format(Locale.ROOT, "%.2fx", a / b) : "-";
    }
}
