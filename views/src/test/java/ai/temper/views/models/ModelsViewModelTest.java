package ai.temper.views.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.Workbench;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.views.common.QueuedUi;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Models page without a window or toolkit: add, details, lineage, remove, failures. */
class ModelsViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  ModelsViewModel model;
  QueuedUi ui = new QueuedUi();

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
    model = new ModelsViewModel(workbench, () -> new HubClient("http://127.0.0.1:9", null),
        ui.tasks(workbench.jobs()));
  }

  @AfterEach
  void tearDown() {
    model.close();
    workbench.close();
  }

  @Test
  void anAddedModelIsListedSelectedAndDescribedThenRemoved() throws Exception {
    Path folder = ModelsViewTest.hfFolder(dir.resolve("tiny-hf"));
    ModelRow row = ui.await(model.addFromDisk(folder, "my-tiny", false).future());
    assertThat(row.name()).isEqualTo("my-tiny");
    assertThat(model.busyProperty().get()).isFalse();
    assertThat(model.jobMessageProperty().get()).isEqualTo("Add tiny-hf: done");
    ui.pumpUntil(() -> model.detailsTextProperty().get().contains("my-tiny"));
    assertThat(model.models()).extracting(ModelRow::name).containsExactly("my-tiny");
    assertThat(model.selectedProperty().get().id()).isEqualTo(row.id());
    assertThat(model.lineageProperty().get()).hasSize(1);
    assertThat(model.detailsTextProperty().get()).contains("name:          my-tiny")
        .contains("260,032");

    ui.await(model.remove(model.selectedProperty().get(), false).future());
    ui.pumpUntil(() -> model.models().isEmpty());
    assertThat(model.selectedProperty().get()).isNull();
    assertThat(model.detailsTextProperty().get()).isEmpty();
  }

  @Test
  void aFailedActionShowsItsErrorAndIsNoLongerBusy() throws Exception {
    var task = model.addFromDisk(dir.resolve("nothing-here"), null, false);
    assertThatThrownBy(() -> ui.await(task.future()))
        .hasMessageContaining("nothing-here");
    assertThat(model.errorProperty().get()).startsWith("Add nothing-here: ")
        .contains("no such file");
    assertThat(model.busyProperty().get()).isFalse();
    assertThat(workbench.db().jobs().recent(1).get(0).status()).isEqualTo("FAILED");
  }
}
