package ai.temper.engine.recipe;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.eval.EvalSuite;
import ai.temper.engine.eval.Evaluator.Status;
import ai.temper.engine.eval.Evaluator.SuiteOutcome;
import ai.temper.engine.eval.Evaluator.TaskOutcome;
import ai.temper.engine.eval.Evaluator;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.recipe.Recipe.Stage;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.engine.store.RecipeRepository.RecipeRow;
import ai.temper.engine.store.RecipeRepository.StageRow;
import ai.temper.engine.store.RecipeRepository;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunStatus;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainListener;
import ai.temper.engine.train.TrainResult;
import ai.temper.engine.train.TrainingRuns;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * Runs a {@link Recipe} on a workbench: each stage in order, each training stage a normal
 * training run ({@link TrainingRuns}) starting from the previous training stage's final
 * checkpoint unless its config names {@code model_name_or_path}. The recipe and its stages are
 * rows in the database (written before the work they describe), so running the same recipe
 * again skips DONE stages and resumes a stage's interrupted run from its last checkpoint.
 *
 * <p>In configs and suite paths, {@code ${home}} is the workbench home and
 * {@code ${stage:NAME}} the checkpoint a finished stage produced (e.g. a reward model for PPO).
 */
public final class RecipeRunner {
  /** The end of a recipe: its row id and the results table (stage x task). */
  public record Outcome(long recipeId, boolean alreadyDone, ResultsTable table) {}

  private final Workbench wb;
  private final RecipeRepository repo;
  private final Consumer<String> log;

  public RecipeRunner(Workbench wb, Consumer<String> log) {
    this.wb = wb;
    this.repo = new RecipeRepository(wb.db().sql());
    this.log = log;
  }

  public RecipeRepository repository() {
    return repo;
  }

  public Outcome run(Recipe recipe, JobContext ctx) {
    String sha = recipe.sha256();
    Optional<RecipeRow> done = repo.latest(sha).filter(r -> r.status().equals("DONE"));
    if (done.isPresent()) {
      log.accept("recipe " + recipe.name() + " already finished (recipe #" + done.get().id()
          + "); its stored results follow");
      return new Outcome(done.get().id(), true, table(recipe, done.get().id()));
    }
    check(recipe);
    long id;
    Optional<RecipeRow> open = repo.unfinished(sha);
    if (open.isPresent()) {
      id = open.get().id();
      repo.setStatus(id, "RUNNING");
      log.accept("recipe " + recipe.name() + ": continuing recipe #" + id);
    } else {
      List<String[]> st = new ArrayList<>();
      recipe.stages().forEach(s -> st.add(new String[] {s.name(), s.algorithm()}));
      id = repo.create(recipe.name(), recipe.file().toString(), sha, st);
      log.accept("recipe " + recipe.name() + ": recipe #" + id + ", " + st.size() + " stages");
    }
    List<StageRow> rows = repo.stages(id);
    Map<String, String> checkpoints = new LinkedHashMap<>();
    String current = recipe.base() == null ? null : substitute(recipe.base(), checkpoints);
    int n = recipe.stages().size();
    for (int i = 0; i < n; i++) {
      Stage stage = recipe.stages().get(i);
      StageRow row = rows.get(i);
      String head = "stage " + (i + 1) + "/" + n + " " + stage.name() + " ("
          + stage.algorithm() + ")";
      if (row.status().equals("DONE")) {
        log.accept(head + ": done before, skipped"
            + (row.checkpoint() == null ? "" : " (" + row.checkpoint() + ")"));
        if (row.checkpoint() != null && stage.training()) {
          checkpoints.put(stage.name(), row.checkpoint());
          if (!stage.algorithm().equals("rm")) {
            current = row.checkpoint();
          }
        }
        continue;
      }
      ctx.checkCancelled();
      try {
        switch (stage.algorithm()) {
          case "generate" -> generate(recipe, stage, row, head);
          case "eval" -> evaluate(recipe, stage, row, head, current, checkpoints, ctx);
          default -> {
            String ckpt = train(recipe, stage, row, head, current, checkpoints, ctx);
            checkpoints.put(stage.name(), ckpt);
            if (!stage.algorithm().equals("rm")) {
              current = ckpt; // a reward model is referenced by ${stage:NAME}, not continued
            }
          }
        }
      } catch (CancellationException e) {
        repo.setStatus(id, "CANCELLED");
        throw e;
      } catch (RuntimeException e) {
        repo.stageFailed(row.id(), String.valueOf(e.getMessage()));
        repo.setStatus(id, "FAILED");
        throw new TemperException(recipe.file() + ": stage '" + stage.name() + "' failed: "
            + e.getMessage(), e);
      }
    }
    ResultsTable table = table(recipe, id);
    repo.finish(id, table.toTsv());
    return new Outcome(id, false, table);
  }

  private void generate(Recipe recipe, Stage stage, StageRow row, String head) {
    Path out = path(substitute(stage.node().path("out").asText("${home}/world"), Map.of()),
        recipe);
    long seed = stage.node().path("seed").asLong(7);
    repo.stageRunning(row.id(), null);
    log.accept(head + ": writing the story world to " + out + " (seed " + seed + ")");
    try {
      StoryWorld.Starter s = StoryWorld.writeStarter(out, seed);
      log.accept(head + ": " + s.summary());
    } catch (IOException e) {
      throw new TemperException(out + ": cannot write the story world: " + e.getMessage(), e);
    }
    repo.stageDone(row.id(), out.toString(), null);
  }

  private String train(Recipe recipe, Stage stage, StageRow row, String head, String current,
      Map<String, String> checkpoints, JobContext ctx) {
    // the workbench's own, so the Train page's listener follows a recipe stage live
    TrainingRuns runs = wb.runs();
    Long runId = row.runId();
    if (runId != null) {
      Run r = wb.db().runs().find(runId).orElse(null);
      if (r == null) {
        runId = null;
      } else if (r.status() == RunStatus.SUCCEEDED) {
        String ckpt = runs.latestCheckpoint(runId).map(Path::toString).orElseThrow(
            () -> new TemperException("run " + r.id() + " finished without a checkpoint"));
        log.accept(head + ": run " + r.id() + " had finished; " + ckpt);
        repo.stageDone(row.id(), ckpt, null);
        return ckpt;
      } else {
        log.accept(head + ": resuming run " + runId + " from "
            + runs.latestCheckpoint(runId).map(Path::toString).orElse("its start"));
      }
    }
    if (runId == null) {
      TrainConfig config = config(recipe, stage, checkpoints, current);
      if (config.runName() == null) {
        config = config.with(TrainConfig.RUN_NAME, recipe.name() + "/" + stage.name());
      }
      runId = runs.create(config);
      repo.stageRunning(row.id(), runId);
      log.accept(head + ": run " + runId + " from "
          + (config.modelNameOrPath() == null ? "a new model" : config.modelNameOrPath()));
    } else {
      repo.stageRunning(row.id(), runId);
    }
    long id = runId;
    TrainListener l = new TrainListener() {
      @Override
      public void onLog(long r, String line) {
        if (r == id) {
          log.accept(head + ": run " + r + ": " + line);
        }
      }
    };
    runs.addListener(l);
    try {
      TrainResult result = runs.run(id, ctx);
      String ckpt = result.checkpoint() != null ? result.checkpoint().toString()
          : runs.latestCheckpoint(id).map(Path::toString).orElseThrow(
              () -> new TemperException("run " + id + " finished without a checkpoint"));
      repo.stageDone(row.id(), ckpt, null);
      log.accept(head + ": done, " + ckpt);
      return ckpt;
    } finally {
      runs.removeListener(l);
    }
  }

  /**
   * Parses every training stage's config before anything runs or is stored, so a wrong field in
   * the last stage is one error now, not a failure after the earlier stages have trained.
   * Checkpoints not made yet stand in as placeholders; what the config names must still exist
   * when its stage runs.
   */
  private void check(Recipe recipe) {
    Map<String, String> made = new LinkedHashMap<>();
    String current = recipe.base() == null ? null : "base";
    for (Stage stage : recipe.stages()) {
      if (!stage.training()) {
        continue;
      }
      try {
        config(recipe, stage, made, current);
      } catch (TemperException e) {
        throw new TemperException(recipe.file() + ": stage '" + stage.name() + "': "
            + e.getMessage(), e);
      }
      made.put(stage.name(), "checkpoint-of-" + stage.name());
      if (!stage.algorithm().equals("rm")) {
        current = made.get(stage.name());
      }
    }
  }

  /**
   * The stage's config; without {@code model_name_or_path} it starts from {@code current} (the
   * previous training stage's checkpoint), except a pretraining stage that names a tokenizer
   * (a new model).
   */
  private TrainConfig config(Recipe recipe, Stage stage, Map<String, String> checkpoints,
      String current) {
    TrainKind kind = TrainKind.of(stage.algorithm());
    JsonNode c = stage.node().get("config");
    String text;
    String source;
    Path base;
    if (c.isTextual()) {
      Path f = recipe.dir().resolve(c.asText());
      try {
        text = Files.readString(f, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new TemperException(recipe.file() + ": stage '" + stage.name() + "': cannot "
            + "read config " + f + ": " + e.getMessage(), e);
      }
      source = f.toString();
      base = f.toAbsolutePath().getParent();
    } else {
      try {
        text = Recipe.YAML.writeValueAsString(c);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      source = recipe.file() + " (stage " + stage.name() + " config)";
      base = recipe.dir();
    }
    text = substitute(text, checkpoints);
    JsonNode tree;
    try {
      tree = Recipe.YAML.readTree(text);
    } catch (IOException e) {
      throw new TemperException(source + ": not valid YAML: " + e.getMessage(), e);
    }
    boolean named = tree != null && tree.has(TrainConfig.MODEL);
    boolean fromScratch = kind == TrainKind.PRETRAIN && tree != null
        && tree.has(TrainConfig.TOKENIZER);
    if (!named && !fromScratch && current != null) {
      // appended, so that line numbers in errors still match the file
      text = text + (text.endsWith("\n") ? "" : "\n") + TrainConfig.MODEL + ": '"
          + current.replace("'", "''") + "'\n";
    }
    return TrainConfig.parse(text, source, kind).resolvePaths(base);
  }

  private void evaluate(Recipe recipe, Stage stage, StageRow row, String head, String current,
      Map<String, String> checkpoints, JobContext ctx) {
    String model = stage.node().has("model")
        ? substitute(stage.node().get("model").asText(), checkpoints) : current;
    if (model == null) {
      throw new TemperException("an eval stage needs a model: a training stage before it or "
          + "'model'");
    }
    String suiteRef = substitute(stage.node().get("suite").asText(), checkpoints);
    Path suiteFile = path(suiteRef, recipe);
    EvalSuite suite = EvalSuite.resolve(Files.isRegularFile(suiteFile) ? suiteFile.toString()
        : suiteRef);
    Evaluator.Options o = Evaluator.Options.defaults()
        .withIncludeUnseen(stage.node().path("include_unseen").asBoolean(true));
    if (stage.node().has("limit")) {
      o = o.withLimit(stage.node().get("limit").asInt());
    }
    repo.stageRunning(row.id(), null);
    log.accept(head + ": evaluating " + model + " on " + suite.name());
    SuiteOutcome r = wb.evaluations().run(model, suite, o, ctx);
    List<String> ids = new ArrayList<>();
    for (TaskOutcome t : r.tasks()) {
      if (t.status() == Status.FAILED) {
        throw new TemperException("task " + t.task().name() + ": " + t.error());
      }
      if (!t.metrics().isEmpty()) {
        ids.add(Long.toString(t.metrics().get(0).id()));
      }
    }
    repo.stageDone(row.id(), model, String.join(",", ids));
    log.accept(head + ": done, results #" + String.join(", #", ids));
  }

  private String substitute(String s, Map<String, String> checkpoints) {
    String out = s.replace("${home}", wb.home().toAbsolutePath().toString());
    for (Map.Entry<String, String> e : checkpoints.entrySet()) {
      out = out.replace("${stage:" + e.getKey() + "}", e.getValue());
    }
    if (out.contains("${stage:")) {
      throw new TemperException("unknown or unfinished stage in " + s.strip()
          + " (a stage can only refer to training stages before it)");
    }
    return out;
  }

  private static Path path(String s, Recipe recipe) {
    Path p = Path.of(s);
    return (p.isAbsolute() ? p : recipe.dir().resolve(p)).normalize();
  }

  /** The stage x task table of a recipe's eval stages (primary metric of each task). */
  public ResultsTable table(Recipe recipe, long recipeId) {
    Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
    Set<String> tasks = new LinkedHashSet<>();
    Map<Long, Result> byId = new LinkedHashMap<>();
    for (Result r : wb.db().evals().list()) {
      byId.put(r.id(), r);
    }
    for (StageRow s : repo.stages(recipeId)) {
      if (!s.algorithm().equals("eval") || s.evalResultIds() == null) {
        continue;
      }
      Map<String, Double> cells = new LinkedHashMap<>();
      for (String idText : s.evalResultIds().split(",")) {
        if (idText.isBlank()) {
          continue;
        }
        Result r = byId.get(Long.parseLong(idText.strip()));
        if (r != null) {
          String key = r.task() + (r.unseen() ? " (unseen)" : "") + " " + r.metric();
          tasks.add(key);
          cells.put(key, r.value());
        }
      }
      rows.put(s.name(), cells);
    }
    return new ResultsTable(List.copyOf(tasks), rows);
  }

  /** Rows: eval stages; columns: task (split) metric. */
  public record ResultsTable(List<String> tasks, Map<String, Map<String, Double>> rows) {
    public String toTsv() {
      StringBuilder b = new StringBuilder("STAGE");
      tasks.forEach(t -> b.append('\t').append(t));
      b.append('\n');
      rows.forEach((stage, cells) -> {
        b.append(stage);
        for (String t : tasks) {
          Double v = cells.get(t);
          b.append('\t').append(v == null ? "" : String.format(Locale.ROOT, "%.4f", v));
        }
        b.append('\n');
      });
      return b.toString();
    }
  }
}
