package ai.temper.engine.data;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads the records of a source file one at a time, whatever its container: JSON Lines, a JSON
 * array, plain text, Parquet or CSV (both read by DuckDB), Arrow IPC streams and files, and
 * Hugging Face {@code save_to_disk} folders (their Arrow files, in order); gzip-compressed or
 * not (recognised by magic bytes).
 */
abstract class RowSource implements Closeable {
  static final ObjectMapper JSON = Json.MAPPER;

  /** How the records are laid out in the file. */
  enum Container { JSONL, JSON_ARRAY, TEXT, PARQUET, CSV, ARROW }

  /** The next record, or null at the end. */
  abstract SourceRow next() throws IOException;

  /** How much of the file has been read, in [0, 1]. */
  abstract double fraction();

  /** "line" for text containers, "row" for Parquet. */
  String unit() {
    return "line";
  }

  /** Opens {@code file}; {@code format} only decides between text and JSON for text files. */
  static RowSource open(Path file, DataFormat format) throws IOException {
    if (Files.isDirectory(file)) {
      List<Path> parts = hfDataFiles(file);
      List<JsonNode> rows = new ArrayList<>();
      for (Path part : parts) {
        rows.addAll(ArrowIpc.read(part));
      }
      return new InMemory(rows);
    }
    Container c = container(file, format);
    if (c == Container.ARROW) {
      return new InMemory(new ArrayList<>(ArrowIpc.read(file)));
    }
    if (c == Container.PARQUET || c == Container.CSV) {
      return new Parquet(file, c);
    }
    CountingStream counted = new CountingStream(Files.newInputStream(file));
    long size = Math.max(1, Files.size(file));
    InputStream in = new BufferedInputStream(counted, 1 << 16);
    if (isGzip(file)) {
      in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return switch (c) {
      case JSONL -> new JsonLines(new Utf8Lines(in), counted, size);
      // Jackson reads the bytes itself and refuses invalid UTF-8 with the byte offset
      case JSON_ARRAY -> new JsonArray(in, counted, size);
      case TEXT -> new TextDocuments(new Utf8Lines(in), counted, size,
          containsEot(head(file, 1 << 20, true)));
      default -> throw new IllegalStateException();
    };
  }

  static Container container(Path file, DataFormat format) throws IOException {
    byte[] magic = head(file, 4, false);
    if (magic.length == 4 && magic[0] == 'P' && magic[1] == 'A' && magic[2] == 'R'
        && magic[3] == '1') {
      return Container.PARQUET;
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0xff && (magic[1] & 0xff) == 0xff
        && (magic[2] & 0xff) == 0xff && (magic[3] & 0xff) == 0xff
        || new String(head(file, 6, false), StandardCharsets.US_ASCII).equals("ARROW1")) {
      return Container.ARROW;
    }
    if (format == DataFormat.PARQUET) {
      throw new TemperException(file + " is not a Parquet file (it does not start with PAR1)");
    }
    String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (format == DataFormat.CSV || lower.endsWith(".csv") || lower.endsWith(".tsv")
        || lower.endsWith(".csv.gz") || lower.endsWith(".tsv.gz")) {
      return Container.CSV;
    }
    String start = new String(head(file, 4096, true), StandardCharsets.UTF_8).stripLeading();
    if (start.startsWith("\uFEFF")) {
      start = start.substring(1).stripLeading();
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("\\.gz$", "");
    boolean textName = name.endsWith(".txt") || name.endsWith(".text") || name.endsWith(".md");
    if (start.startsWith("[")) {
      return format == DataFormat.TEXT && textName ? Container.TEXT : Container.JSON_ARRAY;
    }
    if (start.startsWith("{")) {
      return Container.JSONL;
    }
    if (format == DataFormat.TEXT || format == DataFormat.AUTO && textName) {
      return Container.TEXT;
    }
    return Container.JSONL;
  }

  /**
   * The Arrow files of a Hugging Face {@code save_to_disk} folder, in order: those its
   * {@code state.json} lists ({@code _data_files}); for a DatasetDict folder
   * ({@code dataset_dict.json}) those of its {@code train} split, else of its first split.
   */
  static List<Path> hfDataFiles(Path dir) throws IOException {
    Path dict = dir.resolve("dataset_dict.json");
    if (Files.isRegularFile(dict)) {
      JsonNode splits = JSON.readTree(dict.toFile()).path("splits");
      String split = null;
      for (JsonNode sp : splits) {
        if (split == null || sp.asText().equals("train")) {
          split = sp.asText();
        }
      }
      if (split == null) {
        throw new TemperException(dict + " lists no splits");
      }
      return hfDataFiles(dir.resolve(split));
    }
    Path state = dir.resolve("state.json");
    if (!Files.isRegularFile(state)) {
      throw new TemperException(dir + " is a folder but not a Hugging Face dataset saved with "
          + "save_to_disk (it has no state.json or dataset_dict.json)");
    }
    List<Path> out = new ArrayList<>();
    for (JsonNode f : JSON.readTree(state.toFile()).path("_data_files")) {
      Path p = dir.resolve(f.path("filename").asText());
      if (!p.normalize().startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
        throw new TemperException(state + " names a data file that is not in the folder: "
            + f.path("filename").asText());
      }
      out.add(p);
    }
    if (out.isEmpty()) {
      throw new TemperException(state + " lists no data files");
    }
    return out;
  }

  /** Rows already in memory (Arrow data is read whole). */
  static final class InMemory extends RowSource {
    private final List<JsonNode> rows;
    private int next;

    InMemory(List<? extends JsonNode> rows) {
      this.rows = new ArrayList<>(rows);
    }

    @Override
    SourceRow next() {
      if (next >= rows.size()) {
        return null;
      }
      JsonNode n = rows.get(next);
      rows.set(next, null);
      next++;
      Parquet.dropStructPadding(n, false);
      return new SourceRow(next, n, null);
    }

    @Override
    double fraction() {
      return rows.isEmpty() ? 1 : next / (double) rows.size();
    }

    @Override
    String unit() {
      return "row";
    }

    @Override
    public void close() {
      rows.clear();
    }
  }

  static boolean isGzip(Path file) throws IOException {
    byte[] m = head(file, 2, false);
    return m.length == 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b;
  }

  /** The first {@code n} bytes of the file, decompressed when asked and gzipped. */
  private static byte[] head(Path file, int n, boolean decompress) throws IOException {
    boolean gz = decompress && isGzip(file);
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = gz ? new GZIPInputStream(raw) : raw) {
      return in.readNBytes(n);
    } catch (java.io.EOFException truncated) {
      return new byte[0];
    }
  }

  private static boolean containsEot(byte[] head) {
    return new String(head, StandardCharsets.ISO_8859_1).contains(TextDocuments.EOT);
  }

  static String jsonError(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m != null && m.startsWith("Invalid UTF-8") && e.getLocation() != null) {
      int nl = m.indexOf('\n');
      return "invalid UTF-8 at byte offset " + e.getLocation().getByteOffset() + " ("
          + (nl < 0 ? m : m.substring(0, nl)) + ")";
    }
    int nl = m == null ? -1 : m.indexOf('\n');
    return "invalid JSON: " + (nl < 0 ? m : m.substring(0, nl));
  }

  /** Counts the raw bytes read, for progress. */
  static final class CountingStream extends FilterInputStream {
    volatile long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }

  /** One JSON object per line; blank lines are skipped. */
  static final class JsonLines extends RowSource {
    private final Utf8Lines reader;
    private final CountingStream counted;
    private final long size;

    JsonLines(Utf8Lines reader, CountingStream counted, long size) {
      this.reader = reader;
      this.counted = counted;
      this.size = size;
    }

    @Override
    SourceRow next() throws IOException {
      Utf8Lines.Line l;
      while ((l = reader.next()) != null) {
        long line = l.number();
        if (l.error() != null) {
          return new SourceRow(line, null, l.error());
        }
        String s = l.text();
        if (line == 1 && s.startsWith("\uFEFF")) {
          s = s.substring(1);
        }
        if (s.isBlank()) {
          continue;
        }
        try {
          JsonNode node = JSON.readTree(s);
          if (!node.isObject()) {
            return new SourceRow(line, null, "expected a JSON object, found "
                + Rows.typeName(node));
          }
          return new SourceRow(line, node, null);
        } catch (JsonProcessingException e) {
          return new SourceRow(line, null, jsonError(e));
        }
      }
      return null;
    }

    @Override
    double fraction() {
      return Math.min(1, counted.count / (double) size);
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  /** A JSON array of objects; each record's line is where its object starts. */
  static final class JsonArray extends RowSource {
    private final JsonParser parser;
    private final CountingStream counted;
    private final long size;
    private boolean started;
    private boolean broken;

    JsonArray(InputStream in, CountingStream counted, long size) throws IOException {
      this.parser = JSON.getFactory().createParser(in);
      this.counted = counted;
      this.size = size;
    }

    @Override
    SourceRow next() throws IOException {
      if (broken) {
        return null;
      }
      try {
        if (!started) {
          started = true;
          if (parser.nextToken() != JsonToken.START_ARRAY) {
            broken = true;
            return new SourceRow(parser.currentLocation().getLineNr(), null,
                "expected a JSON array of records");
          }
        }
        JsonToken t = parser.nextToken();
        if (t == null || t == JsonToken.END_ARRAY) {
          return null;
        }
        long line = parser.currentTokenLocation().getLineNr();
        JsonNode node = JSON.readTree(parser);
        if (!node.isObject()) {
          return new SourceRow(line, null, "expected a JSON object, found "
              + Rows.typeName(node));
        }
        return new SourceRow(line, node, null);
      } catch (JsonProcessingException e) {
        // the rest of an array cannot be read past a syntax error
        broken = true;
        return new SourceRow(e.getLocation() == null ? -1 : e.getLocation().getLineNr(), null,
            jsonError(e) + " (the rest of the file was not read)");
      }
    }

    @Override
    double fraction() {
      return Math.min(1, counted.count / (double) size);
    }

    @Override
    public void close() throws IOException {
      parser.close();
    }
  }

  /**
   * Plain text: documents separated by lines holding only {@code <|endoftext|>} when the
   * file uses that marker, else by blank lines. Each becomes a {@code {"text"}} record.
   */
  static final class TextDocuments extends RowSource {
    static final String EOT = "<|endoftext|>";
    private final Utf8Lines reader;
    private final CountingStream counted;
    private final long size;
    private final boolean eotSeparated;
    private long line;
    private String pending;
    /** A malformed line: the document it falls in is refused, reported at that line. */
    private Utf8Lines.Line broken;

    TextDocuments(Utf8Lines reader, CountingStream counted, long size, boolean eotSeparated) {
      this.reader = reader;
      this.counted = counted;
      this.size = size;
      this.eotSeparated = eotSeparated;
    }

    private String readLine() throws IOException {
      Utf8Lines.Line l = reader.next();
      if (l == null) {
        return null;
      }
      if (l.error() != null) {
        if (broken == null) {
          broken = l;
        }
        return "\u0000"; // a non-blank stand-in: the document goes on to its end
      }
      return l.text();
    }

    @Override
    SourceRow next() throws IOException {
      StringBuilder doc = new StringBuilder();
      long startLine = -1;
      String s;
      while ((s = pending != null ? pending : readLine()) != null) {
        pending = null;
        line++;
        if (line == 1 && s.startsWith("\uFEFF")) {
          s = s.substring(1);
        }
        boolean separator = eotSeparated ? s.strip().equals(EOT) : s.isBlank();
        if (eotSeparated && !separator && s.contains(EOT)) {
          // a marker inside a line ends the document there
          int at = s.indexOf(EOT);
          String before = s.substring(0, at);
          pending = s.substring(at + EOT.length());
          line--;
          if (!before.isBlank() || doc.length() > 0) {
            if (startLine < 0) {
              startLine = line + 1;
            }
            doc.append(doc.length() > 0 ? "\n" : "").append(before);
          }
          if (doc.length() > 0) {
            return text(startLine, doc);
          }
          continue;
        }
        if (separator) {
          if (doc.length() > 0) {
            return text(startLine, doc);
          }
          continue;
        }
        if (startLine < 0) {
          startLine = line;
          doc.append(s);
        } else {
          doc.append('\n').append(s);
        }
      }
      return doc.length() > 0 ? text(startLine, doc) : null;
    }

    private SourceRow text(long line, StringBuilder doc) {
      if (broken != null) {
        Utf8Lines.Line b = broken;
        broken = null;
        return new SourceRow(b.number(), null, b.error());
      }
      return new SourceRow(line, JsonNodeFactory.instance.objectNode().put("text",
          doc.toString().strip()), null);
    }

    @Override
    double fraction() {
      return Math.min(1, counted.count / (double) size);
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  /** Parquet through DuckDB, in process: each row comes back as a JSON object. */
  static final class Parquet extends RowSource {
    private final Connection connection;
    private final Statement statement;
    private final ResultSet rows;
    private final long total;
    private long row;

    private final Container container;

    Parquet(Path file, Container container) throws IOException {
      this.container = container;
      try {
        Class.forName("org.duckdb.DuckDBDriver");
        connection = DriverManager.getConnection("jdbc:duckdb:");
        statement = connection.createStatement();
        String literal = "'" + file.toAbsolutePath().toString().replace("'", "''") + "'";
        String read = container == Container.CSV
            ? "read_csv(" + literal + ", header = true, all_varchar = true)"
            : "read_parquet(" + literal + ")";
        try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + read)) {
          rs.next();
          total = rs.getLong(1);
        }
        rows = statement.executeQuery("SELECT to_json(t)::VARCHAR FROM " + read + " t");
      } catch (ClassNotFoundException e) {
        throw new TemperException("Parquet support (DuckDB) is not on the class path", e);
      } catch (SQLException e) {
        throw new TemperException("Cannot read the " + (container == Container.CSV ? "CSV"
            : "Parquet") + " file " + file + ": "
            + firstLine(e.getMessage()), e);
      }
    }

    @Override
    SourceRow next() throws IOException {
      try {
        if (!rows.next()) {
          return null;
        }
        row++;
        String json = rows.getString(1);
        try {
          JsonNode node = JSON.readTree(json);
          if (container == Container.PARQUET) {
            dropStructPadding(node, false);
          }
          return new SourceRow(row, node, null);
        } catch (JsonProcessingException e) {
          return new SourceRow(row, null, jsonError(e));
        }
      } catch (SQLException e) {
        throw new IOException((container == Container.CSV ? "CSV" : "Parquet") + " row "
            + (row + 1) + ": " + firstLine(e.getMessage()), e);
      }
    }

    @Override
    double fraction() {
      return total == 0 ? 1 : row / (double) total;
    }

    @Override
    String unit() {
      return "row";
    }

    /**
     * Parquet (like Arrow, like Hugging Face datasets) gives every struct in a list the union
     * of the keys seen in the column, null where a message had none ({@code tool_calls: null}
     * on every plain message). Those nulls are padding, not data: keys with null values are
     * dropped from objects inside lists, except {@code content}, which a tool-call message may
     * really have as null.
     */
    static void dropStructPadding(JsonNode node, boolean inList) {
      if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
        if (inList) {
          java.util.List<String> nulls = new java.util.ArrayList<>();
          o.fields().forEachRemaining(e -> {
            if (e.getValue().isNull() && !e.getKey().equals("content")) {
              nulls.add(e.getKey());
            }
          });
          o.remove(nulls);
        }
        o.fields().forEachRemaining(e -> dropStructPadding(e.getValue(), inList));
      } else if (node != null && node.isArray()) {
        node.forEach(x -> dropStructPadding(x, true));
      }
    }

    @Override
    public void close() throws IOException {
      try {
        connection.close();
      } catch (SQLException e) {
        throw new IOException(e);
      }
    }

    private static String firstLine(String s) {
      if (s == null) {
        return "unknown error";
      }
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    }
  }
}
