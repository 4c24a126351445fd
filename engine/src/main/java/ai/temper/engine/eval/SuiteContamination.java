package ai.temper.engine.eval;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.Decontaminator;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How contaminated a training dataset is with a suite's tasks: the n-gram decontaminator of
 * {@code datasets decontaminate}, run with every task's instances as the evaluation sets. Tasks
 * read from files or built-in resources are imported first as datasets named
 * {@code eval-SUITE-TASK} (once; the matches can then be browsed in Datasets).
 */
public final class SuiteContamination {
  /** The decontaminator's result and which evaluation set stands for which task. */
  public record Report(Decontaminator.Result result, Map<String, String> taskSets) {}

  private final Database db;

  public SuiteContamination(Database db) {
    this.db = db;
  }

  public Report run(EvalSuite suite, String train, Decontaminator.Settings settings,
      boolean includeUnseen, JobContext ctx) {
    Map<String, String> sets = new LinkedHashMap<>();
    for (EvalTask t : suite.tasks()) {
      if (!includeUnseen && t.unseen()) {
        continue;
      }
      sets.put(t.name(), datasetFor(suite, t, ctx));
    }
    if (sets.isEmpty()) {
      throw new TemperException("Suite " + suite.name() + " has no tasks to check (its tasks "
          + "are unseen: add --include-unseen)");
    }
    Decontaminator.Result r = new Decontaminator(db).run(train,
        new ArrayList<>(new java.util.LinkedHashSet<>(sets.values())), settings, null, ctx);
    return new Report(r, sets);
  }

  private String datasetFor(EvalSuite suite, EvalTask t, JobContext ctx) {
    String ref = t.data();
    boolean resource = ref.startsWith(EvalSuite.RESOURCE);
    if (!resource && !Files.isRegularFile(Path.of(ref))) {
      return ref; // a workbench dataset (the decontaminator says if it is missing)
    }
    String name = ("eval-" + suite.name() + "-" + t.name()).replaceAll("\\s+", "-");
    TaskData data = TaskData.load(ref, db, null);
    var existing = db.datasets().find(name);
    if (existing.isPresent()) {
      return name;
    }
    Path tmp = null;
    try {
      Path file;
      if (resource) {
        tmp = Files.createTempFile("temper-eval-", ".jsonl");
        Files.writeString(tmp, EvalSuite.readResource(ref.substring(EvalSuite.RESOURCE.length())),
            StandardCharsets.UTF_8);
        file = tmp;
      } else {
        file = Path.of(ref);
      }
      new DatasetImporter(db).importFile(file, new DatasetImporter.Options(name,
          DataFormat.AUTO, DatasetImporter.OnError.ABORT), ctx);
      return name;
    } catch (IOException e) {
      throw new TemperException("Cannot stage " + ref + " (" + data.examples().size()
          + " instances): " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a temporary file
        }
      }
    }
  }
}
