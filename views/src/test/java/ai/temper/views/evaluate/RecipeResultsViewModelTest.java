package ai.temper.views.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.recipe.Recipe;
import ai.temper.engine.recipe.RecipeRunner;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.recipes.TinyRecipes;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Evaluate page's recipe results: a real recipe's stage x task table. */
class RecipeResultsViewModelTest {
  @TempDir Path dir;

  @Test
  void showsTheStageByTaskTableDevelopmentThenUnseen() throws Exception {
    try (Workbench wb = Workbench.open(dir.resolve("home"))) {
      TinyRecipes.loadSamples(wb);
      Path file = TinyRecipes.pretrainThenEval(wb, "quick", "${home}/world/eval/suite.yaml");
      RecipeRunner.Outcome o = new RecipeRunner(wb, line -> { }).run(Recipe.load(file),
          JobContext.none());

      RecipeResultsViewModel model = new RecipeResultsViewModel(wb,
          TaskExecutor.direct(wb.jobs()));
      model.show(o.recipeId()).get(30, TimeUnit.SECONDS);
      awaitRows(model);
      assertThat(model.recipeProperty().get().id()).isEqualTo(o.recipeId());
      List<String> columns = model.columnsProperty().get();
      assertThat(columns).hasSize(o.table().tasks().size()).hasSizeGreaterThanOrEqualTo(4);
      int firstUnseen = columns.indexOf(columns.stream().filter(c -> c.contains("(unseen)"))
          .findFirst().orElseThrow());
      assertThat(columns.subList(0, firstUnseen)).noneMatch(c -> c.contains("(unseen)"));
      assertThat(columns.subList(firstUnseen, columns.size())).allMatch(c ->
          c.contains("(unseen)"));
      assertThat(model.rows()).singleElement().satisfies(r -> {
        assertThat(r.stage()).isEqualTo("eval-base");
        for (int i = 0; i < columns.size(); i++) {
          assertThat(r.values().get(i)).as(columns.get(i))
              .isEqualTo(o.table().rows().get("eval-base").get(columns.get(i)));
        }
      });
      assertThat(model.toTsv()).startsWith("stage\t" + columns.get(0)).contains("eval-base\t");
    }
  }

  static void awaitRows(RecipeResultsViewModel model) throws InterruptedException {
    for (int i = 0; i < 600 && model.rows().isEmpty(); i++) {
      Thread.sleep(50);
    }
  }
}
