package ai.temper.views.chat;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatConversation;
import ai.temper.engine.chat.Verdict;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import java.util.List;
import java.util.Map;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * Judging pairs of replies side by side: which pair waits for a verdict, the preference
 * datasets a verdict is saved into, and creating one.
 */
final class ChatPreferences {
  final ObservableList<DatasetInfo> datasets = FXCollections.observableArrayList();
  final ObjectProperty<DatasetInfo> dataset = new SimpleObjectProperty<>();
  final ReadOnlyBooleanWrapper judgeable = new ReadOnlyBooleanWrapper();
  private final Workbench workbench;
  private final ChatActions actions;
  private int judgeIdx = -1;

  ChatPreferences(Workbench workbench, ChatActions actions) {
    this.workbench = workbench;
    this.actions = actions;
  }

  /** Off the FX thread: the workbench's preference datasets. */
  List<DatasetInfo> load() {
    return workbench.datasets().list(DatasetKind.PREFERENCE);
  }

  /** Shows {@code list}, keeping the dataset picked when it is still there. */
  void show(List<DatasetInfo> list) {
    Long keep = dataset.get() == null ? null : dataset.get().id();
    datasets.setAll(list);
    dataset.set(list.stream().filter(d -> keep != null && d.id() == keep).findFirst()
        .orElse(list.isEmpty() ? null : list.get(0)));
  }

  /** The turn whose pair of replies waits for a verdict; -1 for none. */
  void setJudgeIdx(int idx) {
    judgeIdx = idx;
    judgeable.set(idx >= 0);
  }

  /**
   * Judges the pair waiting in {@code c}: left or right better saves it as a preference
   * example into the dataset picked; a tie is recorded with the conversation only.
   */
  void judge(ChatConversation c, Verdict verdict) {
    int idx = judgeIdx;
    if (c == null || idx < 0) {
      return;
    }
    DatasetInfo d = dataset.get();
    if (verdict != Verdict.TIE && d == null) {
      actions.error.set("Pick or create a preference dataset to save the pair into.");
      return;
    }
    setJudgeIdx(-1);
    actions.step(() -> c.judge(idx, verdict, d == null ? null : d.id()), at -> {
      actions.status.set(verdict == Verdict.TIE ? "Tie recorded (not added to a dataset)"
          : (verdict == Verdict.LEFT ? "Left" : "Right") + " preferred: saved as example "
              + at + " of " + d.name());
      actions.step(this::load, this::show);
    });
  }

  /** Creates an empty preference dataset and picks it. */
  void create(String name) {
    String n = name == null ? "" : name.strip();
    actions.step(() -> {
      long id = workbench.chats().createPreferenceDataset(n);
      return Map.entry(id, load());
    }, e -> {
      show(e.getValue());
      e.getValue().stream().filter(d -> d.id() == e.getKey()).findFirst()
          .ifPresent(dataset::set);
      actions.status.set("Created preference dataset " + n);
    });
  }
}
