package ai.temper.views.common;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.store.RunRepository.Run;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table pages' view-model without a window: rows on activate, errors shown, then cleared. */
class ListViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  final QueuedUi ui = new QueuedUi();

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
  }

  @AfterEach
  void tearDown() {
    workbench.close();
  }

  @Test
  void activatingLoadsTheRowsAndAFailureIsShownUntilTheNextLoad() throws Exception {
    AtomicBoolean broken = new AtomicBoolean(true);
    ListViewModel<Run> model = new ListViewModel<>(ui.tasks(workbench.jobs()), () -> {
      if (broken.get()) {
        throw new TemperException("database is busy");
      }
      return workbench.db().runs().list();
    });
    model.activate();
    ui.pumpUntil(() -> !model.errorProperty().get().isEmpty());
    assertThat(model.errorProperty().get()).isEqualTo("database is busy");
    assertThat(model.rows()).isEmpty();

    broken.set(false);
    workbench.db().runs().create("sft", "one", "kind: sft\n", "m", "d", null);
    List<Run> rows = ui.await(model.refresh());
    assertThat(rows).hasSize(1);
    assertThat(model.rows()).extracting(Run::name).containsExactly("one");
    assertThat(model.errorProperty().get()).isEmpty();
  }
}
