package ai.temper.app.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain text table for stdout: aligned columns, one header line. */
public final class Table {
  private final String[] header;
  private final List<String[]> rows = new ArrayList<>();

  public Table(String... header) {
    this.header = header;
  }

  public Table add(Object... cells) {
    String[] row = new String[header.length];
    for (int i = 0; i < row.length; i++) {
      Object c = i < cells.length ? cells[i] : null;
      row[i] = c == null ? "-" : c.toString().replace('\n', ' ');
    }
    rows.add(row);
    return this;
  }

  public int size() {
    return rows.size();
  }

  public void print(PrintStream out) {
    int[] width = new int[header.length];
    for (int i = 0; i < header.length; i++) {
      width[i] = header[i].length();
    }
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], Math.min(r[i].length(), 60));
      }
    }
    out.println(line(header, width));
    for (String[] r : rows) {
      out.println(line(r, width));
    }
  }

  private static String line(String[] cells, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String c = cells[i].length() > 60 ? cells[i].substring(0, 57) + "..." : cells[i];
      sb.append(c);
      if (i < cells.length - 1) {
        char[] pad = new char[width[i] - c.length() + 2];
        Arrays.fill(pad, ' ');
        sb.append(pad);
      }
    }
    return sb.toString().stripTrailing();
  }
}
