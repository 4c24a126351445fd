package ai.temper.engine.data;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The datasets of one home, as the pages and commands use them: list, look up, page through
 * and search the examples, import a file, compute statistics, delete.
 */
public final class DatasetLibrary {
  private final Database db;

  public DatasetLibrary(Database db) {
    this.db = db;
  }

  public List<DatasetInfo> list() {
    return db.datasets().list();
  }

  /** The datasets of one kind, newest first. */
  public List<DatasetInfo> list(DatasetKind kind) {
    return list().stream().filter(d -> d.kind().equalsIgnoreCase(kind.id())).toList();
  }

  public Optional<DatasetInfo> find(String name) {
    return db.datasets().find(name);
  }

  /** The dataset called {@code name}, or an error that lists what exists. */
  public DatasetInfo require(String name) {
    return Datasets.require(db, name);
  }

  /** Deletes a dataset with its examples; false when it was gone already. */
  public boolean delete(long datasetId) {
    return db.datasets().delete(datasetId);
  }

  /** How many examples of {@code d} match {@code query} (all of them for a blank query). */
  public long countMatches(DatasetInfo d, String query) {
    return db.datasets().countMatches(d.id(), query);
  }

  /** One page of the examples of {@code d} that match {@code query}, parsed. */
  public List<Match> search(DatasetInfo d, String query, long offset, int limit) {
    return db.datasets().search(d.id(), query, offset, limit).stream()
        .map(e -> new Match(e, Datasets.parse(d, e))).toList();
  }

  /** A stored example with its parsed form. */
  public record Match(StoredExample stored, Example example) {}

  /** Imports a data file as a new dataset (run it as a job: progress, cancel, row errors). */
  public DatasetImporter.Result importFile(Path file, DatasetImporter.Options options,
      JobContext ctx) {
    return new DatasetImporter(db).importFile(file, options, ctx);
  }

  /** Lengths, turns, duplicates and other statistics of one dataset. */
  public DatasetStatistics statistics(String name, LengthMeasure measure, JobContext ctx) {
    return DatasetStatistics.compute(db, name, measure, ctx);
  }
}
