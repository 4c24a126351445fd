package ai.temper.views.welcome;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.recipe.StarterSamples;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.RunStatus;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.recipes.TinyRecipes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The welcome page's actions on a real, empty home, without a window. */
class WelcomeViewModelTest {
  @TempDir Path dir;

  @Test
  void loadsTheSamplesOnceAndAgainWithoutDuplicates() throws Exception {
    try (Workbench wb = Workbench.open(dir.resolve("home"))) {
      assertThat(StarterSamples.isEmpty(wb)).isTrue();
      WelcomeViewModel model = new WelcomeViewModel(wb, TaskExecutor.direct(wb.jobs()));
      model.refresh().get(30, TimeUnit.SECONDS);
      assertThat(model.samplesLoadedProperty().get()).isFalse();
      List<Double> progress = new ArrayList<>();
      model.progressProperty().addListener((o, a, b) -> progress.add(b.doubleValue()));

      StarterSamples.Loaded l = model.loadSamples().get(60, TimeUnit.SECONDS);
      assertThat(model.errorProperty().get()).isEmpty();
      assertThat(model.samplesLoadedProperty().get()).isTrue();
      assertThat(model.busyProperty().get()).isFalse();
      assertThat(model.statusProperty().get()).startsWith("Loaded 5 datasets");
      assertThat(progress).isNotEmpty().allMatch(p -> p <= 1.0);
      assertThat(wb.datasets().list()).extracting(DatasetInfo::name)
          .contains("world-pretrain", "world-sft", "world-prefs", "world-rlvr-train",
              "world-rlvr-heldout");
      assertThat(wb.datasets().find("world-sft").orElseThrow().rowCount())
          .isEqualTo(Files.readAllLines(l.world().resolve("sft.jsonl")).size());
      assertThat(wb.datasets().find("world-prefs").orElseThrow().kind())
          .isEqualTo("preference");
      assertThat(l.suite()).isRegularFile();
      assertThat(StarterSamples.recipeFiles(wb.home())).extracting(p -> p.getFileName()
          .toString()).contains("olmo-tiny.yaml", "starter-base.yaml");
      assertThat(StarterSamples.isEmpty(wb)).isFalse();

      // again: nothing imported twice, an edited recipe kept
      Path olmo = StarterSamples.recipesDir(wb.home()).resolve("olmo-tiny.yaml");
      Files.writeString(olmo, Files.readString(olmo) + "# mine\n");
      StarterSamples.Loaded again = model.loadSamples().get(60, TimeUnit.SECONDS);
      assertThat(again.imported()).isEmpty();
      assertThat(again.existing()).hasSize(5);
      assertThat(wb.datasets().list()).hasSize(5);
      assertThat(Files.readString(olmo)).endsWith("# mine\n");
    }
  }

  @Test
  void buildsTheStarterModelIntoTheLibraryAndHandsDownloadsOn() throws Exception {
    try (Workbench wb = Workbench.open(dir.resolve("home"))) {
      TinyRecipes.loadSamples(wb);
      TinyRecipes.shortenStarter(wb, 2);
      WelcomeViewModel model = new WelcomeViewModel(wb, TaskExecutor.direct(wb.jobs()));
      model.refresh().get(30, TimeUnit.SECONDS);
      assertThat(model.starterModelProperty().get()).isEmpty();

      model.buildStarterModel().get(120, TimeUnit.SECONDS);
      model.refresh().get(30, TimeUnit.SECONDS);
      assertThat(model.errorProperty().get()).isEmpty();
      String name = model.starterModelProperty().get();
      assertThat(name).startsWith("starter-base/pretrain/step-2");
      assertThat(wb.models().find(name)).isPresent();
      assertThat(wb.runs().list()).singleElement()
          .satisfies(r -> assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED));

      List<String> asked = new ArrayList<>();
      model.setOnDownload(asked::add);
      model.download(model.suggestions().get(0).repoId());
      assertThat(asked).containsExactly("HuggingFaceTB/SmolLM2-135M-Instruct");
    }
  }
}
