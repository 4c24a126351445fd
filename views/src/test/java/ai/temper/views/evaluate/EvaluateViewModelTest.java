package ai.temper.views.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.eval.ResultTable.Filter;
import ai.temper.engine.eval.ResultTable.Pair;
import ai.temper.engine.eval.ResultTable.Row;
import ai.temper.engine.eval.ResultTable.TaskKey;
import ai.temper.views.common.LineChartPane.Point;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.evaluate.EvaluateViewModel.Bar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Evaluate page without a window, over stored results in a real H2 home. */
class EvaluateViewModelTest {
  @TempDir Path dir;
  Workbench wb;
  EvaluateViewModel model;
  long run;

  @BeforeEach
  void setUp() {
    wb = Workbench.open(dir.resolve("home"));
    run = EvalFixtures.store(wb);
    model = new EvaluateViewModel(wb, TaskExecutor.direct(wb.jobs()));
  }

  @AfterEach
  void tearDown() {
    wb.close();
  }

  @Test
  void tableBarsRunCurveAndDrillDown() throws Exception {
    model.refresh().get(30, TimeUnit.SECONDS);
    assertThat(model.rows()).extracting(r -> r.model().label()).containsExactly(
        "step-10 (run " + run + ", step 10)", "step-20 (run " + run + ", step 20)");
    // development tasks first; the unseen one is flagged
    assertThat(model.taskKeys()).extracting(TaskKey::label)
        .containsExactly("cloze", "held-out [unseen]");

    model.picked().setAll(model.rows());
    assertThat(model.barsProperty().get()).extracting(Bar::model, Bar::task, Bar::value)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("step-10 (run " + run + ", step 10)", "cloze",
                0.5),
            org.assertj.core.groups.Tuple.tuple("step-20 (run " + run + ", step 20)", "cloze",
                0.6),
            org.assertj.core.groups.Tuple.tuple("step-20 (run " + run + ", step 20)",
                "held-out [unseen]", 0.5));
    assertThat(model.barsProperty().get().get(2).unseen()).isTrue();

    assertThat(model.runProperty().get()).isEqualTo(run);
    assertThat(model.runCurvesProperty().get().get("cloze exact_match"))
        .extracting(Point::x, Point::y).containsExactly(
            org.assertj.core.groups.Tuple.tuple(10.0, 0.5),
            org.assertj.core.groups.Tuple.tuple(20.0, 0.6));

    // picking two checkpoints makes them A and B of the drill-down, which lists differences
    Row early = model.rows().get(0);
    assertThat(model.drillAProperty().get()).isEqualTo(early);
    model.loadDrill().get(30, TimeUnit.SECONDS);
    assertThat(model.pairs()).extracting(Pair::idx).containsExactly(1L, 4L, 7L);
    model.filterProperty().set(Filter.A_WRONG_B_RIGHT);
    model.loadDrill().get(30, TimeUnit.SECONDS);
    assertThat(model.pairs()).extracting(Pair::idx).containsExactly(1L, 7L);
    assertThat(model.pairs().get(0).a().output()).isEqualTo("answer 1 from step 10");
    assertThat(model.pairs().get(0).b().output()).isEqualTo("answer 1 from step 20");
    model.filterProperty().set(Filter.ALL);
    model.loadDrill().get(30, TimeUnit.SECONDS);
    assertThat(model.pairs()).hasSize(10);
  }

  @Test
  void exportsCsvAndOpensACheckpointFromRuns() throws Exception {
    model.refresh().get(30, TimeUnit.SECONDS);
    Path csv = dir.resolve("out.csv");
    model.exportCsv(csv).get(30, TimeUnit.SECONDS);
    String text = Files.readString(csv);
    assertThat(text.lines().findFirst().orElseThrow()).startsWith("model,run,step,cloze:")
        .contains("held-out:exact_match [unseen]");
    assertThat(text.lines()).hasSize(3);
    assertThat(text).contains("step-20," + run + ",20,0.600000");

    model.openCheckpoint(Path.of("/ckpt/run/step-20")).get(30, TimeUnit.SECONDS);
    assertThat(model.picked()).extracting(r -> r.model().step()).containsExactly(20L);
    assertThat(model.runProperty().get()).isEqualTo(run);
    model.openCheckpoint(Path.of("/elsewhere")).get(30, TimeUnit.SECONDS);
    assertThat(model.statusProperty().get()).contains("No stored results for /elsewhere");
  }

  @Test
  void runsAnEvaluationAsAJobAndShowsItsResults() throws Exception {
    Path modelFile = Path.of("../shared/models/stories260K/stories260K.bin");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(modelFile),
        "../shared/models/stories260K is absent: skipping");
    model.refresh().get(30, TimeUnit.SECONDS);
    assertThat(model.suiteChoices()).contains("stories", "tulu-dev");
    var outcome = model.evaluate(modelFile.toString(), "stories", false, 2)
        .get(120, TimeUnit.SECONDS);
    assertThat(outcome.tasks()).extracting(t -> t.status().name())
        .containsExactly("COMPUTED", "COMPUTED", "SKIPPED_UNSEEN");
    assertThat(model.runningProperty().get()).isFalse();
    assertThat(model.statusProperty().get()).contains("Evaluated stories260K.bin on stories");
    model.refresh().get(30, TimeUnit.SECONDS);
    assertThat(model.statusProperty().get()).contains("models/checkpoints");
    assertThat(model.rows()).anyMatch(r -> r.model().label().equals("stories260K.bin"));
    assertThat(wb.db().jobs().recent(10)).anyMatch(j -> j.kind().equals("eval"));
    model.evaluate("", "stories", false, null);
    assertThat(model.errorProperty().get()).isEqualTo("Choose a model and a suite to evaluate");
  }
}
