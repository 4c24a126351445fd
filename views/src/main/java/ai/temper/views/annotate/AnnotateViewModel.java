package ai.temper.views.annotate;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.annotate.Agreement;
import ai.temper.engine.annotate.Annotations.Item;
import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.annotate.Bundles;
import ai.temper.engine.annotate.Choice;
import ai.temper.engine.annotate.PairSources;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.HashedTfIdfEmbedder;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.store.AnnotationRepository.LabelRow;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.PairRow;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.AnnotationRepository.SessionSummary;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.vpl.Vpl;
import ai.temper.engine.vpl.VplConfig;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Annotate page without nodes: sessions, one annotator's queue with the pair shown (sides
 * as the session randomised them), answers committed to the database as they are given (in
 * order, off the FX thread), undo, bundles, and the analysis: per-annotator statistics,
 * agreement, and VPL against Bradley-Terry with the pair to ask next.
 */
public final class AnnotateViewModel implements Lifecycle {
  /** What the session-creation dialog gathers. {@code source}: dataset, models or sampled. */
  public record SessionSpec(String name, String source, String dataset, String prompts,
      String modelA, String modelB, String tokenizer, List<String> annotators, int overlap,
      int limit, String question, boolean rating, boolean reason) {}

  private final Workbench workbench;
  private final TaskExecutor tasks;
  private final Annotations annotations;
  private final LongSupplier clock;

  private final ObservableList<SessionSummary> sessions = FXCollections.observableArrayList();
  private final ObservableList<String> datasets = FXCollections.observableArrayList();
  private final ObjectProperty<SessionSummary> session = new SimpleObjectProperty<>();
  private final ObservableList<String> annotators = FXCollections.observableArrayList();
  private final StringProperty annotator = new SimpleStringProperty();
  private final StringProperty question = new SimpleStringProperty("");
  private final BooleanProperty askRating = new SimpleBooleanProperty();
  private final BooleanProperty askReason = new SimpleBooleanProperty();
  private final ObjectProperty<Integer> rating = new SimpleObjectProperty<>();
  private final StringProperty reason = new SimpleStringProperty("");
  private final StringProperty prompt = new SimpleStringProperty("");
  private final StringProperty left = new SimpleStringProperty("");
  private final StringProperty right = new SimpleStringProperty("");
  private final StringProperty answer = new SimpleStringProperty("");
  private final IntegerProperty position = new SimpleIntegerProperty(-1);
  private final IntegerProperty total = new SimpleIntegerProperty();
  private final IntegerProperty labelled = new SimpleIntegerProperty();
  private final DoubleProperty progress = new SimpleDoubleProperty();
  private final StringProperty counts = new SimpleStringProperty("");
  private final StringProperty status = new SimpleStringProperty("");
  private final StringProperty error = new SimpleStringProperty("");
  private final BooleanProperty busy = new SimpleBooleanProperty();

  private final ObservableList<Agreement.AnnotatorStats> stats =
      FXCollections.observableArrayList();
  private final ObservableList<Agreement.PairKappa> kappas = FXCollections.observableArrayList();
  private final StringProperty alpha = new SimpleStringProperty("");
  private final ObservableList<Vpl.AnnotatorResult> vplResults =
      FXCollections.observableArrayList();
  private final StringProperty suggestion = new SimpleStringProperty("");
  private final IntegerProperty suggestedPosition = new SimpleIntegerProperty(-1);

  private SessionRow row;
  private final List<Item> queue = new ArrayList<>();
  private long shownAt;
  private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
  private Vpl vpl;

  public AnnotateViewModel(Workbench workbench) {
    this(workbench, TaskExecutor.fx(workbench.jobs()), System::nanoTime);
  }

  public AnnotateViewModel(Workbench workbench, TaskExecutor tasks, LongSupplier clock) {
    this.workbench = workbench;
    this.tasks = tasks;
    this.annotations = workbench.annotations();
    this.clock = clock;
  }

  @Override
  public void activate() {
    refresh();
  }

  @Override
  public void close() {
    closeVpl();
  }

  private void closeVpl() {
    if (vpl != null) {
      vpl.close();
      vpl = null;
    }
  }

  // ---------------------------------------------------------------- sessions

  /** Reloads the sessions (bringing Chat's new verdicts in) and the preference datasets. */
  public CompletableFuture<List<SessionSummary>> refresh() {
    return BackgroundTask.wrap(() -> {
      annotations.syncChatVerdicts();
      datasetsLoaded = workbench.datasets().list(DatasetKind.PREFERENCE).stream()
          .map(DatasetInfo::name).toList();
      return annotations.sessions();
    }).onSuccess(list -> {
      SessionSummary current = session.get();
      sessions.setAll(list);
      datasets.setAll(datasetsLoaded);
      if (current != null) {
        list.stream().filter(s -> s.name().equals(current.name())).findFirst()
            .ifPresent(session::set);
      }
    }).onFailure(this::fail).executeWith(tasks).future();
  }

  private volatile List<String> datasetsLoaded = List.of();

  /** Picks a session: loads its annotators and opens the first one's queue. */
  public CompletableFuture<Void> selectSession(String name) {
    return BackgroundTask.wrap(() -> {
      SessionRow s = annotations.require(name);
      return new Object[] {s, annotations.annotators(s), annotations.question(s)};
    }).onSuccess(r -> {
      row = (SessionRow) r[0];
      @SuppressWarnings("unchecked")
      List<String> names = (List<String>) r[1];
      Annotations.Question q = (Annotations.Question) r[2];
      // the old queue goes first and the session last: a page reacting to the new annotators
      // (opening the first one's queue) or to the new session must not see a half-set state
      question.set(q.text());
      askRating.set(q.rating());
      askReason.set(q.reason());
      closeVpl();
      vplResults.clear();
      suggestion.set("");
      queue.clear();
      showNothing();
      annotators.setAll(names);
      sessions.stream().filter(s -> s.name().equals(name)).findFirst().ifPresent(session::set);
    }).onFailure(this::fail).executeWith(tasks).future().thenApply(x -> null);
  }

  /** Opens {@code name}'s queue at the first pair they have not answered. */
  public CompletableFuture<Void> startLabelling(String name) {
    SessionRow s = row;
    if (s == null) {
      return CompletableFuture.failedFuture(new TemperException("pick a session first"));
    }
    return BackgroundTask.wrap(() -> annotations.queue(s, name)).onSuccess(q -> {
      annotator.set(name);
      queue.clear();
      queue.addAll(q);
      show(Annotations.resumeAt(q));
      status.set(name + " resumes at pair " + (Math.min(position.get(), queue.size() - 1) + 1)
          + " of " + queue.size());
    }).onFailure(this::fail).executeWith(tasks).future().thenApply(x -> null);
  }

  private void showNothing() {
    position.set(-1);
    prompt.set("");
    left.set("");
    right.set("");
    answer.set("");
    updateCounts();
  }

  /** Shows the pair at {@code i} of the queue (the end: a "done" state). */
  private void show(int i) {
    int p = Math.max(0, Math.min(i, queue.size()));
    position.set(p);
    if (p < queue.size()) {
      Item item = queue.get(p);
      prompt.set(item.pair().prompt());
      left.set(item.left());
      right.set(item.right());
      Choice.Screen sc = item.screenChoice();
      answer.set(sc == null ? "" : "Answered: " + describe(sc));
      rating.set(item.label() == null ? null : item.label().rating());
      reason.set(item.label() == null || item.label().reason() == null ? ""
          : item.label().reason());
    } else {
      prompt.set("");
      left.set("");
      right.set("");
      answer.set(queue.isEmpty() ? "" : "All " + queue.size() + " pairs answered.");
    }
    shownAt = clock.getAsLong();
    updateCounts();
  }

  static String describe(Choice.Screen sc) {
    return switch (sc) {
      case LEFT -> "left better";
      case RIGHT -> "right better";
      case TIE -> "tie";
      case BOTH_BAD -> "both bad";
      case SKIP -> "skipped";
    };
  }

  private void updateCounts() {
    int n = queue.size();
    int done = 0;
    for (Item i : queue) {
      done += i.labelled() ? 1 : 0;
    }
    total.set(n);
    labelled.set(done);
    progress.set(n == 0 ? 0 : (double) done / n);
    counts.set(n == 0 ? "" : String.format(Locale.ROOT, "%d of %d answered · pair %d",
        done, n, Math.min(position.get() + 1, n)));
  }

  // ---------------------------------------------------------------- answers

  /**
   * Records the annotator's answer on the pair shown (committed in order, off the FX thread)
   * and moves to the next unanswered pair. Returns when it is in the database.
   */
  public CompletableFuture<Void> answer(Choice.Screen pressed) {
    int p = position.get();
    if (row == null || annotator.get() == null || p < 0 || p >= queue.size()) {
      return CompletableFuture.completedFuture(null);
    }
    Item item = queue.get(p);
    Choice choice = pressed.toChoice(item.leftSide());
    double seconds = (clock.getAsLong() - shownAt) / 1e9;
    Integer r = askRating.get() && choice.isLabel() ? rating.get() : null;
    String why = askReason.get() && choice.isLabel() ? reason.get() : null;
    SessionRow s = row;
    String who = annotator.get();
    // shown at once; the stored row replaces this stand-in when the write returns
    Instant now = Instant.now();
    queue.set(p, new Item(p, item.pair(), item.leftSide(), new LabelRow(-1, null,
        item.pair().id(), item.pair().idx(), who, choice.id(), r, why, item.leftSide(), seconds,
        now, now)));
    rating.set(null);
    reason.set("");
    show(nextOpen(p));
    return write(() -> annotations.label(s, who, item.pair().idx(), choice, r, why, seconds),
        stored -> replaceLabel(item.pair().idx(), stored));
  }

  private int nextOpen(int from) {
    for (int i = from + 1; i < queue.size(); i++) {
      if (!queue.get(i).labelled()) {
        return i;
      }
    }
    return Math.min(from + 1, queue.size());
  }

  private void replaceLabel(int pairIdx, LabelRow stored) {
    for (int i = 0; i < queue.size(); i++) {
      Item it = queue.get(i);
      if (it.pair().idx() == pairIdx) {
        queue.set(i, new Item(i, it.pair(), it.leftSide(), stored));
      }
    }
    updateCounts();
  }

  /** Runs database writes one after another, in the order they were asked for. */
  private <T> CompletableFuture<Void> write(java.util.concurrent.Callable<T> work,
      java.util.function.Consumer<T> done) {
    CompletableFuture<?> before = lastWrite;
    CompletableFuture<T> f = BackgroundTask.wrap(() -> {
      try {
        before.join();
      } catch (RuntimeException ignored) {
        // the earlier write reported its own failure
      }
      return work.call();
    }).onSuccess(done).onFailure(this::fail).executeWith(tasks).future();
    lastWrite = f;
    return f.thenApply(x -> null);
  }

  /** Takes back the annotator's last answer and shows that pair again. */
  public CompletableFuture<Void> undo() {
    if (row == null || annotator.get() == null) {
      return CompletableFuture.completedFuture(null);
    }
    SessionRow s = row;
    String who = annotator.get();
    return write(() -> annotations.undo(s, who), idx -> {
      if (idx.isEmpty()) {
        status.set("Nothing to undo");
        return;
      }
      for (int i = 0; i < queue.size(); i++) {
        Item it = queue.get(i);
        if (it.pair().idx() == idx.get()) {
          queue.set(i, new Item(i, it.pair(), it.leftSide(), null));
          show(i);
          status.set("Undone: pair " + (i + 1));
        }
      }
    });
  }

  public void next() {
    if (!queue.isEmpty()) {
      show(Math.min(position.get() + 1, queue.size()));
    }
  }

  public void previous() {
    if (!queue.isEmpty()) {
      show(Math.max(position.get() - 1, 0));
    }
  }

  /** Shows pair {@code i} of the queue (0-based). */
  public void go(int i) {
    if (!queue.isEmpty()) {
      show(i);
    }
  }

  // ---------------------------------------------------------------- sessions in and out

  /** Creates a session (generating answers when models are the source) as a job. */
  public CompletableFuture<SessionRow> createSession(SessionSpec spec) {
    return BackgroundTask.job("labels-session", "Create session " + spec.name(), ctx -> {
      ObjectNode settings = Json.object();
      List<NewPair> pairs;
      String kind = spec.source();
      if (kind.equals("dataset")) {
        settings.put("dataset", spec.dataset());
        pairs = annotations.pairsFromDataset(spec.dataset(), spec.limit());
      } else {
        List<String> prompts = annotations.prompts(spec.prompts(), spec.limit());
        Path tok = blank(spec.tokenizer()) ? null : Path.of(spec.tokenizer());
        PairSources.ModelRef a = new PairSources.ModelRef(Path.of(spec.modelA()), tok);
        PairSources.ModelRef b = kind.equals("sampled") || blank(spec.modelB()) ? a
            : new PairSources.ModelRef(Path.of(spec.modelB()), tok);
        settings.put("prompts", spec.prompts());
        settings.put("model_a", a.model().toString());
        settings.put("model_b", b.model().toString());
        pairs = PairSources.generate(prompts, a, b, SamplingParams.defaults()
            .withTemperature(0.8).withTopP(0.95).withMaxNewTokens(128).withSeed(0L), ctx);
      }
      return annotations.create(spec.name(), null, kind, spec.annotators(), spec.overlap(), 0,
          null, new Annotations.Question(blank(spec.question())
              ? Annotations.Question.DEFAULT : spec.question(), spec.rating(), spec.reason()),
          settings, pairs);
    }).onSuccess(s -> {
      status.set("Session " + s.name() + " created");
      refresh().thenRun(() -> selectSession(s.name()));
    }).onFailure(this::fail).executeWith(tasks).future();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** Writes the current annotator's bundle. */
  public CompletableFuture<Integer> bundle(Path out) {
    SessionRow s = row;
    String who = annotator.get();
    if (s == null || who == null) {
      fail(new TemperException("pick a session and an annotator first"));
      return CompletableFuture.completedFuture(0);
    }
    return BackgroundTask.wrap(() -> {
      lastWrite.join();
      return annotations.bundles().write(s, who, out);
    }).onSuccess(n -> status.set("Bundle for " + who + " (" + n + " pairs) written to " + out))
        .onFailure(this::fail).executeWith(tasks).future();
  }

  /** Opens an annotator's bundle (this home gets the session) or merges a returned one. */
  public CompletableFuture<String> openBundle(Path file) {
    return BackgroundTask.wrap(() -> {
      Bundles b = annotations.bundles();
      try {
        Bundles.MergeResult m = b.merge(file, null);
        return m.session() + ": merged " + m.added() + " labels of " + m.annotator() + " ("
            + m.updated() + " updated, " + m.unchanged() + " unchanged)";
      } catch (TemperException notHere) {
        if (!notHere.getMessage().contains("does not hold")) {
          throw notHere;
        }
        return b.open(file).name() + ": opened from " + file.getFileName();
      }
    }).onSuccess(msg -> {
      status.set(msg);
      refresh().thenRun(() -> selectSession(msg.substring(0, msg.indexOf(':'))));
    }).onFailure(this::fail).executeWith(tasks).future();
  }

  // ---------------------------------------------------------------- analysis

  /** Per-annotator statistics, Cohen's kappa per pair and Krippendorff's alpha. */
  public CompletableFuture<Agreement.Report> analyse() {
    SessionRow s = row;
    if (s == null) {
      return CompletableFuture.completedFuture(null);
    }
    return BackgroundTask.wrap(() -> {
      lastWrite.join();
      return Agreement.of(annotations.labels(s));
    }).onSuccess(r -> {
      stats.setAll(r.annotators());
      kappas.setAll(r.kappas());
      alpha.set(Double.isNaN(r.alpha()) ? "Krippendorff's alpha: - (too few overlapping labels)"
          : String.format(Locale.ROOT, "Krippendorff's alpha (nominal): %.3f over %d pairs "
              + "with two or more labels", r.alpha(), r.unitsForAlpha()));
    }).onFailure(this::fail).executeWith(tasks).future();
  }

  /**
   * Trains VPL and the Bradley-Terry baseline on the session's a/b labels (annotators with at
   * least four), as a job; then suggests the current annotator's next pair.
   */
  public CompletableFuture<List<Vpl.AnnotatorResult>> trainVpl(int steps) {
    SessionRow s = row;
    if (s == null) {
      return CompletableFuture.completedFuture(List.of());
    }
    return BackgroundTask.job("train", "VPL on session " + s.name(), ctx -> {
      lastWrite.join();
      List<Vpl.Pair> pairs = labelledPairs(s, null);
      Map<String, Integer> per = new HashMap<>();
      pairs.forEach(p -> per.merge(p.annotator(), 1, Integer::sum));
      List<Vpl.Pair> kept = new ArrayList<>();
      pairs.forEach(p -> {
        if (per.get(p.annotator()) >= 4) {
          kept.add(p);
        }
      });
      if (kept.isEmpty()) {
        throw new TemperException("VPL needs an annotator with at least four left/right "
            + "answers (ties and both-bad say nothing about which side is better)");
      }
      List<String> corpus = new ArrayList<>();
      annotations.pairs(s).forEach(p -> {
        corpus.add(p.prompt());
        corpus.add(p.responseA());
        corpus.add(p.responseB());
      });
      VplConfig config = VplConfig.defaults().with("max_train_steps", steps)
          .with("eval_steps", 0);
      return Vpl.train(kept, config, HashedTfIdfEmbedder.fit(corpus, 256), ctx, (st, m) -> { });
    }).onSuccess(v -> {
      closeVpl();
      vpl = v;
      vplResults.setAll(v.evaluate());
      suggestNext();
    }).onFailure(this::fail).executeWith(tasks).future().thenApply(v -> List.copyOf(vplResults));
  }

  private List<Vpl.Pair> labelledPairs(SessionRow s, String only) {
    Map<Long, PairRow> pairs = new HashMap<>();
    annotations.pairs(s).forEach(p -> pairs.put(p.id(), p));
    List<Vpl.Pair> out = new ArrayList<>();
    for (LabelRow l : annotations.labels(s)) {
      Choice c = Choice.of(l.choice());
      if (!c.isPreference() || (only != null && !only.equals(l.annotator()))) {
        continue;
      }
      PairRow p = pairs.get(l.pairId());
      out.add(new Vpl.Pair(l.annotator(), p.prompt(), c == Choice.A ? p.responseA()
          : p.responseB(), c == Choice.A ? p.responseB() : p.responseA()));
    }
    return out;
  }

  /** The current annotator's unanswered pair whose answer tells most about their latent. */
  public CompletableFuture<Vpl.Suggestion> suggestNext() {
    Vpl model = vpl;
    SessionRow s = row;
    String who = annotator.get();
    if (model == null || s == null || who == null) {
      return CompletableFuture.completedFuture(null);
    }
    List<Integer> positions = new ArrayList<>();
    List<String[]> candidates = new ArrayList<>();
    for (Item i : queue) {
      if (!i.labelled()) {
        positions.add(i.position());
        candidates.add(new String[] {i.pair().prompt(), i.pair().responseA(),
            i.pair().responseB()});
      }
    }
    if (candidates.isEmpty()) {
      suggestion.set(who + " has answered every pair.");
      return CompletableFuture.completedFuture(null);
    }
    return BackgroundTask.wrap(() -> model.suggest(labelledPairs(s, who), candidates, 32, 7))
        .onSuccess(sg -> {
          int pos = positions.get(sg.index());
          suggestedPosition.set(pos);
          suggestion.set(String.format(Locale.ROOT, "Ask %s pair %d next: expected "
              + "information %.3f nats (P(a preferred) %.2f)", who, pos + 1, sg.information(),
              sg.preferA()));
        }).onFailure(this::fail).executeWith(tasks).future();
  }

  private void fail(Throwable e) {
    Throwable t = BackgroundTask.unwrap(e);
    error.set(t.getMessage() == null ? t.toString() : t.getMessage());
  }

  // ---------------------------------------------------------------- properties

  public ObservableList<SessionSummary> sessions() {
    return sessions;
  }

  public ObservableList<String> datasets() {
    return datasets;
  }

  public ObjectProperty<SessionSummary> sessionProperty() {
    return session;
  }

  public ObservableList<String> annotators() {
    return annotators;
  }

  public StringProperty annotatorProperty() {
    return annotator;
  }

  public StringProperty questionProperty() {
    return question;
  }

  public BooleanProperty askRatingProperty() {
    return askRating;
  }

  public BooleanProperty askReasonProperty() {
    return askReason;
  }

  public ObjectProperty<Integer> ratingProperty() {
    return rating;
  }

  public StringProperty reasonProperty() {
    return reason;
  }

  public StringProperty promptProperty() {
    return prompt;
  }

  public StringProperty leftProperty() {
    return left;
  }

  public StringProperty rightProperty() {
    return right;
  }

  public StringProperty answerProperty() {
    return answer;
  }

  public IntegerProperty positionProperty() {
    return position;
  }

  public IntegerProperty totalProperty() {
    return total;
  }

  public IntegerProperty labelledProperty() {
    return labelled;
  }

  public DoubleProperty progressProperty() {
    return progress;
  }

  public StringProperty countsProperty() {
    return counts;
  }

  public StringProperty statusProperty() {
    return status;
  }

  public StringProperty errorProperty() {
    return error;
  }

  public BooleanProperty busyProperty() {
    return busy;
  }

  public ObservableList<Agreement.AnnotatorStats> stats() {
    return stats;
  }

  public ObservableList<Agreement.PairKappa> kappas() {
    return kappas;
  }

  public StringProperty alphaProperty() {
    return alpha;
  }

  public ObservableList<Vpl.AnnotatorResult> vplResults() {
    return vplResults;
  }

  public StringProperty suggestionProperty() {
    return suggestion;
  }

  public IntegerProperty suggestedPositionProperty() {
    return suggestedPosition;
  }

  /** The pairs of the open queue, for tests and the view's list. */
  public List<Item> queue() {
    return List.copyOf(queue);
  }
}
