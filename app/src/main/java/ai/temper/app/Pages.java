package ai.temper.app;

import ai.temper.engine.Workbench;
import ai.temper.engine.recipe.StarterSamples;
import ai.temper.views.annotate.AnnotateView;
import ai.temper.views.annotate.AnnotateViewModel;
import ai.temper.views.chat.ChatView;
import ai.temper.views.chat.ChatViewModel;
import ai.temper.views.datasets.DatasetsView;
import ai.temper.views.datasets.DatasetsViewModel;
import ai.temper.views.evaluate.EvaluateView;
import ai.temper.views.evaluate.EvaluateViewModel;
import ai.temper.views.evaluate.RecipeResultsViewModel;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.models.EngineViewModel;
import ai.temper.views.models.ModelsView;
import ai.temper.views.models.ModelsViewModel;
import ai.temper.views.recipes.RecipesView;
import ai.temper.views.recipes.RecipesViewModel;
import ai.temper.views.rollouts.RolloutsView;
import ai.temper.views.rollouts.RolloutsViewModel;
import ai.temper.views.runs.RunsView;
import ai.temper.views.runs.RunsViewModel;
import ai.temper.views.shell.Page;
import ai.temper.views.train.TrainView;
import ai.temper.views.train.TrainViewModel;
import ai.temper.views.welcome.WelcomeView;
import ai.temper.views.welcome.WelcomeViewModel;
import ai.temper.views.common.Lifecycle;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Wires the feature views to one workbench, in navigation order. */
final class Pages {
  private Pages() {}

  /**
   * The page the window opens on: the welcome on a home with nothing in it (no datasets,
   * models, runs or recipes), else the page last shown, else Datasets.
   */
  static String firstPage(Workbench wb, Optional<String> remembered) {
    return StarterSamples.isEmpty(wb) ? "welcome"
        : remembered.filter(p -> !p.equals("welcome")).orElse("datasets");
  }

  /**
   * The pages. {@code rememberDevice} keeps the Models page's device choice for the next
   * start; {@code navigate} shows a page by id (cross-page actions go where they act).
   */
  static List<Page> create(Workbench wb, Consumer<String> rememberDevice,
      Consumer<String> navigate) {
    RunsViewModel runs = new RunsViewModel(wb);
    TrainViewModel train = new TrainViewModel(wb);
    // a run resumed from the Runs page trains (and draws its curves) on the Train page
    runs.setOnResume(id -> {
      train.resume(id);
      navigate.accept("train");
    });
    train.setOnFinished(checkpoint -> runs.refresh());
    DatasetsViewModel datasets = new DatasetsViewModel(wb);
    AnnotateViewModel annotate = new AnnotateViewModel(wb);
    ChatViewModel chat = new ChatViewModel(wb);
    // a run's newest checkpoint becomes the Chat page's model (left side)
    runs.setOpenInChat(checkpoint -> {
      chat.openModel(checkpoint, 0);
      navigate.accept("chat");
    });
    EvaluateViewModel evaluate = new EvaluateViewModel(wb);
    // a run's newest checkpoint opens in Evaluate: its run over checkpoints, the checkpoint picked
    runs.setOpenInEvaluate(checkpoint -> {
      evaluate.openCheckpoint(checkpoint);
      navigate.accept("evaluate");
    });
    ModelsViewModel models = new ModelsViewModel(wb);
    RolloutsViewModel rollouts = new RolloutsViewModel(wb);
    ModelsView modelsView = new ModelsView(models);
    modelsView.showEngine(new EngineViewModel(TaskExecutor.fx(wb.jobs()), rememberDevice));
    // the first start's welcome; download and open-from-disk are the Models page's dialogs
    WelcomeViewModel welcome = new WelcomeViewModel(wb);
    welcome.setNavigate(navigate);
    welcome.setOnDownload(repo -> {
      navigate.accept("models");
      modelsView.download(repo);
    });
    welcome.setOnOpenFromDisk(() -> {
      navigate.accept("models");
      modelsView.addFromDisk();
    });
    // recipes: stages link to their run (Runs page) and evaluation (Evaluate page)
    RecipesViewModel recipes = new RecipesViewModel(wb);
    RecipeResultsViewModel recipeResults = new RecipeResultsViewModel(wb);
    EvaluateView evaluateView = new EvaluateView(evaluate);
    evaluateView.showRecipeResults(recipeResults);
    recipes.setOnOpenRun(id -> {
      runs.show(id);
      navigate.accept("runs");
    });
    recipes.setOnFollowRun(id -> {
      train.watch(id);
      navigate.accept("train");
    });
    recipes.setOnOpenEvaluation(checkpoint -> {
      evaluate.openCheckpoint(checkpoint);
      navigate.accept("evaluate");
    });
    recipes.setOnOpenResults(id -> {
      recipeResults.show(id);
      evaluateView.selectRecipeResults();
      navigate.accept("evaluate");
    });
    Lifecycle evaluatePage = new Lifecycle() {
      @Override
      public void activate() {
        evaluate.activate();
        recipeResults.activate();
      }

      @Override
      public void deactivate() {
        evaluate.deactivate();
      }

      @Override
      public void close() {
        evaluate.close();
      }
    };
    return List.of(
        Page.of("welcome", "Welcome", "★", new WelcomeView(welcome), welcome),
        Page.of("datasets", "Datasets", "▤", new DatasetsView(datasets).getRoot(),
            datasets),
        Page.of("annotate", "Annotate", "✎", new AnnotateView(annotate), annotate),
        Page.of("train", "Train", "▶", new TrainView(train), train),
        Page.of("recipes", "Recipes", "⇉", new RecipesView(recipes), recipes),
        Page.of("runs", "Runs", "↗", new RunsView(runs), runs),
        Page.of("rollouts", "Rollouts", "⚄", new RolloutsView(rollouts), rollouts),
        Page.of("chat", "Chat", "✉", new ChatView(chat), chat),
        Page.of("evaluate", "Evaluate", "✓", evaluateView, evaluatePage),
        Page.of("models", "Models", "◆", modelsView, models));
  }
}
