package ai.temper.engine.train;

import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.store.Database;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every trainer does once a checkpoint folder is on disk: its row in the run's
 * checkpoints, its entry in the model library (with the base as its parent, so Chat and
 * Evaluate find it), and the listeners told.
 */
final class SavedCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(SavedCheckpoints.class);

  private SavedCheckpoints() {}

  /**
   * Records checkpoint {@code dir} of step {@code step}. {@code inLibrary} is false for what
   * the library does not list (a reward model, read back by RewardScorer); a library refusal
   * is logged, never fatal: the checkpoint itself is saved.
   */
  static void record(Database db, ModelLibrary library, long runId, Long baseLibraryId,
      Path dir, int step, boolean inLibrary, List<TrainListener> listeners) {
    long row = db.checkpoints().add(runId, step, dir.toString());
    if (inLibrary) {
      try {
        var entry = library.registerCheckpoint(runId, baseLibraryId, dir, step);
        db.checkpoints().setModel(row, entry.id());
      } catch (RuntimeException e) {
        LOG.warn("run {}: checkpoint {} not added to the model library: {}", runId, dir,
            e.getMessage());
      }
    }
    for (TrainListener l : listeners) {
      l.onCheckpoint(runId, step, dir);
    }
  }
}
