package ai.temper.views.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatConversation;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatSettings;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Example;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.TokenListener;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.store.ConversationRepository.StoredMessage;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Chat page over a real H2 home, with stories260K from ../shared. */
@ExtendWith(ApplicationExtension.class)
class ChatViewTest {
  Path home;
  Path disk;
  Workbench workbench;
  ChatViewModel model;
  ChatView view;

  @BeforeAll
  static void present() {
    ChatTestModels.assumeStories();
  }

  @Start
  void start(Stage stage) throws IOException {
    home = Files.createTempDirectory("temper-chat-home");
    disk = Files.createTempDirectory("temper-chat-disk");
    workbench = Workbench.open(home);
    model = new ChatViewModel(workbench);
    view = new ChatView(model);
    Scene scene = new Scene(view, 1200, 780);
    scene.getStylesheets().add(getClass().getResource("/css/temper.css").toExternalForm());
    stage.setScene(scene);
    stage.show();
    model.refresh();
  }

  @AfterEach
  void close() throws Exception {
    fx(() -> {
      model.close();
      return null;
    });
    for (int i = 0; i < 3; i++) {
      WaitForAsyncUtils.waitForFxEvents();
      Thread.sleep(50);
    }
    workbench.close();
    for (Path p : new Path[] {home, disk}) {
      try (Stream<Path> s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** Types {@code text} and presses Send; waits until the reply (or replies) are done. */
  void send(FxRobot robot, String text) {
    robot.interact(() -> model.inputProperty().set(text));
    robot.clickOn("#chat-send");
    waitUntil(() -> fx(() -> !model.generatingProperty().get() && !model.busyProperty().get()
        && !model.leftItems().isEmpty()
        && !model.leftItems().get(model.leftItems().size() - 1).isUser()
        && !model.leftItems().get(model.leftItems().size() - 1).streamingProperty().get()));
    waitIdle();
  }

  void waitIdle() {
    waitUntil(() -> fx(() -> !model.generatingProperty().get() && !model.busyProperty().get()));
    WaitForAsyncUtils.waitForFxEvents();
  }

  static ChatItem lastReply(List<ChatItem> items) {
    for (int i = items.size() - 1; i >= 0; i--) {
      if (!items.get(i).isUser()) {
        return items.get(i);
      }
    }
    return null;
  }

  /** The text shown in the bubble of turn {@code idx} on {@code side}. */
  String bubbleText(FxRobot robot, String column, int idx, int side) {
    Node bubble = robot.lookup("#" + column).lookup("#bubble-" + idx + "-" + side).query();
    return fx(() -> ((Label) bubble.lookup(".bubble-text")).getText());
  }

  @Test
  void aGreedyReplyStreamsIntoItsBubbleAsTheGeneratorWritesIt(FxRobot robot) throws Exception {
    robot.interact(() -> {
      model.openModel(ChatTestModels.STORIES, 0);
      model.apply(ChatSettings.greedy(150));
    });
    // record every text the reply bubble shows while it streams
    List<String> shown = new ArrayList<>();
    robot.interact(() -> model.leftItems().addListener(
        (javafx.collections.ListChangeListener<ChatItem>) c -> {
          while (c.next()) {
            for (ChatItem item : c.getAddedSubList()) {
              if (!item.isUser()) {
                item.textProperty().addListener((obs, old, now) -> shown.add(now));
              }
            }
          }
        }));
    send(robot, "Tell me a story about a cat.");

    String reply = bubbleText(robot, "chat-column-left", 1, 0);
    String expected;
    try (LoadedModel m = ModelLoader.load(ChatTestModels.STORIES, ChatTestModels.TOKENIZER)) {
      List<ChatMessage> conv = List.of(ChatMessage.user("Tell me a story about a cat."));
      String rendered = ChatEngine.renderPrompt(m, conv);
      assertThat(rendered).isEqualTo("<|user|>\nTell me a story about a cat.\n<|assistant|>\n");
      Generation g = new Generator(m.model(), m.tokenizer()).generate(List.of(rendered),
          ChatEngine.samplingParams(m, ChatSettings.greedy(150)), TokenListener.NONE).get(0);
      expected = g.completion();
      // streamed: more than one update, fewer updates than tokens, each a prefix of the end
      assertThat(shown.size()).isGreaterThan(1).isLessThan(g.completionIds().length);
    }
    assertThat(reply).isEqualTo(expected).hasSizeGreaterThan(20);
    assertThat(shown).allMatch(expected::startsWith);
    String info = fx(() -> lastReply(model.leftItems()).infoProperty().get());
    assertThat(info).matches("\\d+ tokens · [0-9.]+ tok/s · .*");

    // saved: the conversation is listed and holds the two messages
    Long id = fx(() -> model.conversationIdProperty().get());
    List<StoredMessage> saved = workbench.db().conversations().messages(id);
    assertThat(saved).extracting(StoredMessage::role).containsExactly("user", "assistant");
    assertThat(saved.get(1).content()).isEqualTo(expected);
    assertThat(saved.get(1).tokensPerSecond()).isPositive();
    ListView<?> list = robot.lookup("#chat-conversations").queryAs(ListView.class);
    waitUntil(() -> fx(() -> list.getItems().size() == 1));
  }

  @Test
  void stopEndsTheReplyMidWayAndKeepsWhatItWrote(FxRobot robot) throws Exception {
    Path big = ChatTestModels.randomModel(disk.resolve("random"), 256, 4, 5);
    robot.interact(() -> {
      model.openModel(big, 0);
      model.apply(ChatSettings.greedy(1000).withIgnoreEos(true));
    });
    // press Stop as soon as the first text shows
    robot.interact(() -> model.leftItems().addListener(
        (javafx.collections.ListChangeListener<ChatItem>) c -> {
          while (c.next()) {
            for (ChatItem item : c.getAddedSubList()) {
              if (!item.isUser()) {
                item.textProperty().addListener((obs, old, now) -> {
                  if (!now.isEmpty() && item.streamingProperty().get()) {
                    robot.lookup("#chat-stop").queryButton().fire();
                  }
                });
              }
            }
          }
        }));
    send(robot, "Go on and on.");
    ChatItem reply = fx(() -> lastReply(model.leftItems()));
    String info = fx(() -> reply.infoProperty().get());
    assertThat(info).endsWith("stopped");
    int tokens = Integer.parseInt(info.substring(0, info.indexOf(' ')));
    assertThat(tokens).isPositive().isLessThan(900);
    assertThat(fx(reply::text)).isNotEmpty();
    Long id = fx(() -> model.conversationIdProperty().get());
    StoredMessage saved = workbench.db().conversations().messages(id).get(1);
    assertThat(saved.finishReason()).isEqualTo("STOPPED");
    assertThat(saved.content()).isEqualTo(fx(reply::text));
    assertThat(saved.tokens()).isEqualTo(tokens);
    // the job is recorded as cancelled
    assertThat(workbench.db().jobs().recent(10).stream()
        .filter(j -> j.kind().equals(ChatViewModel.JOB_KIND) && j.title().startsWith("Chat"))
        .map(j -> j.status())).contains("CANCELLED");
  }

  @Test
  void editingAnEarlierTurnDropsLaterTurnsAndAnswersTheEditedMessage(FxRobot robot) {
    robot.interact(() -> {
      model.openModel(ChatTestModels.STORIES, 0);
      model.apply(ChatSettings.greedy(30));
    });
    send(robot, "A cat.");
    send(robot, "A dog.");
    assertThat(fx(() -> model.leftItems().size())).isEqualTo(4);
    String firstReplyBefore = bubbleText(robot, "chat-column-left", 1, 0);

    Node userBubble = robot.lookup("#chat-column-left").lookup("#bubble-0-0").query();
    robot.clickOn((Node) userBubble.lookup(".bubble-edit"));
    TextArea editor = (TextArea) userBubble.lookup(".bubble-editor");
    robot.interact(() -> editor.setText("A bird."));
    robot.clickOn((Node) userBubble.lookup(".bubble-save"));
    waitUntil(() -> fx(() -> model.leftItems().size() == 2 && !model.leftItems().get(1)
        .streamingProperty().get() && !model.generatingProperty().get()));
    waitIdle();

    assertThat(fx(() -> model.leftItems().get(0).text())).isEqualTo("A bird.");
    Long id = fx(() -> model.conversationIdProperty().get());
    List<StoredMessage> saved = workbench.db().conversations().messages(id);
    assertThat(saved).extracting(StoredMessage::content).hasSize(2).first()
        .isEqualTo("A bird.");
    assertThat(saved.get(1).content()).isEqualTo(bubbleText(robot, "chat-column-left", 1, 0));
    // the new reply answers the edited message: the same as a fresh conversation would get
    ChatConversation fresh = ChatConversation.open(workbench.db(), id);
    assertThat(fresh.promptFor(1, 0)).containsExactly(ChatMessage.user("A bird."));
    assertThat(saved.get(1).content()).isNotEqualTo(firstReplyBefore);
  }

  @Test
  void regenerateReplacesTheLastReplyAndConversationsReopen(FxRobot robot) {
    robot.interact(() -> {
      model.openModel(ChatTestModels.STORIES, 0);
      model.apply(ChatSettings.defaults().withTemperature(1.0).withMaxNewTokens(40)
          .withSeed(1L));
      model.systemPromptProperty().set("You tell stories.");
    });
    send(robot, "Once upon a time");
    String first = bubbleText(robot, "chat-column-left", 1, 0);
    robot.interact(() -> model.seedProperty().set("2"));
    robot.clickOn("#chat-regenerate");
    waitUntil(() -> fx(() -> model.leftItems().size() == 2
        && !model.leftItems().get(1).streamingProperty().get()
        && !model.generatingProperty().get()));
    waitIdle();
    String second = bubbleText(robot, "chat-column-left", 1, 0);
    assertThat(second).isNotEqualTo(first);
    Long id = fx(() -> model.conversationIdProperty().get());
    assertThat(workbench.db().conversations().messages(id)).extracting(StoredMessage::content)
        .containsExactly("Once upon a time", second);

    // a new chat, then the saved one reopened from the list, with its settings
    robot.clickOn("#chat-new");
    robot.interact(() -> {
      model.systemPromptProperty().set("");
      model.apply(ChatSettings.greedy(10));
    });
    assertThat(fx(() -> model.leftItems().size())).isZero();
    ListView<?> list = robot.lookup("#chat-conversations").queryAs(ListView.class);
    waitUntil(() -> fx(() -> list.getItems().size() == 1));
    robot.interact(() -> list.getSelectionModel().select(0));
    waitUntil(() -> fx(() -> model.leftItems().size() == 2));
    waitIdle();
    assertThat(bubbleText(robot, "chat-column-left", 1, 0)).isEqualTo(second);
    assertThat(fx(() -> model.systemPromptProperty().get())).isEqualTo("You tell stories.");
    assertThat(fx(() -> model.settings())).isEqualTo(ChatSettings.defaults()
        .withTemperature(1.0).withMaxNewTokens(40).withSeed(2L));
    assertThat(fx(() -> model.leftModelProperty().get().path()))
        .isEqualTo(ChatTestModels.STORIES.toAbsolutePath().normalize());
  }

  @Test
  void sideBySideJudgementRecordsExactlyOnePreferenceRow(FxRobot robot) throws Exception {
    Path other = ChatTestModels.perturbedCopy(disk.resolve("perturbed"), 0.03, 11);
    robot.clickOn("#chat-side-by-side");
    robot.interact(() -> {
      model.openModel(ChatTestModels.STORIES, 0);
      model.openModel(other, 1);
      model.apply(ChatSettings.greedy(60));
      model.createPreferenceDataset("chat-prefs");
    });
    waitUntil(() -> fx(() -> model.datasetProperty().get() != null));
    assertThat(robot.lookup("#chat-left-better").queryButton().isDisabled()).isTrue();
    send(robot, "Tell me about a frog.");
    waitUntil(() -> fx(() -> model.judgeableProperty().get()));

    String left = bubbleText(robot, "chat-column-left", 1, 0);
    String right = bubbleText(robot, "chat-column-right", 1, 1);
    assertThat(left).isNotEqualTo(right);
    assertThat(fx(() -> model.rightItems().get(0).text())).isEqualTo("Tell me about a frog.");

    robot.clickOn("#chat-left-better");
    waitIdle();
    // judged once: the buttons are off and a second click adds nothing
    Button leftBetter = robot.lookup("#chat-left-better").queryButton();
    assertThat(leftBetter.isDisabled()).isTrue();
    robot.interact(() -> model.judge(ai.temper.engine.chat.Verdict.RIGHT));
    waitIdle();

    DatasetInfo d = workbench.db().datasets().find("chat-prefs").orElseThrow();
    assertThat(d.rowCount()).isEqualTo(1);
    assertThat(workbench.db().datasets().page(d.id(), 0, 10)).hasSize(1);
    Example e = Example.fromJson(DatasetKind.PREFERENCE,
        workbench.db().datasets().page(d.id(), 0, 1).get(0).data());
    assertThat(e.prompt()).extracting(m -> m.content())
        .containsExactly("Tell me about a frog.");
    assertThat(e.chosen().get(0).content()).isEqualTo(left);
    assertThat(e.rejected().get(0).content()).isEqualTo(right);
    assertThat(e.meta().get("rejected_model").asText()).endsWith("perturbed");
    assertThat(fx(() -> model.statusProperty().get())).contains("saved as example 0");
    Long id = fx(() -> model.conversationIdProperty().get());
    assertThat(workbench.db().conversations().verdicts(id)).hasSize(1);
  }

  @Test
  void aRunInProgressIsOfferedAndAnswersFromItsNewestCheckpoint(FxRobot robot) {
    Path out = disk.resolve("run-out");
    ChatTestModels.perturbedCopy(out.resolve("step-100"), 0.0, 1);
    long run = workbench.db().runs().create("sft", "tulu-tiny", "", "stories260K", "x",
        out.toString());
    workbench.db().runs().markRunning(run);
    robot.interact(model::refresh);
    waitUntil(() -> fx(() -> model.models().stream()
        .anyMatch(c -> c.label().equals("Run tulu-tiny (newest checkpoint)"))));
    robot.interact(() -> {
      model.leftModelProperty().set(model.models().stream()
          .filter(c -> c.label().startsWith("Run tulu-tiny")).findFirst().orElseThrow());
      model.apply(ChatSettings.greedy(20));
    });
    send(robot, "Hello.");
    // the run saves a newer checkpoint; the next reply comes from it
    ChatTestModels.perturbedCopy(out.resolve("step-200"), 0.02, 2);
    send(robot, "Again.");
    Long id = fx(() -> model.conversationIdProperty().get());
    List<StoredMessage> saved = workbench.db().conversations().messages(id);
    assertThat(saved.get(1).modelPath()).endsWith("step-100");
    assertThat(saved.get(3).modelPath()).endsWith("step-200");
    assertThat(workbench.db().conversations().find(id).orElseThrow().modelPath())
        .isEqualTo(out.toAbsolutePath().normalize().toString());
  }

  static <T> T fx(Callable<T> c) {
    try {
      return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void waitUntil(BooleanSupplier condition) {
    try {
      WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, condition::getAsBoolean);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("condition not met within 60 s", e);
    }
  }
}
