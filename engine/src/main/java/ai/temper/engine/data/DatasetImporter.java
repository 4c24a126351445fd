package ai.temper.engine.data;

import ai.temper.engine.Faults;
import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.NewExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Imports a file as a new dataset in one transaction: a failed, aborted, cancelled or
 * crashed import leaves no dataset behind. Rows are normalised to the canonical form of their
 * kind ({@link Example}); malformed rows are reported by line with the reason and either
 * skipped or make the whole import fail (after reading on, so all reasons are reported).
 */
public final class DatasetImporter {
  /** What to do with a malformed row. */
  public enum OnError {
    SKIP, ABORT;

    public static OnError of(String s) {
      for (OnError o : values()) {
        if (o.name().equalsIgnoreCase(s)) {
          return o;
        }
      }
      throw new TemperException("Unknown --on-error '" + s + "'; use skip or abort");
    }
  }

  /**
   * What to import and how; {@code columns} maps a field name the row format knows to the
   * source column holding it ({@code prompt -> question}), for CSV files and any other
   * container (empty: names as they are).
   */
  public record Options(String name, DataFormat format, OnError onError,
      Map<String, String> columns) {
    public Options {
      format = format == null ? DataFormat.AUTO : format;
      onError = onError == null ? OnError.SKIP : onError;
      columns = columns == null ? Map.of() : Map.copyOf(columns);
    }

    public Options(String name, DataFormat format, OnError onError) {
      this(name, format, onError, null);
    }
  }

  /** A finished import: the dataset, the row format used, and the rows refused. */
  public record Result(DatasetInfo dataset, DataFormat format, long rows, long errorCount,
      List<RowError> errors, double seconds) {}

  /** The import failed on malformed rows (abort) and left nothing behind. */
  public static final class ImportFailedException extends TemperException {
    private final transient List<RowError> errors;
    private final long errorCount;

    ImportFailedException(String message, List<RowError> errors, long errorCount) {
      super(message);
      this.errors = List.copyOf(errors);
      this.errorCount = errorCount;
    }

    public List<RowError> errors() {
      return errors;
    }

    public long errorCount() {
      return errorCount;
    }
  }

  /** Reasons kept in memory and in the provenance; the count covers all. */
  static final int MAX_REPORTED = 1000;
  private static final int BATCH = 500;

  private final Database db;

  public DatasetImporter(Database db) {
    this.db = db;
  }

  public Result importFile(Path file, Options options, JobContext ctx) {
    long started = System.nanoTime();
    Datasets.checkName(options.name());
    if (!Files.isRegularFile(file) && !Files.isDirectory(file)) {
      throw new TemperException("No such file: " + file);
    }
    if (!Files.isReadable(file)) {
      throw new TemperException("Cannot read " + file + " (permission denied)");
    }
    DatasetRepository repo = db.datasets();
    if (repo.find(options.name()).isPresent()) {
      throw new TemperException("A dataset named '" + options.name() + "' exists already; "
          + "delete it first or choose another --name");
    }
    ctx.progress(0, "hashing " + file.getFileName());
    String sha256 = sha256(file);
    try (RowSource source = RowSource.open(file, options.format())) {
      return db.sql().inTransaction(c -> {
        try {
          return read(file, source, sha256, options, ctx, repo, started);
        } catch (IOException e) {
          throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
        }
      });
    } catch (IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private Result read(Path file, RowSource source, String sha256, Options options,
      JobContext ctx, DatasetRepository repo, long started) throws IOException {
    Deque<SourceRow> lookahead = new ArrayDeque<>();
    DataFormat format = options.format().isRowFormat() ? options.format()
        : detect(file, source, lookahead, options);
    RowNormalizer normalizer = RowNormalizer.of(format);
    DatasetKind kind = format.kind();
    String container = Files.isDirectory(file) ? "hf-save-to-disk"
        : (RowSource.isGzip(file) ? "gzip+" : "")
        + RowSource.container(file, options.format()).name().toLowerCase(Locale.ROOT);
    long datasetId = repo.create(options.name(), kind.id(), format.id(),
        file.toAbsolutePath().normalize().toString(), sha256, null);

    List<RowError> errors = new ArrayList<>();
    long errorCount = 0;
    long rows = 0;
    List<NewExample> batch = new ArrayList<>(BATCH);
    SourceRow row;
    long read = 0;
    while ((row = lookahead.isEmpty() ? mapped(source.next(), options) : lookahead.poll())
        != null) {
      if (++read % BATCH == 0) {
        ctx.checkCancelled(); // refused rows too: a file of nothing but bad rows can be long
      }
      String reason = row.error();
      Example example = null;
      if (reason == null) {
        try {
          example = normalizer.normalize(row.node());
        } catch (MalformedRowException e) {
          reason = e.getMessage();
        }
      }
      if (reason != null) {
        errorCount++;
        if (errors.size() < MAX_REPORTED) {
          errors.add(new RowError(row.line(), reason, source.unit()));
        }
        continue;
      }
      if (errorCount > 0 && options.onError() == OnError.ABORT) {
        continue; // read on only to report every malformed row
      }
      batch.add(new NewExample(rows++, example.toJsonString(), example.searchText(),
          example.contentHash(), row.line()));
      if (batch.size() == BATCH) {
        repo.insertExamples(datasetId, batch);
        batch.clear();
        Faults.point("import.batch");
        ctx.checkCancelled();
        ctx.progress(source.fraction(), progress(rows, errorCount));
      }
    }
    if (errorCount > 0 && options.onError() == OnError.ABORT) {
      throw new ImportFailedException(file + ": " + errorCount + " malformed "
          + (errorCount == 1 ? "row" : "rows") + ", nothing imported (--on-error abort); first: "
          + errors.get(0), errors, errorCount);
    }
    repo.insertExamples(datasetId, batch);
    if (rows == 0) {
      throw new ImportFailedException(file + ": no rows could be imported"
          + (errors.isEmpty() ? " (the file is empty)" : "; first problem: " + errors.get(0)),
          errors, errorCount);
    }
    ctx.checkCancelled();
    repo.finish(datasetId, rows, provenance(file, sha256, format, container, options, rows,
        errorCount, errors).toString());
    ctx.progress(1, progress(rows, errorCount));
    DatasetInfo info = repo.find(datasetId).orElseThrow();
    return new Result(info, format, rows, errorCount, errors,
        (System.nanoTime() - started) / 1e9);
  }

  private static String progress(long rows, long errors) {
    return String.format("%,d rows", rows) + (errors > 0 ? String.format(", %,d malformed",
        errors) : "");
  }

  /** Reads ahead to the first record whose keys tell the format. */
  private static DataFormat detect(Path file, RowSource source, Deque<SourceRow> lookahead,
      Options options) throws IOException {
    SourceRow first = null;
    for (int i = 0; i < 1000; i++) {
      SourceRow row = mapped(source.next(), options);
      if (row == null) {
        break;
      }
      lookahead.add(row);
      if (row.node() != null) {
        DataFormat f = FormatDetector.detect(row.node());
        if (f != null) {
          return f;
        }
        if (first == null) {
          first = row;
        }
      }
    }
    if (first == null) {
      throw new TemperException("Cannot tell the format of " + file + ": "
          + (lookahead.isEmpty() ? "it holds no records" : "no readable record near its start ("
          + lookahead.peek().error() + ")") + "; pass --format");
    }
    throw new TemperException("Cannot tell the format of " + file + " from the keys of "
        + "its records " + FormatDetector.keys(first.node()) + "; pass --format "
        + "messages|preference|hh|gsm8k|rlvr|text");
  }

  /**
   * A row with the column mapping applied: each mapped field takes its source column's value
   * (cells holding JSON lists or objects, as CSV stores messages, are parsed); unmapped
   * columns stay as they are.
   */
  static SourceRow mapped(SourceRow row, Options options) {
    if (row == null || row.node() == null || options.columns().isEmpty()
        || !(row.node() instanceof ObjectNode o)) {
      return row;
    }
    ObjectNode out = o.deepCopy();
    for (Map.Entry<String, String> e : options.columns().entrySet()) {
      JsonNode v = o.get(e.getValue());
      if (v == null) {
        return new SourceRow(row.line(), null, "column '" + e.getValue() + "' (mapped to '"
            + e.getKey() + "') is missing; the columns are " + FormatDetector.keys(o));
      }
      out.remove(e.getValue());
      String t = v.isTextual() ? v.asText().strip() : "";
      if ((t.startsWith("[") && t.endsWith("]")) || (t.startsWith("{") && t.endsWith("}"))) {
        try {
          v = RowSource.JSON.readTree(t);
        } catch (IOException ex) {
          // plain text that happens to look like JSON
        }
      }
      out.set(e.getKey(), v);
    }
    return new SourceRow(row.line(), out, row.error());
  }

  private static ObjectNode provenance(Path file, String sha256, DataFormat format,
      String container, Options options, long rows, long errorCount, List<RowError> errors) {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("operation", "import");
    p.put("source", file.toAbsolutePath().normalize().toString());
    p.put("sha256", sha256);
    p.put("format", format.id());
    p.put("container", container);
    p.put("requested_format", options.format().id());
    p.put("on_error", options.onError().name().toLowerCase(Locale.ROOT));
    if (!options.columns().isEmpty()) {
      ObjectNode cols = p.putObject("columns");
      options.columns().forEach(cols::put);
    }
    p.put("rows", rows);
    p.put("malformed", errorCount);
    ArrayNode e = p.putArray("malformed_rows");
    for (RowError r : errors.subList(0, Math.min(100, errors.size()))) {
      e.add(r.toString());
    }
    p.put("imported_at", Instant.now().toString());
    return p;
  }

  /**
   * The SHA-256 of the file's bytes as stored (compressed files are hashed compressed); of a
   * save_to_disk folder, of its data files in order.
   */
  static String sha256(Path file) {
    if (Files.isDirectory(file)) {
      try {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Path p : RowSource.hfDataFiles(file)) {
          md.update(Files.readAllBytes(p));
        }
        return HexFormat.of().formatHex(md.digest());
      } catch (IOException e) {
        throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
