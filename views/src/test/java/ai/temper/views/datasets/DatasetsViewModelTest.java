package ai.temper.views.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.jobs.JobContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxToolkit;

/** The page's logic without a window: paging, search and deletion, all off the FX thread. */
class DatasetsViewModelTest {
  @TempDir Path dir;
  Workbench workbench;
  DatasetsViewModel model;

  @BeforeAll
  static void toolkit() throws Exception {
    FxToolkit.registerPrimaryStage();
  }

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
    model = fx(() -> new DatasetsViewModel(workbench));
  }

  @AfterEach
  void tearDown() {
    workbench.close();
  }

  /** Runs on the FX thread and waits. */
  static <T> T fx(Callable<T> work) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    Platform.runLater(() -> {
      try {
        f.complete(work.call());
      } catch (Exception e) {
        f.completeExceptionally(e);
      }
    });
    return f.get(30, TimeUnit.SECONDS);
  }

  static void await(Callable<CompletableFuture<?>> start) throws Exception {
    fx(start).get(30, TimeUnit.SECONDS);
  }

  @Test
  void pagesAreIndexRangesAndSearchCountsInSql() throws Exception {
    await(() -> model.refreshDatasets());
    assertThat(model.datasets()).extracting(d -> d.name()).containsExactly("chat");
    fx(() -> {
      model.select("chat");
      return null;
    });
    await(() -> model.loadPage());
    assertThat(model.matchesProperty().get()).isEqualTo(230);
    assertThat(model.pageCount()).isEqualTo(5);
    assertThat(model.examples()).hasSize(50);
    await(() -> model.goToPage(4));
    assertThat(model.examples()).hasSize(30);
    assertThat(model.examples().get(0).idx()).isEqualTo(200);
    assertThat(model.examples().get(0).preview()).isEqualTo("tenth question 200");
    await(() -> model.nextPage()); // past the end: stays
    assertThat(model.pageProperty().get()).isEqualTo(4);

    await(() -> model.search("TENTH"));
    assertThat(model.pageProperty().get()).isZero();
    assertThat(model.matchesProperty().get()).isEqualTo(23);
    assertThat(model.examples()).hasSize(23).allMatch(r -> r.preview().startsWith("tenth"));
    assertThat(model.statusProperty().get()).isEqualTo("23 matches for \"TENTH\"");
    await(() -> model.search("\"question 22\""));
    // substrings: "question 22" is also in "question 220".."question 229"
    assertThat(model.examples()).extracting(ExampleRow::idx).containsExactly(22L, 220L, 221L,
        222L, 223L, 224L, 225L, 226L, 227L, 228L, 229L);

    await(() -> model.deleteSelected());
    assertThat(model.datasets()).isEmpty();
    assertThat(model.selectedDatasetProperty().get()).isNull();
    assertThat(model.examples()).isEmpty();
  }

  @Test
  void theImportModelSuggestsANameFromTheFile() {
    assertThat(ImportModel.suggestName("/data/train.jsonl.gz")).isEqualTo("train");
    assertThat(ImportModel.suggestName("x/hh.parquet")).isEqualTo("hh");
    assertThat(ImportModel.suggestName("")).isEmpty();
  }
}
