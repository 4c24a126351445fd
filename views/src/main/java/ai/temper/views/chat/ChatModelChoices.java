package ai.temper.views.chat;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ModelCache;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.store.ModelKind;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import ai.temper.views.chat.ChatViewModel.ModelChoice;
import ai.temper.views.common.BackgroundTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The models the Chat page offers (the library's, runs in progress, files opened this
 * session), the one picked for each side, and loading a picked model ahead of the first reply.
 */
final class ChatModelChoices {
  final ObservableList<ModelChoice> models = FXCollections.observableArrayList();
  final ObjectProperty<ModelChoice> left = new SimpleObjectProperty<>();
  final ObjectProperty<ModelChoice> right = new SimpleObjectProperty<>();
  private final ChatEngine engine;
  private final ChatActions actions;

  ChatModelChoices(ChatEngine engine, ChatActions actions) {
    this.engine = engine;
    this.actions = actions;
  }

  /** Off the FX thread: the library's models (adapters aside) and runs in progress. */
  static List<ModelChoice> discover(Workbench workbench, ModelLibrary library) {
    List<ModelChoice> choices = new ArrayList<>();
    for (ModelRow m : library.list()) {
      if (m.kind() != ModelKind.ADAPTER) {
        choices.add(new ModelChoice(m.name(), Path.of(m.path()),
            m.tokenizerPath() == null ? null : Path.of(m.tokenizerPath())));
      }
    }
    for (Run r : workbench.runs().list()) {
      if (r.status() == RunStatus.RUNNING && r.outputDir() != null) {
        choices.add(new ModelChoice("Run " + (r.name() == null ? "#" + r.id() : r.name())
            + " (newest checkpoint)", Path.of(r.outputDir()), null));
      }
    }
    return choices;
  }

  /** Shows the discovered choices, keeping files opened this session and the picks. */
  void show(List<ModelChoice> discovered) {
    List<ModelChoice> keep = new ArrayList<>(discovered);
    for (ModelChoice opened : models) {
      if (keep.stream().noneMatch(c -> c.path().equals(opened.path()))) {
        keep.add(opened);
      }
    }
    // remembered first: a combo box bound to a pick clears it when its items are replaced
    ModelChoice l = left.get();
    ModelChoice r = right.get();
    models.setAll(keep);
    left.set(same(l));
    right.set(same(r));
  }

  /** The offered choice with the path of {@code c}, else {@code c}. */
  ModelChoice same(ModelChoice c) {
    if (c == null) {
      return null;
    }
    return models.stream().filter(m -> m.path().equals(c.path())).findFirst().orElse(c);
  }

  /** Offers {@code c} (if new) and returns the offered one. */
  ModelChoice offer(ModelChoice c) {
    ModelChoice known = same(c);
    if (!models.contains(known)) {
      models.add(known);
    }
    return known;
  }

  /** The choice for a saved conversation's model. */
  ModelChoice choiceFor(String path, String tokenizer) {
    return offer(new ModelChoice(Path.of(path).getFileName().toString(), Path.of(path),
        tokenizer == null ? null : Path.of(tokenizer)));
  }

  /** Loads a picked model as a job so the first reply does not wait for it. */
  void preload(ModelChoice c) {
    if (c == null) {
      return;
    }
    actions.status.set("Loading " + c.label() + "…");
    BackgroundTask.job(ChatViewModel.JOB_KIND, "Load " + c.label(), ctx -> {
      try (ModelCache.Lease lease = engine.models().acquire(c.path(), c.tokenizer(), ctx)) {
        return null;
      }
    }).onSuccess(v -> {
      if (actions.status.get().startsWith("Loading " + c.label())) {
        actions.status.set(c.label() + " loaded");
      }
    }).onCancelled(() -> {}).onFailure(t -> {
      actions.error.set(c.label() + ": " + t.getMessage());
      actions.status.set("");
    }).executeWith(actions.tasks);
  }
}
