package ai.temper.engine.eval;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.FormatDetector;
import ai.temper.engine.data.MalformedRowException;
import ai.temper.engine.data.RowNormalizer;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * The instances of a task, read from a workbench dataset, a JSON Lines file (gzip too, any row
 * format the importer reads) or a class-path resource, with a fingerprint of their content
 * (part of the cache key: changed data is a different evaluation).
 */
public record TaskData(List<Example> examples, String fingerprint) {
  private static final ObjectMapper JSON = Json.MAPPER;

  /** Reads {@code ref}; {@code limit} keeps the first N (null: all). */
  public static TaskData load(String ref, Database db, Integer limit) {
    int max = limit == null ? Integer.MAX_VALUE : limit;
    if (ref.startsWith(EvalSuite.RESOURCE)) {
      String path = ref.substring(EvalSuite.RESOURCE.length());
      byte[] bytes = EvalSuite.readResource(path).getBytes(StandardCharsets.UTF_8);
      return new TaskData(parse(bytes, ref, max), "sha256:" + sha256(bytes));
    }
    Path file = Path.of(ref);
    if (Files.isRegularFile(file)) {
      try {
        byte[] bytes = Files.readAllBytes(file);
        return new TaskData(parse(bytes, file.toString(), max), "sha256:" + sha256(bytes));
      } catch (IOException e) {
        throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    Optional<DatasetInfo> d = db == null ? Optional.empty() : db.datasets().find(ref);
    if (d.isEmpty()) {
      throw new TemperException("'" + ref + "' is neither a file nor a dataset in the "
          + "workbench (import it first: temper datasets import FILE --name " + ref + ")");
    }
    DatasetInfo info = d.get();
    List<Example> out = new ArrayList<>();
    long take = Math.min(max, info.rowCount());
    for (long offset = 0; offset < take; offset += 1000) {
      for (StoredExample e : db.datasets().page(info.id(), offset,
          (int) Math.min(1000, take - offset))) {
        out.add(Datasets.parse(info, e));
      }
    }
    return new TaskData(out, "dataset:" + info.name() + "#" + info.id() + ":" + info.rowCount()
        + ":" + info.contentHash() + ":" + info.createdAt());
  }

  private static List<Example> parse(byte[] bytes, String where, int max) {
    List<Example> out = new ArrayList<>();
    RowNormalizer normalizer = null;
    try (InputStream raw = new ByteArrayInputStream(bytes);
        InputStream in = bytes.length > 1 && (bytes[0] & 0xff) == 0x1f
            && (bytes[1] & 0xff) == 0x8b ? new GZIPInputStream(raw) : raw) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int lineNo = 0;
      for (String line : text.split("\n")) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        if (out.size() >= max) {
          break;
        }
        JsonNode row;
        try {
          row = JSON.readTree(line);
        } catch (IOException e) {
          throw new TemperException(where + ":" + lineNo + ": not a JSON line");
        }
        if (normalizer == null) {
          DataFormat format = FormatDetector.detect(row);
          if (format == null) {
            throw new TemperException(where + ":" + lineNo
                + ": cannot tell the row format from its fields");
          }
          normalizer = RowNormalizer.of(format);
        }
        try {
          out.add(normalizer.normalize(row));
        } catch (MalformedRowException e) {
          throw new TemperException(where + ":" + lineNo + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new TemperException("Cannot read " + where + ": " + e.getMessage(), e);
    }
    return out;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
