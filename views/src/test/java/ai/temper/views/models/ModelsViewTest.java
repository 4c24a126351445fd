package ai.temper.views.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.models.LineageNode;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.store.ModelRepository.ModelRow;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TreeItem;
import javafx.scene.control.TreeView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Models page over a real H2 home in a temporary folder. */
@ExtendWith(ApplicationExtension.class)
class ModelsViewTest {
  static final LlamaConfig TINY = LlamaConfig.llama(512, 64, 172, 5, 8, 4, 512, true);

  Path home;
  Path disk;
  Workbench workbench;
  ModelsViewModel model;
  ModelsView view;
  final AtomicReference<String> hubEndpoint = new AtomicReference<>("http://127.0.0.1:9");

  @Start
  void start(Stage stage) throws IOException {
    home = Files.createTempDirectory("temper-models-home");
    disk = Files.createTempDirectory("temper-models-disk");
    workbench = Workbench.open(home);
    model = new ModelsViewModel(workbench, () -> new HubClient(hubEndpoint.get(), null));
    view = new ModelsView(model);
    stage.setScene(new Scene(view, 1200, 800));
    stage.show();
  }

  @AfterEach
  void close() throws Exception {
    // let pending loads land before the home closes under them
    waitUntil(() -> !model.busyProperty().get());
    for (int i = 0; i < 3; i++) {
      WaitForAsyncUtils.waitForFxEvents();
      Thread.sleep(100);
    }
    workbench.close();
    for (Path p : new Path[] {home, disk}) {
      try (Stream<Path> s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  void addAFolderThroughTheDialogAndSeeItListedWithDetails(FxRobot robot) throws IOException {
    Path dir = hfFolder(disk.resolve("tiny-hf"));
    robot.clickOn("#models-add");
    TextField path = robot.lookup("#models-add-path").queryAs(TextField.class);
    TextField name = robot.lookup("#models-add-name").queryAs(TextField.class);
    robot.interact(() -> {
      path.setText(dir.toString());
      name.setText("my-tiny");
    });
    robot.clickOn((Node n) -> n instanceof Button b && "OK".equals(b.getText()));

    TableView<ModelRow> table = robot.lookup("#models-table").queryTableView();
    waitUntil(() -> table.getItems().size() == 1);
    ModelRow row = table.getItems().get(0);
    assertThat(row.name()).isEqualTo("my-tiny");
    assertThat(row.parameters()).isEqualTo(260_032L);
    // the new model is selected and its details shown
    TextArea details = robot.lookup("#models-details").queryAs(TextArea.class);
    waitUntil(() -> details.getText().contains("260,032"));
    assertThat(details.getText()).contains("name:          my-tiny")
        .contains("hidden 64, intermediate 172, 5 layers").contains("memory:")
        .contains("chat template: yes").contains("tokenizer.json").contains("model.safetensors")
        .contains("evaluations:   none yet");
    TreeView<LineageNode> tree = robot.lookup("#models-lineage").query();
    assertThat(tree.getRoot().getChildren()).hasSize(1);
  }

  @Test
  void lineageShowsCheckpointsUnderTheirBaseAndSelectingOneShowsItsRun(FxRobot robot)
      throws Exception {
    Path baseDir = hfFolder(disk.resolve("base"));
    ModelRow base = WaitForAsyncUtils.asyncFx(() -> model.addFromDisk(baseDir, null, true))
        .get().future().get(60, TimeUnit.SECONDS);
    long run = workbench.db().runs().create("sft", "tulu-mini", "lr: 1e-4", base.name(),
        "gsm8k", null);
    ModelRow ckpt = model.library().registerCheckpoint(run, base.id(),
        hfFolder(workbench.checkpointsDir().resolve("run-1/step-50")), 50);
    robot.interact(model::refresh);
    TreeView<LineageNode> tree = robot.lookup("#models-lineage").query();
    waitUntil(() -> tree.getRoot() != null && tree.getRoot().getChildren().size() == 1
        && tree.getRoot().getChildren().get(0).getChildren().size() == 1);
    TreeItem<LineageNode> child = tree.getRoot().getChildren().get(0).getChildren().get(0);
    assertThat(child.getValue().model().id()).isEqualTo(ckpt.id());
    assertThat(ModelsView.label(child.getValue())).isEqualTo(
        "tulu-mini/step-50  [checkpoint, sft, step 50, 260.0K]");

    robot.interact(() -> tree.getSelectionModel().select(child));
    TableView<ModelRow> table = robot.lookup("#models-table").queryTableView();
    waitUntil(() -> table.getSelectionModel().getSelectedItem() != null
        && table.getSelectionModel().getSelectedItem().id() == ckpt.id());
    TextArea details = robot.lookup("#models-details").queryAs(TextArea.class);
    waitUntil(() -> details.getText().contains("algorithm:"));
    assertThat(details.getText()).contains("base:          base (id " + base.id() + ")")
        .contains("data:          gsm8k").contains("step:          50");
  }

  @Test
  void aDownloadShowsProgressAndCanBeCancelled(FxRobot robot) throws Exception {
    byte[] weights = new byte[2_000_000];
    HttpServer hub = slowHub(weights);
    try {
      hubEndpoint.set("http://127.0.0.1:" + hub.getAddress().getPort());
      robot.clickOn("#models-download");
      TextField repo = robot.lookup("#models-download-repo").queryAs(TextField.class);
      robot.interact(() -> repo.setText("org/slow"));
      robot.clickOn((Node n) -> n instanceof Button b && "OK".equals(b.getText()));

      waitUntil(() -> model.progressProperty().get() > 0.05);
      assertThat(model.busyProperty().get()).isTrue();
      assertThat(robot.lookup("#models-progress").query().isVisible()).isTrue();
      assertThat(model.jobMessageProperty().get()).contains("model.safetensors").contains(" of ");
      Node cancel = robot.lookup("#models-cancel").query();
      assertThat(cancel.localToScene(cancel.getBoundsInLocal()).getMaxY()).isLessThan(800);
      robot.clickOn("#models-cancel");
      waitUntil(() -> !model.busyProperty().get());
      assertThat(model.jobMessageProperty().get()).endsWith("cancelled");
      assertThat(model.models()).isEmpty();
      assertThat(workbench.db().models().list()).isEmpty();
    } finally {
      hub.stop(0);
    }
  }

  @Test
  void createATinyModelFromScratchThroughTheDialog(FxRobot robot) throws Exception {
    Path stories = Path.of("../shared/models/stories260K/stories260K.bin");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(stories),
        "../shared/models/stories260K is absent");
    WaitForAsyncUtils.asyncFx(() -> model.addFromDisk(stories, null, false)).get().future()
        .get(60, TimeUnit.SECONDS);
    TableView<ModelRow> table = robot.lookup("#models-table").queryTableView();
    waitUntil(() -> table.getItems().size() == 1 && !model.busyProperty().get());

    robot.clickOn("#models-create");
    TextField name = robot.lookup("#models-create-name").queryAs(TextField.class);
    robot.interact(() -> name.setText("my-scratch"));
    robot.clickOn((Node n) -> n instanceof Button b && "OK".equals(b.getText()));

    waitUntil(() -> table.getItems().size() == 2);
    ModelRow created = table.getItems().get(1);
    assertThat(created.name()).isEqualTo("my-scratch");
    assertThat(created.parameters()).isEqualTo(260_032L);
    TextArea details = robot.lookup("#models-details").queryAs(TextArea.class);
    waitUntil(() -> details.getText().contains("my-scratch"));
    assertThat(details.getText()).contains("scratch:tiny seed 42, tokenizer of stories260K")
        .contains("tokenizer.json");
  }

  @Test
  void aFailedActionShowsItsError(FxRobot robot) {
    robot.interact(() -> model.addFromDisk(disk.resolve("nothing-here"), null, false));
    waitUntil(() -> !model.errorProperty().get().isEmpty());
    assertThat(robot.lookup("#models-error").queryLabeled().getText())
        .contains("nothing-here").contains("no such file");
    assertThat(model.busyProperty().get()).isFalse();
  }

  /** A Hub stand-in on 127.0.0.1 that sends the weights slowly. */
  static HttpServer slowHub(byte[] weights) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0),
        0);
    byte[] config = TINY.toJson().toString().getBytes(StandardCharsets.UTF_8);
    s.createContext("/api/models/org/slow/revision/main", ex -> send(ex, ("{\"sha\":\"c0ffee\","
        + "\"siblings\":[{\"rfilename\":\"config.json\",\"size\":" + config.length + "},"
        + "{\"rfilename\":\"model.safetensors\",\"size\":" + weights.length + "}]}")
        .getBytes(StandardCharsets.UTF_8), 0));
    s.createContext("/org/slow/resolve/c0ffee/config.json", ex -> send(ex, config, 0));
    s.createContext("/org/slow/resolve/c0ffee/model.safetensors", ex -> send(ex, weights, 30));
    s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    }));
    s.start();
    return s;
  }

  static void send(com.sun.net.httpserver.HttpExchange ex, byte[] body, long delayMs)
      throws IOException {
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      for (int i = 0; i < body.length; i += 32 * 1024) {
        out.write(body, i, Math.min(32 * 1024, body.length - i));
        out.flush();
        if (delayMs > 0) {
          Thread.sleep(delayMs);
        }
      }
    } catch (IOException | InterruptedException e) {
      // the client went away (cancelled)
    } finally {
      ex.close();
    }
  }

  /** A Hugging Face folder of the stories260K shape (zero weights: only headers are read). */
  static Path hfFolder(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), TINY.toJson().toPrettyString());
    String header = "{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[64],"
        + "\"data_offsets\":[0,256]}}";
    while (header.length() % 8 != 0) {
      header += " ";
    }
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      out.write(h);
      out.write(new byte[256]);
    }
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
    Files.writeString(dir.resolve("tokenizer_config.json"),
        "{\"chat_template\":\"{{ messages }}\"}");
    return dir;
  }

  static void waitUntil(BooleanSupplier condition) {
    try {
      WaitForAsyncUtils.waitFor(15, TimeUnit.SECONDS, condition::getAsBoolean);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("condition not met within 15 s", e);
    }
  }
}
