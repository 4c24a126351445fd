package ai.temper.views.runs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import ai.temper.views.common.LineChartPane.Point;
import ai.temper.views.common.TaskExecutor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Runs page without a window: runs from the database, overlaid curves, the hooks. */
class RunsViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  RunsViewModel model;
  long sft;
  long dpo;

  @BeforeEach
  void setUp() {
    workbench = Workbench.open(dir.resolve("home"));
    sft = workbench.db().runs().create("sft", "first", "kind: sft\n", "m", "d", null);
    dpo = workbench.db().runs().create("dpo", null, "kind: dpo\n", "m", "d", null);
    List<Metric> rows = new ArrayList<>();
    for (int step = 1; step <= 5; step++) {
      rows.add(new Metric(sft, step, "loss", 2.0 / step));
      rows.add(new Metric(dpo, step, "loss", 1.0 / step));
      rows.add(new Metric(dpo, step, "rewards/margins", step));
    }
    workbench.db().metrics().log(rows);
    model = new RunsViewModel(workbench, TaskExecutor.direct(workbench.jobs()));
  }

  @AfterEach
  void tearDown() {
    workbench.close();
  }

  @Test
  void overlaysTheChosenMetricOfThePickedRuns() throws Exception {
    model.refresh().get(30, TimeUnit.SECONDS);
    assertThat(model.runs()).extracting(Run::id).containsExactlyInAnyOrder(sft, dpo);
    Run first = model.runs().stream().filter(r -> r.id() == sft).findFirst().orElseThrow();
    Run second = model.runs().stream().filter(r -> r.id() == dpo).findFirst().orElseThrow();

    model.picked().setAll(first, second);
    model.loadCurves().get(30, TimeUnit.SECONDS);
    assertThat(model.curvesProperty().get()).containsOnlyKeys("#" + sft + " first",
        "#" + dpo + " dpo");
    assertThat(model.curvesProperty().get().get("#" + sft + " first")).extracting(Point::y)
        .containsExactly(2.0, 1.0, 2.0 / 3, 0.5, 0.4);
    assertThat(model.metricNames()).containsExactly("loss", "rewards/margins");

    model.metricProperty().set("rewards/margins");
    model.loadCurves().get(30, TimeUnit.SECONDS);
    assertThat(model.curvesProperty().get().get("#" + dpo + " dpo")).hasSize(5);
    assertThat(model.curvesProperty().get().get("#" + sft + " first")).isEmpty();
  }

  @Test
  void hooksNeedAPickedRunWithACheckpoint() throws Exception {
    List<Long> resumed = new ArrayList<>();
    model.setOnResume(resumed::add);
    model.resumePicked();
    assertThat(model.errorProperty().get()).isEqualTo("Pick a run to resume");
    model.refresh().get(30, TimeUnit.SECONDS);
    model.picked().setAll(model.runs().get(0));
    model.resumePicked();
    assertThat(resumed).containsExactly(model.runs().get(0).id());

    List<Path> opened = new ArrayList<>();
    model.setOpenInChat(opened::add);
    assertThat(model.openInChat().get(30, TimeUnit.SECONDS)).isEmpty();
    assertThat(opened).isEmpty();
    assertThat(model.errorProperty().get()).endsWith("has no checkpoint yet");
  }

  @Test
  void detailsShowAFailedRunsReasonAndCheckpointsAndSaveNameAndTags() throws Exception {
    workbench.db().runs().finish(dpo, RunStatus.FAILED, "dataset_mixer_list: 'hh' is missing");
    workbench.db().checkpoints().add(dpo, 5, "/tmp/run-2/step-5");
    model.refresh().get(30, TimeUnit.SECONDS);
    Run failed = model.runs().stream().filter(r -> r.id() == dpo).findFirst().orElseThrow();
    model.errorProperty().set("Run 1 has finished; nothing to resume");
    model.picked().setAll(failed);
    assertThat(model.errorProperty().get()).isEmpty(); // another run picked: the message goes
    model.loadDetails().get(30, TimeUnit.SECONDS);
    RunsViewModel.Details d = model.detailsProperty().get();
    assertThat(d.run().error()).contains("'hh' is missing");
    assertThat(d.checkpointText()).isEqualTo("step 5  /tmp/run-2/step-5");
    assertThat(d.run().config()).isEqualTo("kind: dpo\n");

    model.nameProperty().set("dpo on hh");
    model.tagsProperty().set("hh, baseline");
    model.saveDetails().get(30, TimeUnit.SECONDS);
    assertThat(workbench.db().runs().find(dpo).orElseThrow().name()).isEqualTo("dpo on hh");
    assertThat(model.allTags().get(dpo)).containsExactly("baseline", "hh");
    // the refresh after saving kept the run picked, with its new name
    assertThat(model.picked()).extracting(Run::name).containsExactly("dpo on hh");
  }

  @Test
  void timesAreInTheUsersLocaleNotIso() {
    String t = RunsViewModel.formatTime(java.time.Instant.parse("2026-12-07T08:45:32.952Z"));
    assertThat(t).doesNotContain("T08").doesNotContain("Z").contains("26");
    assertThat(RunsViewModel.formatTime(null)).isEmpty();
    java.time.Instant a = java.time.Instant.parse("2026-12-07T08:00:00Z");
    assertThat(RunsViewModel.formatDuration(a, a.plusSeconds(42))).isEqualTo("42 s");
    assertThat(RunsViewModel.formatDuration(a, a.plusSeconds(367))).isEqualTo("6 min");
    assertThat(RunsViewModel.formatDuration(a, null)).isEmpty();
  }
}
