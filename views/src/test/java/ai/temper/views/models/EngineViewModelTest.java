package ai.temper.views.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Devices;
import ai.temper.engine.Workbench;
import ai.temper.views.common.QueuedUi;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine line of the Models page, without a window: facts, a device choice, a refusal. */
class EngineViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  QueuedUi ui = new QueuedUi();
  List<String> remembered = new ArrayList<>();
  EngineViewModel model;

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
    model = new EngineViewModel(ui.tasks(workbench.jobs()), remembered::add);
  }

  @AfterEach
  void tearDown() {
    Devices.select(null);
    workbench.close();
  }

  @Test
  void statesTheLibtorchAndTheDeviceInForce() throws Exception {
    ui.await(model.refresh());
    assertThat(model.summaryProperty().get())
        .contains("libtorch 2.7.1").contains("device cpu").contains("memory");
  }

  @Test
  void aDeviceThisMachineLacksIsRefusedWithTheReasonAndNothingChanges() throws Exception {
    String before = model.deviceProperty().get();
    try {
      ui.await(model.choose("cuda"));
    } catch (Exception expected) {
      // the failure is shown on the page; the future fails too
    }
    assertThat(model.errorProperty().get()).contains("no CUDA GPU");
    assertThat(model.deviceProperty().get()).isEqualTo(before);
    assertThat(remembered).isEmpty();
    assertThat(Devices.isCpu()).isTrue();
  }

  @Test
  void aChosenDeviceIsAppliedAndRemembered() throws Exception {
    ui.await(model.choose("cpu"));
    assertThat(model.deviceProperty().get()).isEqualTo("cpu");
    assertThat(model.errorProperty().get()).isEmpty();
    assertThat(remembered).containsExactly("cpu");
    assertThat(Devices.requested()).isEqualTo("cpu");
  }
}
