package ai.temper.engine.data;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a dataset in an {@link ExportFormat}: JSON Lines (gzip when the name ends in .gz) or,
 * when the name ends in .parquet, a Parquet file of the same rows (written through DuckDB).
 */
public final class DatasetExporter {
  /** What was written. */
  public record Result(Path file, ExportFormat format, long rows) {}

  private static final ObjectMapper JSON = Json.MAPPER;
  private final Database db;

  public DatasetExporter(Database db) {
    this.db = db;
  }

  /** Exports {@code name} to {@code out}; {@code format} null means the kind's default. */
  public Result export(String name, Path out, ExportFormat format, JobContext ctx) {
    DatasetInfo d = Datasets.require(db, name);
    DatasetKind kind = Datasets.kind(d);
    ExportFormat f = format == null ? ExportFormat.defaultFor(kind) : format;
    check(kind, f, d.name());
    Path target = out.toAbsolutePath();
    boolean parquet = target.getFileName().toString().toLowerCase(java.util.Locale.ROOT)
        .endsWith(".parquet");
    Path tmp = target.resolveSibling(target.getFileName() + (parquet ? ".jsonl.part" : ".part"));
    Path parquetTmp = target.resolveSibling(target.getFileName() + ".part");
    long[] rows = {0};
    try {
      if (target.getParent() != null) {
        Files.createDirectories(target.getParent());
      }
      try (OutputStream raw = Files.newOutputStream(tmp);
          OutputStream os = !parquet && target.toString().endsWith(".gz")
              ? new GZIPOutputStream(raw, 1 << 16) : raw;
          BufferedWriter w = new BufferedWriter(new OutputStreamWriter(os,
              StandardCharsets.UTF_8), 1 << 16)) {
        db.datasets().forEach(d.id(), 1000, page -> {
          try {
            for (StoredExample e : page) {
              w.write(JSON.writeValueAsString(convert(Datasets.parse(d, e), f)));
              w.write('\n');
              rows[0]++;
            }
          } catch (IOException ex) {
            throw new UncheckedIOException(ex);
          }
          ctx.checkCancelled();
          ctx.progress(rows[0] / (double) Math.max(1, d.rowCount()),
              String.format("%,d rows", rows[0]));
        });
      }
      if (parquet) {
        jsonLinesToParquet(tmp, parquetTmp);
        Files.delete(tmp);
        tmp = parquetTmp;
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | UncheckedIOException e) {
      deleteQuietly(tmp);
      deleteQuietly(parquetTmp);
      throw new TemperException("Cannot write " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(tmp);
      deleteQuietly(parquetTmp);
      throw e;
    }
    return new Result(target, f, rows[0]);
  }

  /**
   * JSON Lines to Parquet with DuckDB: column types inferred from every row (structs for
   * messages, lists for lists), as {@code datasets.Dataset.to_parquet} would store them.
   */
  static void jsonLinesToParquet(Path jsonl, Path parquet) throws IOException {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        java.sql.Statement st = c.createStatement()) {
      st.execute("COPY (SELECT * FROM read_json(" + literal(jsonl) + ", format = "
          + "'newline_delimited', sample_size = -1, maximum_depth = -1)) TO " + literal(parquet)
          + " (FORMAT PARQUET)");
    } catch (java.sql.SQLException e) {
      String m = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw new IOException("DuckDB could not write Parquet: " + m, e);
    }
  }

  private static String literal(Path p) {
    return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static void check(DatasetKind kind, ExportFormat f, String name) {
    boolean ok = switch (f) {
      case MESSAGES -> kind != DatasetKind.TEXT;
      case PREFERENCE, PREFERENCE_FULL, HH -> kind == DatasetKind.PREFERENCE;
      case RLVR -> kind == DatasetKind.RLVR || kind == DatasetKind.MESSAGES;
      case TEXT -> kind == DatasetKind.TEXT;
      case PROMPT_COMPLETION, PROMPT_COMPLETION_CHAT -> kind == DatasetKind.MESSAGES
          || kind == DatasetKind.RLVR;
      case GSM8K -> kind == DatasetKind.MESSAGES;
      case CANONICAL -> true;
    };
    if (!ok) {
      throw new TemperException("Dataset '" + name + "' holds " + kind.id() + " examples and "
          + "cannot be exported as " + f.id());
    }
  }

  /** One example in an export layout. */
  public static ObjectNode convert(Example e, ExportFormat f) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    switch (f) {
      case CANONICAL -> {
        return e.toJson();
      }
      case MESSAGES -> {
        o.set("messages", Example.messagesJson(e.conversation()));
        if (e.groundTruth() != null) {
          o.put("ground_truth", e.groundTruth());
          if (e.verifier() != null) {
            o.put("dataset", e.verifier());
          }
        }
      }
      case PREFERENCE -> {
        o.set("prompt", Example.messagesJson(e.prompt()));
        o.set("chosen", Example.messagesJson(e.chosen()));
        o.set("rejected", Example.messagesJson(e.rejected()));
      }
      case PREFERENCE_FULL -> {
        o.set("chosen", Example.messagesJson(concat(e.prompt(), e.chosen())));
        o.set("rejected", Example.messagesJson(concat(e.prompt(), e.rejected())));
      }
      case RLVR -> {
        List<Message> prompt = promptOf(e);
        if (e.groundTruth() == null) {
          throw new TemperException("An example has no ground truth; it cannot be exported as "
              + "rlvr");
        }
        o.set("messages", Example.messagesJson(prompt));
        if (prompt.size() == 1) {
          o.put("prompt", prompt.get(0).content());
        } else {
          o.set("prompt", Example.messagesJson(prompt));
        }
        o.put("ground_truth", e.groundTruth());
        if (e.verifier() != null) {
          o.put("dataset", e.verifier());
        }
      }
      case TEXT -> o.put("text", e.text());
      case PROMPT_COMPLETION, PROMPT_COMPLETION_CHAT -> {
        List<Message> m = e.messages();
        int split = m.size();
        while (split > 0 && m.get(split - 1).role().equals("assistant")) {
          split--;
        }
        if (split == 0 || split == m.size()) {
          throw new TemperException("An example does not end with assistant turns after a "
              + "prompt; it cannot be exported as " + f.id());
        }
        List<Message> prompt = m.subList(0, split);
        List<Message> completion = m.subList(split, m.size());
        boolean plain = f == ExportFormat.PROMPT_COMPLETION && prompt.size() == 1
            && completion.size() == 1 && prompt.get(0).role().equals("user")
            && prompt.get(0).fields() == null && completion.get(0).fields() == null;
        if (plain) {
          o.put("prompt", prompt.get(0).content());
          o.put("completion", completion.get(0).content());
        } else {
          o.set("prompt", Example.messagesJson(prompt));
          o.set("completion", Example.messagesJson(completion));
        }
      }
      case GSM8K -> {
        List<Message> m = e.messages();
        if (m.size() != 2 || !m.get(0).role().equals("user")
            || !m.get(1).role().equals("assistant")) {
          throw new TemperException("An example is not one question and one answer; it cannot "
              + "be exported as gsm8k");
        }
        o.put("question", m.get(0).content());
        o.put("answer", m.get(1).content());
      }
      case HH -> {
        o.put("chosen", HhNormalizer.render(concat(e.prompt(), e.chosen())));
        o.put("rejected", HhNormalizer.render(concat(e.prompt(), e.rejected())));
      }
      default -> throw new IllegalStateException(f.toString());
    }
    if (e.meta() != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = e.meta().fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> m = it.next();
        if (!o.has(m.getKey())) {
          o.set(m.getKey(), m.getValue());
        }
      }
    }
    return o;
  }

  /** The prompt of an RLVR export: a conversation up to (without) its final answer. */
  private static List<Message> promptOf(Example e) {
    List<Message> m = e.kind() == DatasetKind.PREFERENCE ? e.prompt() : e.messages();
    int end = m.size();
    while (end > 0 && m.get(end - 1).role().equals("assistant")) {
      end--;
    }
    return m.subList(0, end);
  }

  private static List<Message> concat(List<Message> a, List<Message> b) {
    List<Message> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
