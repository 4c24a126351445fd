package ai.temper.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.app.cli.CliRunner;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import ai.temper.views.chat.ChatItem;
import ai.temper.views.chat.ChatView;
import ai.temper.views.chat.ChatViewModel;
import ai.temper.views.chat.ChatViewModel.ModelChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javafx.collections.ListChangeListener;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Chat page against the command line: stories260K picked from the model library, a prompt
 * sent at temperature 0, and the text streamed into the reply bubble is exactly what
 * {@code temper generate} prints for the same model, settings and prompt. A chat prompt goes
 * through the chat template (Tulu's, since stories260K brings none), so generate is given the
 * rendered conversation as its prompt, and the template's stop texts as --stop.
 */
@ExtendWith(ApplicationExtension.class)
class ChatGenerateParityTest {
  static final Path MODEL = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path TOKENIZER = Path.of("../shared/models/stories260K/tok512.bin");
  static final String PROMPT = "Tell me a story about a little cat.";
  static final int MAX_NEW = 200;

  Path home;
  Workbench workbench;
  ChatViewModel model;

  @Start
  void start(Stage stage) throws Exception {
    home = Files.createTempDirectory("temper-chat-parity");
    workbench = Workbench.open(home);
    model = new ChatViewModel(workbench);
    Scene scene = new Scene(new ChatView(model), 1200, 780);
    scene.getStylesheets().add(TemperApp.stylesheet());
    stage.setScene(scene);
    stage.show();
  }

  @AfterEach
  void close() throws Exception {
    WaitForAsyncUtils.asyncFx(() -> model.close()).get(60, TimeUnit.SECONDS);
    workbench.close();
    try (Stream<Path> s = Files.walk(home)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  @Test
  void streamedReplyAtTemperatureZeroEqualsTemperGenerate(FxRobot robot) throws Exception {
    assumeTrue(Files.exists(MODEL) && Files.exists(TOKENIZER),
        "../shared/models/stories260K is absent: skipping");
    new ModelLibrary(workbench).importLocal(MODEL,
        new ModelLibrary.ImportOptions("stories260K", false, TOKENIZER, null), JobContext.none());
    robot.interact(model::refresh);

    // pick the model from the library in the picker, set the sampling controls
    ComboBox<ModelChoice> picker = robot.lookup("#chat-model-left").queryComboBox();
    waitUntil(() -> fx(() -> !picker.getItems().isEmpty()));
    robot.interact(() -> picker.getSelectionModel().select(0));
    assertThat(fx(() -> model.leftModelProperty().get().label())).isEqualTo("stories260K");
    Spinner<Double> temperature = robot.lookup("#chat-temperature").query();
    Spinner<Integer> maxNew = robot.lookup("#chat-max-new-tokens").query();
    robot.interact(() -> {
      temperature.getValueFactory().setValue(0.0);
      maxNew.getValueFactory().setValue(MAX_NEW);
    });

    // every text the reply bubble shows while it streams
    List<String> shown = new ArrayList<>();
    robot.interact(() -> model.leftItems().addListener((ListChangeListener<ChatItem>) c -> {
      while (c.next()) {
        for (ChatItem item : c.getAddedSubList()) {
          if (!item.isUser()) {
            item.textProperty().addListener((obs, old, now) -> shown.add(now));
          }
        }
      }
    }));
    robot.interact(() -> model.inputProperty().set(PROMPT));
    robot.clickOn("#chat-send");
    waitUntil(() -> fx(() -> !model.generatingProperty().get() && !model.busyProperty().get()
        && model.leftItems().size() == 2 && !model.leftItems().get(1).streamingProperty()
        .get()));
    WaitForAsyncUtils.waitForFxEvents();
    Node bubble = robot.lookup("#chat-column-left").lookup("#bubble-1-0").query();
    String streamed = fx(() -> ((Label) bubble.lookup(".bubble-text")).getText());

    // the same prompt and settings through the command line
    String rendered = "<|user|>\n" + PROMPT + "\n<|assistant|>\n";
    CliRunner.Result r = CliRunner.run("generate", "--model", MODEL.toString(), "--tokenizer",
        TOKENIZER.toString(), "--prompt", rendered, "--temperature", "0", "--max-new-tokens",
        Integer.toString(MAX_NEW), "--stop", "<|user|>", "--stop", "<|system|>");
    assertThat(r.code()).as(r.err()).isZero();
    // generate prints the prompt as its decoder shows it, the completion and a newline
    String head;
    try (Tokenizer tok = Llama2cTokenizer.read(TOKENIZER)) {
      Tokenizer.StreamDecoder d = tok.newStreamDecoder();
      StringBuilder sb = new StringBuilder();
      for (int id : tok.encode(rendered, true)) {
        sb.append(d.push(id));
      }
      head = sb.toString();
    }
    assertThat(head.strip()).isEqualTo(rendered.strip());
    assertThat(r.out()).startsWith(head);
    String completion = r.out().substring(head.length(), r.out().length() - 1);
    assertThat(streamed).isEqualTo(completion).hasSizeGreaterThan(20);
    // it streamed: several partial texts, each the start of the final one
    assertThat(shown.size()).isGreaterThan(1);
    assertThat(shown).allMatch(completion::startsWith);
    assertThat(shown.get(shown.size() - 1)).isEqualTo(completion);
    // and the conversation was saved with the reply and its speed
    Long id = fx(() -> model.conversationIdProperty().get());
    var saved = workbench.db().conversations().messages(id);
    assertThat(saved.get(1).content()).isEqualTo(completion);
    assertThat(saved.get(1).modelPath()).endsWith("stories260K.bin");
    assertThat(fx(() -> model.leftItems().get(1).infoProperty().get())).contains("tok/s");
  }

  static <T> T fx(Callable<T> c) {
    try {
      return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) {
    try {
      WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, condition::getAsBoolean);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("condition not met within 60 s", e);
    }
  }
}
