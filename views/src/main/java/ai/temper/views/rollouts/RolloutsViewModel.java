package ai.temper.views.rollouts;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.RolloutRepository.Rollout;
import ai.temper.engine.store.RolloutRepository.TokenDetail;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainListener;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Rollouts page: the reinforcement-learning runs (grpo, ppo), the newest rollouts of the
 * chosen run with reward and verdict, and the chosen rollout's completion token by token,
 * each token with a colour weight: its advantage, or its policy-vs-reference log-ratio.
 * While the page is shown it follows the runs: each step a run stores reloads the chosen
 * run's rollouts (at most one load at a time; steps that land meanwhile fold into one more
 * load), and a run it has not listed yet reloads the run list.
 */
public final class RolloutsViewModel implements Lifecycle {
  /** One coloured token: its text and a signed weight in [-1, 1] (0 is neutral). */
  public record ColouredToken(String text, double value, double weight) {}

  private final Workbench workbench;
  private final TaskExecutor tasks;
  private final ObservableList<Run> runs = FXCollections.observableArrayList();
  private final ObjectProperty<Run> run = new SimpleObjectProperty<>();
  private final ObservableList<Rollout> rollouts = FXCollections.observableArrayList();
  private final ObjectProperty<Rollout> selected = new SimpleObjectProperty<>();
  private final ObservableList<ColouredToken> tokens = FXCollections.observableArrayList();
  /** Colour by log-ratio (policy vs reference) instead of by advantage. */
  private final BooleanProperty byLogRatio = new SimpleBooleanProperty(false);
  private final IntegerProperty limit = new SimpleIntegerProperty(200);
  private final StringProperty summary = new SimpleStringProperty("");
  private final StringProperty error = new SimpleStringProperty("");
  private final TrainListener listener;
  private volatile boolean active;
  /** A load is running; another was asked for meanwhile (guarded by this). */
  private boolean loading;
  private boolean reloadAfter;
  private CompletableFuture<List<Rollout>> lastLoad = CompletableFuture.completedFuture(List.of());

  public RolloutsViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()));
  }

  /** With results delivered by {@code tasks} (tests use {@link TaskExecutor#direct}). */
  public RolloutsViewModel(Workbench workbench, TaskExecutor tasks) {
    this.workbench = workbench;
    this.tasks = tasks;
    run.addListener((obs, old, now) -> loadRollouts());
    selected.addListener((obs, old, now) -> colour());
    byLogRatio.addListener((obs, old, now) -> colour());
    listener = new TrainListener() {
      @Override
      public void onRollouts(long runId, int step, int count) {
        tasks.ui().execute(() -> stepStored(runId));
      }
    };
    workbench.runs().addListener(listener);
  }

  @Override
  public void activate() {
    active = true;
    refresh();
  }

  @Override
  public void deactivate() {
    active = false;
  }

  @Override
  public void close() {
    active = false;
    workbench.runs().removeListener(listener);
  }

  /** A run stored a step's rollouts (on the UI executor). */
  private void stepStored(long runId) {
    if (!active) {
      return; // activate() refreshes
    }
    Run chosen = run.get();
    if (chosen != null && chosen.id() == runId) {
      loadRollouts();
    } else if (runs.stream().noneMatch(r -> r.id() == runId)) {
      refresh();
    }
  }

  /** The newest load of rollouts (completes after the list was updated). */
  public CompletableFuture<List<Rollout>> lastLoad() {
    return lastLoad;
  }

  /** Reloads the RL runs; keeps the chosen run when it is still there, else picks the newest. */
  public CompletableFuture<List<Run>> refresh() {
    return BackgroundTask.wrap(() -> workbench.runs().list(TrainKind.GRPO, TrainKind.PPO))
        .onSuccess(list -> {
          Run keep = run.get();
          runs.setAll(list);
          Run again = keep == null ? null
              : list.stream().filter(r -> r.id() == keep.id()).findFirst().orElse(null);
          if (again == null && !list.isEmpty()) {
            run.set(list.stream().max((a, b) -> Long.compare(a.id(), b.id())).orElseThrow());
          } else if (again != null) {
            loadRollouts();
          }
        })
        .onFailure(e -> error.set(e.getMessage())).executeWith(tasks).future();
  }

  /**
   * Loads the newest rollouts of the chosen run. While a load runs, a new request is folded
   * into one more load after it (the returned future is the running one).
   */
  public CompletableFuture<List<Rollout>> loadRollouts() {
    Run r = run.get();
    if (r == null) {
      rollouts.clear();
      return CompletableFuture.completedFuture(List.of());
    }
    synchronized (this) {
      if (loading) {
        reloadAfter = true;
        return lastLoad;
      }
      loading = true;
    }
    int n = limit.get();
    lastLoad = BackgroundTask.wrap(() -> workbench.runs().rollouts(r.id(), n))
        .onSuccess(list -> {
          Run now = run.get();
          if (now != null && now.id() == r.id()) {
            rollouts.setAll(list);
            summary.set(summarise(list));
            if (!list.isEmpty() && (selected.get() == null || !list.contains(selected.get()))) {
              selected.set(list.get(0));
            }
          }
        })
        .onFailure(e -> error.set(e.getMessage()))
        .onFinished(this::loadDone).executeWith(tasks).future();
    return lastLoad;
  }

  private void loadDone() {
    boolean again;
    synchronized (this) {
      loading = false;
      again = reloadAfter;
      reloadAfter = false;
    }
    if (again) {
      loadRollouts();
    }
  }

  private static String summarise(List<Rollout> list) {
    if (list.isEmpty()) {
      return "no rollouts yet";
    }
    long step = list.get(0).step();
    List<Rollout> last = list.stream().filter(x -> x.step() == step).toList();
    double reward = last.stream().mapToDouble(Rollout::reward).average().orElse(0);
    long verified = last.stream().filter(x -> x.verdict() != null).count();
    long passed = last.stream().filter(x -> "pass".equals(x.verdict())).count();
    return String.format(Locale.ROOT, "step %d: %d rollouts, mean reward %.3f%s", step,
        last.size(), reward, verified == 0 ? ""
            : String.format(Locale.ROOT, ", pass rate %.2f", (double) passed / verified));
  }

  /** Colours the selected rollout's tokens: weights scaled by the largest magnitude. */
  private void colour() {
    Rollout r = selected.get();
    if (r == null) {
      tokens.clear();
      return;
    }
    TokenDetail d = r.tokens();
    double[] v = byLogRatio.get() ? d.logRatios() : d.advantages();
    double max = 1e-9;
    for (double x : v) {
      max = Math.max(max, Math.abs(x));
    }
    ColouredToken[] out = new ColouredToken[d.pieces().size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = new ColouredToken(d.pieces().get(i), v[i], v[i] / max);
    }
    tokens.setAll(out);
  }

  public ObservableList<Run> runs() {
    return runs;
  }

  public ObjectProperty<Run> runProperty() {
    return run;
  }

  public ObservableList<Rollout> rollouts() {
    return rollouts;
  }

  public ObjectProperty<Rollout> selectedProperty() {
    return selected;
  }

  public ObservableList<ColouredToken> tokens() {
    return tokens;
  }

  public BooleanProperty byLogRatioProperty() {
    return byLogRatio;
  }

  public IntegerProperty limitProperty() {
    return limit;
  }

  public StringProperty summaryProperty() {
    return summary;
  }

  public StringProperty errorProperty() {
    return error;
  }
}
