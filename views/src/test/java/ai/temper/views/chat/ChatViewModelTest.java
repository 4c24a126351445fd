package ai.temper.views.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ChatSettings;
import ai.temper.engine.chat.ModelCache;
import ai.temper.engine.chat.Verdict;
import ai.temper.views.common.ManualFrames;
import ai.temper.views.common.QueuedUi;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Chat page without a window: a saved conversation, reopened, judged, deleted. */
class ChatViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  final QueuedUi ui = new QueuedUi();
  final ManualFrames frames = new ManualFrames();
  ChatViewModel model;

  @BeforeAll
  static void present() {
    ChatTestModels.assumeStories(); // the random models borrow stories260K's tokenizer
  }

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
    model = new ChatViewModel(workbench, ChatEngine.leavingACore(new ModelCache(2)),
        ui.tasks(workbench.jobs()), frames);
  }

  @AfterEach
  void tearDown() {
    model.close();
    workbench.close();
  }

  void settle() {
    ui.pumpUntil(() -> {
      frames.tick(30_000_000);
      return !model.generatingProperty().get() && !model.busyProperty().get();
    });
  }

  @Test
  void aSideBySideConversationIsSavedReopenedJudgedAndDeleted() throws Exception {
    Path a = ChatTestModels.randomModel(dir.resolve("a"), 64, 2, 1);
    Path b = ChatTestModels.randomModel(dir.resolve("b"), 64, 2, 2);
    model.sideBySideProperty().set(true);
    model.openModel(a, 0);
    model.openModel(b, 1);
    model.apply(ChatSettings.greedy(8).withIgnoreEos(true));
    model.createPreferenceDataset("prefs");
    settle();
    assertThat(model.datasetProperty().get().name()).isEqualTo("prefs");

    model.inputProperty().set("Hello");
    model.send();
    settle();
    assertThat(model.errorProperty().get()).isEmpty();
    assertThat(model.leftItems()).extracting(ChatItem::role).containsExactly("user",
        "assistant");
    assertThat(model.rightItems().get(1).infoProperty().get()).startsWith("8 tokens");
    assertThat(model.judgeableProperty().get()).isTrue();
    long id = model.conversationIdProperty().get();
    String left = model.leftItems().get(1).text();

    model.newConversation();
    assertThat(model.leftItems()).isEmpty();
    ui.await(model.refresh());
    assertThat(model.conversations()).extracting(s -> s.id()).containsExactly(id);
    model.open(id);
    settle();
    assertThat(model.leftItems().get(1).text()).isEqualTo(left);
    assertThat(model.leftModelProperty().get().path()).isEqualTo(a.toAbsolutePath());
    assertThat(model.judgeableProperty().get()).isTrue();

    model.judge(Verdict.LEFT);
    settle();
    assertThat(model.statusProperty().get()).startsWith("Left preferred: saved as example 0");
    assertThat(workbench.db().datasets().find("prefs").orElseThrow().rowCount()).isEqualTo(1);
    assertThat(model.judgeableProperty().get()).isFalse();

    model.delete(id);
    settle();
    ui.pumpUntil(() -> model.conversations().isEmpty());
    assertThat(model.conversationIdProperty().get()).isNull();
  }
}
