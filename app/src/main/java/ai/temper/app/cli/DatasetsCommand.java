package ai.temper.app.cli;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetExporter;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.DatasetImporter.ImportFailedException;
import ai.temper.engine.data.DatasetImporter.OnError;
import ai.temper.engine.data.DatasetStatistics;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.data.Decontaminator;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.ExportFormat;
import ai.temper.engine.data.Embedder;
import ai.temper.engine.data.HashedTfIdfEmbedder;
import ai.temper.engine.data.ModelEmbedder;
import ai.temper.engine.data.LengthMeasure;
import ai.temper.engine.data.Message;
import ai.temper.engine.data.MixSpec;
import ai.temper.engine.data.Mixer;
import ai.temper.engine.data.RetrievalSelector;
import ai.temper.engine.data.RowError;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code temper datasets ...}: import, browse, mix, decontaminate, select and export data. */
@Command(name = "datasets", description = "Import, inspect, mix, decontaminate, select and "
    + "export datasets.", mixinStandardHelpOptions = true,
    subcommands = {DatasetsCommand.Import.class, DatasetsCommand.ListDatasets.class,
        DatasetsCommand.Show.class, DatasetsCommand.Stats.class, DatasetsCommand.Mix.class,
        DatasetsCommand.Decontaminate.class, DatasetsCommand.Select.class,
        DatasetsCommand.Export.class, DatasetsCommand.Pair.class, DatasetsCommand.Delete.class})
public final class DatasetsCommand {
  @ParentCommand TemperCommand root;

  Workbench workbench() {
    return root.workbench();
  }

  static PrintStream out() {
    return System.out;
  }

  @Command(name = "import", description = "Import a JSONL, JSON, text, Parquet or CSV file "
      + "(gzip too) as a new dataset, in one transaction.", mixinStandardHelpOptions = true)
  static final class Import implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Parameters(paramLabel = "FILE", description = "The file to import.") Path file;
    @Option(names = "--name", required = true, description = "Name of the new dataset.")
    String name;
    @Option(names = "--format", defaultValue = "auto", description = "auto, messages, "
        + "preference, hh, gsm8k, rlvr, prompt-completion, kto, text, parquet or csv "
        + "(default ${DEFAULT-VALUE}).")
    String format;
    @Option(names = "--columns", paramLabel = "FIELD=COLUMN,...", split = ",",
        description = "Take a field from a differently named column (CSV headers, other "
            + "files), e.g. --columns prompt=question,completion=answer")
    java.util.Map<String, String> columns = new java.util.LinkedHashMap<>();
    @Option(names = "--on-error", defaultValue = "skip", description = "skip: import the "
        + "good rows and report the bad; abort: import nothing if any row is malformed "
        + "(default ${DEFAULT-VALUE}).")
    String onError;

    @Override
    public Integer call() throws Exception {
      DataFormat f = DataFormat.of(format);
      OnError e = OnError.of(onError);
      Workbench wb = parent.workbench();
      DatasetImporter.Result r;
      try {
        r = ConsoleProgress.run(wb.jobs(), "dataset-import", "Import " + file.getFileName(),
            ctx -> wb.datasets().importFile(file, new DatasetImporter.Options(
                name, f, e, columns), ctx));
      } catch (ImportFailedException failed) {
        printErrors(failed.errors(), failed.errorCount());
        throw failed;
      }
      DatasetInfo d = r.dataset();
      out().printf("Imported %,d rows into '%s' (%s, from %s) in %.1f s (%,.0f rows/s)%n",
          r.rows(), d.name(), d.kind(), r.format().id(), r.seconds(), r.rows() / r.seconds());
      out().println("sha256 " + d.contentHash());
      if (r.errorCount() > 0) {
        out().printf("%,d malformed rows skipped:%n", r.errorCount());
        printErrors(r.errors(), r.errorCount());
      }
      return 0;
    }

    private static void printErrors(List<RowError> errors, long count) {
      int shown = Math.min(errors.size(), 50);
      for (RowError e : errors.subList(0, shown)) {
        out().println("  " + e);
      }
      if (count > shown) {
        out().printf("  ... and %,d more%n", count - shown);
      }
    }
  }

  @Command(name = "list", description = "List the datasets.", mixinStandardHelpOptions = true)
  static final class ListDatasets implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;

    @Override
    public Integer call() {
      Table t = new Table("NAME", "KIND", "ROWS", "FORMAT", "CREATED", "SOURCE");
      for (DatasetInfo d : parent.workbench().db().datasets().list()) {
        t.add(d.name(), d.kind(), String.format("%,d", d.rowCount()), d.format(), d.createdAt(),
            d.sourcePath());
      }
      t.print(out());
      return 0;
    }
  }

  @Command(name = "show", description = "Show a dataset's provenance and a page of its "
      + "examples.", mixinStandardHelpOptions = true)
  static final class Show implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--limit", defaultValue = "5", description = "Examples to show "
        + "(default ${DEFAULT-VALUE}).") int limit;
    @Option(names = "--offset", defaultValue = "0", description = "First example "
        + "(0-based; with --search, among the matches).") long offset;
    @Option(names = "--search", description = "Only examples containing all these words "
        + "(case-insensitive; \"quote\" phrases).") String search;
    @Option(names = "--json", description = "Print the stored JSON of each example.")
    boolean json;

    @Override
    public Integer call() {
      Workbench wb = parent.workbench();
      DatasetInfo d = Datasets.require(wb.db(), name);
      out().println("name:        " + d.name());
      out().println("kind:        " + d.kind());
      out().printf("rows:        %,d%n", d.rowCount());
      out().println("format:      " + d.format());
      out().println("source:      " + (d.sourcePath() == null ? "-" : d.sourcePath()));
      out().println("sha256:      " + (d.contentHash() == null ? "-" : d.contentHash()));
      out().println("created:     " + d.createdAt());
      out().println("provenance:  " + (d.provenance() == null ? "-" : abbreviate(
          d.provenance(), 600)));
      if (limit <= 0) {
        return 0;
      }
      List<StoredExample> page = wb.db().datasets().search(d.id(), search, offset, limit);
      if (search != null && !search.isBlank()) {
        out().printf("%nmatches for \"%s\": %,d%n", search,
            wb.db().datasets().countMatches(d.id(), search));
      }
      for (StoredExample e : page) {
        out().println();
        out().println("#" + e.idx() + (e.sourceLine() == null ? "" : " (source line "
            + e.sourceLine() + ")"));
        if (json) {
          out().println(e.data());
        } else {
          render(Datasets.parse(d, e));
        }
      }
      return 0;
    }

    private static void render(Example e) {
      switch (e.kind()) {
        case TEXT -> out().println(indent(e.text()));
        case PREFERENCE -> {
          e.prompt().forEach(Show::message);
          out().println("  --- chosen ---");
          e.chosen().forEach(Show::message);
          out().println("  --- rejected ---");
          e.rejected().forEach(Show::message);
        }
        default -> {
          e.messages().forEach(Show::message);
          if (e.groundTruth() != null) {
            out().println("  ground truth: " + e.groundTruth()
                + (e.verifier() == null ? "" : " (verifier " + e.verifier() + ")"));
          }
        }
      }
    }

    private static void message(Message m) {
      out().println("  [" + m.role() + "]");
      out().println(indent(m.content()));
    }

    private static String indent(String s) {
      return s.strip().indent(4).stripTrailing();
    }
  }

  static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }

  @Command(name = "stats", description = "Lengths per role, turns per example, duplicates.",
      mixinStandardHelpOptions = true)
  static final class Stats implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--unit", defaultValue = "words", description = "words or chars "
        + "(default ${DEFAULT-VALUE}).") String unit;

    @Override
    public Integer call() throws Exception {
      LengthMeasure measure = switch (unit) {
        case "words" -> LengthMeasure.words();
        case "chars", "characters" -> LengthMeasure.chars();
        default -> throw new TemperException("Unknown --unit '" + unit + "'; use words or chars");
      };
      Workbench wb = parent.workbench();
      DatasetStatistics s = ConsoleProgress.run(wb.jobs(), "dataset-stats", "Statistics of "
          + name, ctx -> DatasetStatistics.compute(wb.db(), name, measure, ctx));
      out().printf("%s: %,d examples, %,d duplicates%n", s.dataset(), s.rows(), s.duplicates());
      Table t = new Table("ROLE", "MESSAGES", "MIN", "MEDIAN", "MEAN", "P95", "MAX");
      for (String role : s.lengths().keySet()) {
        DatasetStatistics.Summary m = s.summary(role);
        t.add(role, m.count(), m.min(), m.median(), String.format("%.1f", m.mean()), m.p95(),
            m.max());
      }
      DatasetStatistics.Summary turns = s.turnSummary();
      t.add("(turns)", turns.count(), turns.min(), turns.median(),
          String.format("%.1f", turns.mean()), turns.p95(), turns.max());
      out().println("lengths in " + s.unit() + ":");
      t.print(out());
      return 0;
    }
  }

  @Command(name = "mix", description = "Sample a mixture of datasets (YAML spec) into a new "
      + "dataset.", mixinStandardHelpOptions = true)
  static final class Mix implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Option(names = "--spec", required = true, paramLabel = "FILE.yaml", description = "The "
        + "mixture: sources: [{dataset, fraction|count}], optional seed and dedup.") Path spec;
    @Option(names = "--name", description = "Name of the new dataset (not needed with "
        + "--dry-run).") String name;
    @Option(names = "--seed", description = "Sampling seed (default: the spec's, else 42).")
    Long seed;
    @Option(names = "--dry-run", description = "Only preview the counts per source.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
      MixSpec s = MixSpec.read(spec);
      Workbench wb = parent.workbench();
      Mixer mixer = new Mixer(wb.db());
      Mixer.Plan plan = mixer.preview(s);
      Table t = new Table("SOURCE", "AVAILABLE", "TAKE");
      plan.rows().forEach(r -> t.add(r.dataset(), String.format("%,d", r.available()),
          String.format("%,d", r.take())));
      t.add("(total)", "", String.format("%,d", plan.total()));
      t.print(out());
      if (dryRun) {
        return 0;
      }
      if (name == null) {
        throw new TemperException("Name the new dataset with --name (or preview with "
            + "--dry-run)");
      }
      Mixer.Result r = ConsoleProgress.run(wb.jobs(), "dataset-mix", "Mix " + name,
          ctx -> mixer.mix(s, name, seed, ctx));
      out().printf("Mixed %,d rows into '%s' (seed %d%s)%n", r.dataset().rowCount(), name,
          r.seed(), s.dedup() ? String.format(", %,d duplicates removed", r.duplicatesRemoved())
              : "");
      return 0;
    }
  }

  @Command(name = "decontaminate", description = "Flag training examples that overlap "
      + "evaluation sets (word n-grams) and write a cleaned copy.",
      mixinStandardHelpOptions = true)
  static final class Decontaminate implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Parameters(paramLabel = "NAME", description = "The training dataset.") String train;
    @Option(names = "--against", required = true, paramLabel = "EVALSET",
        description = "An evaluation dataset (repeatable).") List<String> against;
    @Option(names = "--ngram", defaultValue = "8", description = "Words per n-gram "
        + "(default ${DEFAULT-VALUE}).") int ngram;
    @Option(names = "--threshold", defaultValue = "0.5", description = "Flag an example when "
        + "this fraction of an evaluation instance's words is covered by shared n-grams "
        + "(default ${DEFAULT-VALUE}).") double threshold;
    @Option(names = "--name", description = "Name of the cleaned copy (omit to only report).")
    String name;
    @Option(names = "--show", defaultValue = "10", description = "Matches to print "
        + "(default ${DEFAULT-VALUE}).") int show;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.workbench();
      Decontaminator.Settings settings = new Decontaminator.Settings(ngram, threshold);
      Decontaminator.Result r = ConsoleProgress.run(wb.jobs(), "dataset-decontaminate",
          "Decontaminate " + train, ctx -> new Decontaminator(wb.db()).run(train, against,
              settings, name, ctx));
      out().printf("%s: %,d of %,d examples contaminated (rate %.4f%%), %d-grams, "
          + "threshold %.2f, in %.1f s%n", r.dataset(), r.flagged(), r.examples(),
          100 * r.rate(), ngram, threshold, r.seconds());
      r.evalInstancesHit().forEach((set, n) -> out().printf("  %s: %,d evaluation instances "
          + "matched%n", set, n));
      if (r.evalSkippedShort() > 0) {
        out().printf("  (%,d evaluation instances shorter than %d words were skipped)%n",
            r.evalSkippedShort(), ngram);
      }
      if (r.cleaned() != null) {
        out().printf("Removed %,d; the cleaned copy '%s' has %,d rows%n", r.flagged(),
            r.cleaned().name(), r.cleaned().rowCount());
      } else {
        out().println("(no --name: nothing written)");
      }
      for (Decontaminator.Match m : r.matches().subList(0, Math.min(show, r.matches().size()))) {
        out().printf("%n#%d  score %.2f  ~ %s #%d%n", m.trainIdx(), m.score(), m.evalDataset(),
            m.evalIdx());
        out().println("  eval:   " + abbreviate(m.evalText().replace('\n', ' '), 300));
        out().println("  shared: " + abbreviate(String.join(" | ", m.spans()), 300));
      }
      if (r.matches().size() > show) {
        out().printf("%n... %,d more matches (--show N)%n", r.matches().size() - show);
      }
      return 0;
    }
  }

  @Command(name = "select", description = "Select the k nearest pool examples of each "
      + "target example into a new dataset.", mixinStandardHelpOptions = true)
  static final class Select implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Option(names = "--pool", required = true, description = "The dataset to select from.")
    String pool;
    @Option(names = "--targets", required = true, description = "Examples of the target "
        + "task.") String targets;
    @Option(names = "--k", required = true, description = "Neighbours per target.") int k;
    @Option(names = "--name", required = true, description = "Name of the new dataset.")
    String name;
    @Option(names = "--model", paramLabel = "PATH", description = "Embed with this model "
        + "(mean-pooled hidden states) instead of BM25.") Path model;
    @Option(names = "--method", defaultValue = "bm25", description = "Without --model: bm25 "
        + "or tfidf (cosine over hashed TF-IDF vectors) (default ${DEFAULT-VALUE}).")
    String method;

    @Override
    public Integer call() throws Exception {
      if (model == null && !method.equals("bm25") && !method.equals("tfidf")) {
        throw new TemperException("Unknown --method '" + method + "'; use bm25 or tfidf");
      }
      Workbench wb = parent.workbench();
      RetrievalSelector.Result r = ConsoleProgress.run(wb.jobs(), "dataset-select", "Select "
          + name, ctx -> {
            try (Embedder embedder = model != null ? ModelEmbedder.open(model, null, 256)
                : method.equals("tfidf") ? tfidf(wb, pool) : null) {
              return new RetrievalSelector(wb.db()).select(pool, targets, k, name, embedder, ctx);
            }
          });
      out().printf("Selected %,d of %,d pool examples for %,d targets (k %d, %s) into '%s' "
          + "in %.1f s%n", r.selected(), r.pool(), r.targets(), k, r.method(), name,
          r.seconds());
      return 0;
    }

    private static HashedTfIdfEmbedder tfidf(Workbench wb, String pool) {
      DatasetInfo d = Datasets.require(wb.db(), pool);
      List<String> corpus = new ArrayList<>();
      wb.db().datasets().forEach(d.id(), 1000, page -> page.forEach(e -> corpus.add(
          Datasets.parse(d, e).promptText())));
      return HashedTfIdfEmbedder.fit(corpus, 4096);
    }
  }

  @Command(name = "pair", description = "Make preference pairs from unpaired preference "
      + "rows (TRL's KTO layout: prompt, completion, label): per prompt, desirable with "
      + "undesirable completions in order.", mixinStandardHelpOptions = true)
  static final class Pair implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Parameters(paramLabel = "NAME", description = "The unpaired dataset.") String source;
    @Option(names = "--name", required = true, description = "Name of the new preference "
        + "dataset.") String name;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.workbench();
      ai.temper.engine.data.UnpairedPairing.Result r = ConsoleProgress.run(wb.jobs(),
          "dataset-pair", "Pair " + source,
          ctx -> new ai.temper.engine.data.UnpairedPairing(wb.db()).pair(source, name, ctx));
      out().printf("Made %,d pairs from %,d prompts of '%s' into '%s'; %,d completions had no "
          + "partner%n", r.pairs(), r.prompts(), source, name, r.unmatched());
      return 0;
    }
  }

  @Command(name = "export", description = "Write a dataset as JSONL (.gz compresses) or "
      + "Parquet (.parquet) in a layout open-instruct and TRL read.",
      mixinStandardHelpOptions = true)
  static final class Export implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--out", required = true, paramLabel = "FILE.jsonl") Path out;
    @Option(names = "--format", description = "messages, preference, preference-full, rlvr, "
        + "prompt-completion, prompt-completion-chat, text, gsm8k, hh or canonical (default: "
        + "by the dataset's kind).") String format;

    @Override
    public Integer call() throws Exception {
      ExportFormat f = format == null ? null : ExportFormat.of(format);
      Workbench wb = parent.workbench();
      DatasetExporter.Result r = ConsoleProgress.run(wb.jobs(), "dataset-export", "Export "
          + name, ctx -> new DatasetExporter(wb.db()).export(name, out, f, ctx));
      out().printf("Wrote %,d rows of '%s' to %s (%s)%n", r.rows(), name, r.file(),
          r.format().id());
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a dataset and its examples.",
      mixinStandardHelpOptions = true)
  static final class Delete implements Callable<Integer> {
    @ParentCommand DatasetsCommand parent;
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      Workbench wb = parent.workbench();
      DatasetInfo d = Datasets.require(wb.db(), name);
      wb.db().datasets().delete(d.id());
      out().printf("Deleted '%s' (%,d rows)%n", d.name(), d.rowCount());
      return 0;
    }
  }
}
