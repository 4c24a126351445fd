package ai.temper.engine.train;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.data.FormatDetector;
import ai.temper.engine.data.MalformedRowException;
import ai.temper.engine.data.RowNormalizer;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The examples of a run: each {@code dataset_mixer_list} source read in its canonical JSON
 * form (as the datasets store keeps it, see {@link ai.temper.engine.data.Example}), sampled
 * by its fraction or count with the run's seed, and split into training and held-out
 * examples.
 */
public final class TrainingData {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Training and held-out examples. */
  public record Split(List<JsonNode> train, List<JsonNode> eval) {}

  private TrainingData() {}

  /** Reads the mixes of {@code config}; {@code db} resolves workbench dataset names. */
  public static Split load(TrainConfig config, Database db) {
    String kind = config.kind().datasetKind();
    if (config.datasetMixerList() == null || config.datasetMixerList().isEmpty()) {
      throw new TemperException("Config field 'dataset_mixer_list' is empty: name at least one "
          + "dataset or JSONL file");
    }
    List<JsonNode> train = mix(config.datasetMixerList(), kind, config.seed(), db);
    List<JsonNode> eval;
    if (config.datasetMixerEvalList() != null && !config.datasetMixerEvalList().isEmpty()) {
      eval = mix(config.datasetMixerEvalList(), kind, config.seed() + 1, db);
    } else {
      List<JsonNode> shuffled = new ArrayList<>(train);
      Collections.shuffle(shuffled, new Random(config.seed() * 31L + 17));
      int n = (int) Math.round(config.evalFraction() * shuffled.size());
      if (config.evalFraction() > 0 && n == 0 && shuffled.size() >= 2) {
        n = 1;
      }
      eval = new ArrayList<>(shuffled.subList(0, n));
      train = new ArrayList<>(shuffled.subList(n, shuffled.size()));
    }
    if (train.isEmpty()) {
      throw new TemperException("No training examples left after holding out " + eval.size()
          + " for evaluation");
    }
    return new Split(train, eval);
  }

  /** The examples of one mix: each source sampled (seeded) and the results concatenated. */
  public static List<JsonNode> mix(DatasetMix mix, String kind, long seed, Database db) {
    List<JsonNode> out = new ArrayList<>();
    int index = 0;
    for (DatasetMix.Entry e : mix.entries()) {
      List<JsonNode> all = new ArrayList<>(read(e.source(), kind, db));
      Collections.shuffle(all, new Random(seed * 1_000_003L + index++));
      int take;
      if (e.count() != null) {
        if (e.count() > all.size()) {
          throw new TemperException("dataset_mixer_list asks for " + e.count() + " examples of '"
              + e.source() + "', which has " + all.size());
        }
        take = e.count().intValue();
      } else {
        take = (int) Math.round(e.fraction() * all.size());
      }
      out.addAll(all.subList(0, take));
    }
    return out;
  }

  /**
   * All examples of one source in canonical JSON: a workbench dataset of the right kind, or a
   * JSON Lines file (optionally gzipped) in any row format the datasets importer reads
   * (messages, preference, HH transcripts, GSM8K, text), normalised as an import would.
   */
  static List<JsonNode> read(String source, String kind, Database db) {
    Path file = Path.of(source);
    if (Files.isRegularFile(file)) {
      return readFile(file, DatasetKind.of(kind));
    }
    Optional<DatasetInfo> d = db.datasets().find(source);
    if (d.isEmpty()) {
      throw new TemperException("dataset_mixer_list: '" + source + "' is neither a file nor a "
          + "dataset in the workbench (temper datasets list shows them)");
    }
    DatasetKind have = Datasets.kind(d.get());
    if (!have.id().equals(kind)) {
      throw new TemperException("dataset_mixer_list: dataset '" + source + "' holds "
          + have.id() + " examples, but this algorithm trains on " + kind);
    }
    List<JsonNode> out = new ArrayList<>();
    db.datasets().forEach(d.get().id(), 1000, rows -> {
      for (StoredExample e : rows) {
        try {
          out.add(JSON.readTree(e.data()));
        } catch (IOException ex) {
          throw new TemperException("dataset '" + source + "' row " + e.idx()
              + " is not valid JSON");
        }
      }
    });
    return out;
  }

  static List<JsonNode> readFile(Path file, DatasetKind kind) {
    List<JsonNode> out = new ArrayList<>();
    RowNormalizer normalizer = null;
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = gzipped(file) ? new GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String where = file + ":" + lineNo;
        JsonNode row;
        try {
          row = JSON.readTree(line);
        } catch (IOException e) {
          throw new TemperException(where + ": not a JSON line (import other containers with "
              + "temper datasets import, then name the dataset)");
        }
        if (normalizer == null) {
          DataFormat format = FormatDetector.detect(row);
          if (format == null) {
            throw new TemperException(where + ": cannot tell the row format from its fields");
          }
          if (format.kind() != kind) {
            throw new TemperException(file + " holds " + format.kind().id() + " rows ("
                + format.id() + "), but this algorithm trains on " + kind.id());
          }
          normalizer = RowNormalizer.of(format);
        }
        try {
          out.add(normalizer.normalize(row).toJson());
        } catch (MalformedRowException e) {
          throw new TemperException(where + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static boolean gzipped(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }
}
