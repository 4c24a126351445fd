package ai.temper.views.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.Workbench;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.DatasetStatistics;
import ai.temper.engine.jobs.JobContext;
import ai.temper.views.common.TaskExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page's logic without a window or the JavaFX toolkit: the work runs on the real job
 * runner over a real H2 home, the results are delivered on the worker thread (a direct
 * {@link TaskExecutor}), and each step waits for the future of the work it started.
 */
class DatasetsViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  DatasetsViewModel model;

  @BeforeEach
  void setUp() throws Exception {
    workbench = Workbench.open(dir.resolve("home"));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 230; i++) {
      lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"" + (i % 10 == 0 ? "tenth "
          : "") + "question " + i + "\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}");
    }
    Path f = dir.resolve("chat.jsonl");
    Files.write(f, lines);
    new DatasetImporter(workbench.db()).importFile(f, new DatasetImporter.Options("chat",
        DataFormat.AUTO, null), JobContext.none());
    model = new DatasetsViewModel(workbench, TaskExecutor.direct(workbench.jobs()));
  }

  @AfterEach
  void tearDown() {
    workbench.close();
  }

  static <T> T await(CompletableFuture<T> work) throws Exception {
    return work.get(30, TimeUnit.SECONDS);
  }

  @Test
  void pagesAreIndexRangesAndSearchCountsInSql() throws Exception {
    await(model.refreshDatasets());
    assertThat(model.datasets()).extracting(d -> d.name()).containsExactly("chat");
    model.select("chat");
    await(model.loadPage());
    assertThat(model.matchesProperty().get()).isEqualTo(230);
    assertThat(model.pageCount()).isEqualTo(5);
    assertThat(model.examples()).hasSize(50);
    await(model.goToPage(4));
    assertThat(model.examples()).hasSize(30);
    assertThat(model.examples().get(0).idx()).isEqualTo(200);
    assertThat(model.examples().get(0).preview()).isEqualTo("tenth question 200");
    await(model.nextPage()); // past the end: stays
    assertThat(model.pageProperty().get()).isEqualTo(4);

    await(model.search("TENTH"));
    assertThat(model.pageProperty().get()).isZero();
    assertThat(model.matchesProperty().get()).isEqualTo(23);
    assertThat(model.examples()).hasSize(23).allMatch(r -> r.preview().startsWith("tenth"));
    assertThat(model.statusProperty().get()).isEqualTo("23 matches for \"TENTH\"");
    await(model.search("\"question 22\""));
    // substrings: "question 22" is also in "question 220".."question 229"
    assertThat(model.examples()).extracting(ExampleRow::idx).containsExactly(22L, 220L, 221L,
        222L, 223L, 224L, 225L, 226L, 227L, 228L, 229L);

    await(model.deleteSelected());
    assertThat(model.datasets()).isEmpty();
    assertThat(model.selectedDatasetProperty().get()).isNull();
    assertThat(model.examples()).isEmpty();
  }

  @Test
  void anImportIsARecordedJobWhoseRowErrorsAndStatisticsReachTheModel() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.write(bad, List.of(
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, "
            + "{\"role\": \"assistant\", \"content\": \"hello\"}]}",
        "{not json",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"two words\"}, "
            + "{\"role\": \"assistant\", \"content\": \"yes\"}]}"));
    ImportModel m = model.importModel();
    m.fileProperty().set(bad.toString());
    m.nameProperty().set("mixed");
    DatasetImporter.Result result = await(model.startImport());
    assertThat(result.rows()).isEqualTo(2);
    assertThat(m.runningProperty().get()).isFalse();
    assertThat(m.succeededProperty().get()).isTrue();
    assertThat(m.progressProperty().get()).isEqualTo(1.0);
    assertThat(m.messageProperty().get()).startsWith("Imported 2 rows").contains("1 malformed");
    assertThat(m.errors()).singleElement().asString().contains("line 2");
    assertThat(model.selectedDatasetProperty().get().name()).isEqualTo("mixed");
    assertThat(workbench.db().jobs().recent(10)).anyMatch(j -> j.kind().equals("dataset-import")
        && j.status().equals("SUCCEEDED"));

    DatasetStatistics stats = await(model.computeStatistics());
    assertThat(model.statisticsProperty().get()).isSameAs(stats);
    assertThat(model.statisticsRunningProperty().get()).isFalse();

    m.fileProperty().set(bad.toString());
    m.nameProperty().set("strict");
    m.onErrorProperty().set(DatasetImporter.OnError.ABORT);
    assertThatThrownBy(() -> await(model.startImport())).hasRootCauseInstanceOf(
        DatasetImporter.ImportFailedException.class);
    assertThat(m.runningProperty().get()).isFalse();
    assertThat(m.succeededProperty().get()).isFalse();
    assertThat(m.errors()).singleElement().asString().contains("line 2");
    await(model.refreshDatasets());
    assertThat(model.datasets()).extracting(d -> d.name()).containsExactly("chat", "mixed");
  }

  @Test
  void theImportModelSuggestsANameFromTheFile() {
    assertThat(ImportModel.suggestName("/data/train.jsonl.gz")).isEqualTo("train");
    assertThat(ImportModel.suggestName("x/hh.parquet")).isEqualTo("hh");
    assertThat(ImportModel.suggestName("")).isEmpty();
  }
}
