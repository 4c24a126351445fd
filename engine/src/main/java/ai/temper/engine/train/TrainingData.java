package ai.temper.engine.train;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The examples of a run: each {@code dataset_mixer_list} source read in its canonical JSON
 * form (as the datasets store keeps it, see {@link ai.temper.engine.data.Example}), sampled
 * by its fraction or count with the run's seed, and split into training and held-out
 * examples.
 */
public final class TrainingData {
  private static final ObjectMapper JSON = Json.MAPPER;

  /**
   * The field each loaded example carries to say where it came from ("dataset 'hh' #12
   * (source line 13)", "file.jsonl:13"), for log lines about single examples.
   */
  public static final String WHERE = "_where";

  /** Where an example came from, or "an example" when it was not loaded here. */
  public static String where(JsonNode example) {
    JsonNode w = example.get(WHERE);
    return w == null ? "an example" : w.asText();
  }

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

  /**
   * The checks of {@link #load} that need no reading of the data: every source of both mixes
   * is a file or a workbench dataset, of the kind the algorithm trains on, holding as many
   * examples as a count asks for. Run before a run is created, so a config error creates no
   * run.
   */
  public static void check(TrainConfig config, Database db) {
    String kind = config.kind().datasetKind();
    if (config.datasetMixerList() == null || config.datasetMixerList().isEmpty()) {
      throw new TemperException("Config field 'dataset_mixer_list' is empty: name at least one "
          + "dataset or JSONL file");
    }
    check(config.datasetMixerList(), kind, db);
    if (config.datasetMixerEvalList() != null) {
      check(config.datasetMixerEvalList(), kind, db);
    }
  }

  private static void check(DatasetMix mix, String kind, Database db) {
    for (DatasetMix.Entry e : mix.entries()) {
      Path file = Path.of(e.source());
      if (Files.isRegularFile(file) || Files.isDirectory(file)) {
        checkFile(file, DatasetKind.of(kind));
        continue;
      }
      DatasetInfo d = dataset(e.source(), kind, db);
      if (e.count() != null && e.count() > d.rowCount()) {
        throw new TemperException("dataset_mixer_list asks for " + e.count() + " examples of '"
            + e.source() + "', which has " + d.rowCount());
      }
    }
  }

  /** The kind of a file's first row, as {@link #readFile} would find it. */
  private static void checkFile(Path file, DatasetKind kind) {
    ai.temper.engine.data.Datasets.checkFile(file, kind);
  }

  private static DatasetInfo dataset(String source, String kind, Database db) {
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
    return d.get();
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
   * file in any container and row format the datasets importer reads (JSON Lines, gzip,
   * Parquet, CSV, Arrow, save_to_disk folders; messages, preference, HH transcripts, GSM8K,
   * TRL prompt/completion, text), normalised as an import would.
   */
  static List<JsonNode> read(String source, String kind, Database db) {
    Path file = Path.of(source);
    if (Files.isRegularFile(file) || Files.isDirectory(file)) {
      return readFile(file, DatasetKind.of(kind));
    }
    DatasetInfo d = dataset(source, kind, db);
    List<JsonNode> out = new ArrayList<>();
    db.datasets().forEach(d.id(), 1000, rows -> {
      for (StoredExample e : rows) {
        try {
          ObjectNode o = (ObjectNode) JSON.readTree(e.data());
          o.put(WHERE, "dataset '" + source + "' #" + e.idx()
              + (e.sourceLine() == null ? "" : " (source line " + e.sourceLine() + ")"));
          out.add(o);
        } catch (IOException | ClassCastException ex) {
          throw new TemperException("dataset '" + source + "' row " + e.idx()
              + " is not valid JSON");
        }
      }
    });
    return out;
  }

  static List<JsonNode> readFile(Path file, DatasetKind kind) {
    return ai.temper.engine.data.Datasets.readFile(file, kind, WHERE);
  }
}
