package dev.clincher.app.manage;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Rows of text printed for people, as an aligned table, or for programs, as CSV. Cells may hold text an attacker
 * chose (a team's or an end user's id, a model name), so each output neutralises what could act on its reader:
 * <ul>
 *   <li>the table replaces control and format characters (terminal escape sequences, bidi overrides) with {@code ?}
 *       and shows an empty cell as {@code -};
 *   <li>CSV follows RFC 4180 (CRLF line ends; a field with a comma, a quote, CR or LF is quoted, quotes doubled) and
 *       puts a {@code '} before a cell that begins with {@code =}, {@code +}, {@code -}, {@code @}, tab or CR, so no
 *       spreadsheet takes it for a formula.
 * </ul>
 */
final class Table {
  /**
   * A column.
   *
   * @param name    its header
   * @param number  right-aligned, decimals aligned on the point (padded with zeros to the column's longest fraction)
   * @param inTable shown in the table too (else only in CSV, to keep the table narrow)
   */
  record Column(String name, boolean number, boolean inTable) {
    static Column text(String name) {
      return new Column(name, false, true);
    }

    static Column number(String name) {
      return new Column(name, true, true);
    }

    Column csvOnly() {
      return new Column(name, number, false);
    }
  }

  private static final String GAP = "  ";

  private final List<Column> columns;
  private final List<List<String>> rows = new ArrayList<>();
  private Optional<List<String>> total = Optional.empty();

  Table(List<Column> columns) {
    this.columns = List.copyOf(columns);
  }

  /** A row: one cell per column. */
  void add(List<String> cells) {
    rows.add(checked(cells));
  }

  /**
   * The total row, shown under a rule at the end of the table, its empty cells blank (not in CSV, which holds only the
   * rows).
   */
  void total(List<String> cells) {
    total = Optional.of(checked(cells));
  }

  private List<String> checked(List<String> cells) {
    if (cells.size() != columns.size()) {
      throw new IllegalArgumentException(columns.size() + " cells expected, got " + cells.size());
    }
    cells.forEach(cell -> Objects.requireNonNull(cell, "cell"));
    return List.copyOf(cells);
  }

  /** The table for people: a header, the rows, and the total under a rule. */
  void printAligned(PrintWriter out) {
    List<Integer> shown = new ArrayList<>();
    for (int c = 0; c < columns.size(); c++) {
      if (columns.get(c).inTable()) {
        shown.add(c);
      }
    }
    List<List<String>> all = new ArrayList<>(rows);
    total.ifPresent(all::add);
    int[] fractions = new int[columns.size()];
    int[] widths = new int[columns.size()];
    for (int c : shown) {
      for (List<String> row : all) {
        fractions[c] = Math.max(fractions[c], columns.get(c).number() ? fraction(row.get(c)) : 0);
      }
      widths[c] = width(columns.get(c).name());
      for (List<String> row : all) {
        widths[c] = Math.max(widths[c], width(shown(row.get(c), columns.get(c), fractions[c])));
      }
    }
    List<String> header = columns.stream().map(Column::name).toList();
    line(out, shown, widths, c -> header.get(c));
    for (List<String> row : rows) {
      line(out, shown, widths, c -> shown(row.get(c), columns.get(c), fractions[c]));
    }
    total.ifPresent(row -> {
      int rule = shown.stream().mapToInt(c -> widths[c]).sum() + GAP.length() * (shown.size() - 1);
      out.println("-".repeat(rule));
      line(out, shown, widths, c -> row.get(c).isEmpty() ? "" : shown(row.get(c), columns.get(c), fractions[c]));
    });
    out.flush();
  }

  private void line(PrintWriter out, List<Integer> shown, int[] widths, java.util.function.IntFunction<String> cell) {
    List<String> cells = new ArrayList<>();
    for (int c : shown) {
      String text = cell.apply(c);
      String padding = " ".repeat(widths[c] - width(text));
      cells.add(columns.get(c).number() ? padding + text : text + padding);
    }
    out.println(String.join(GAP, cells).stripTrailing());
  }

  /** RFC 4180 CSV: the header and the rows, CRLF after each. */
  void printCsv(PrintWriter out) {
    out.print(csvLine(columns.stream().map(Column::name).toList()));
    for (List<String> row : rows) {
      out.print(csvLine(row));
    }
    out.flush();
  }

  static String csvLine(List<String> cells) {
    return String.join(",", cells.stream().map(Table::csvField).toList()) + "\r\n";
  }

  /** One CSV field: a would-be formula defused, then quoted when RFC 4180 requires it. */
  static String csvField(String cell) {
    String text = !cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0 ? "'" + cell : cell;
    if (text.contains(",") || text.contains("\"") || text.contains("\r") || text.contains("\n")) {
      return "\"" + text.replace("\"", "\"\"") + "\"";
    }
    return text;
  }

  private static String shown(String cell, Column column, int fraction) {
    if (cell.isEmpty()) {
      return "-";
    }
    if (column.number() && fraction > fraction(cell)) {
      return cell + (cell.indexOf('.') < 0 ? "." : "") + "0".repeat(fraction - fraction(cell));
    }
    return printable(cell);
  }

  /** {@code text} with every control or format character (ESC, CR, bidi overrides, zero-width ones) as {@code ?}. */
  static String printable(String text) {
    StringBuilder shown = new StringBuilder(text.length());
    text.codePoints().forEach(point -> {
      if (Character.isISOControl(point) || Character.getType(point) == Character.FORMAT) {
        shown.append('?');
      } else {
        shown.appendCodePoint(point);
      }
    });
    return shown.toString();
  }

  private static int fraction(String number) {
    int dot = number.indexOf('.');
    return dot < 0 ? 0 : number.length() - dot - 1;
  }

  private static int width(String text) {
    return text.codePointCount(0, text.length());
  }
}
