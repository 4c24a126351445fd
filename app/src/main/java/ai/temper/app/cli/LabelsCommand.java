package ai.temper.app.cli;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.annotate.Agreement;
import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.annotate.Bundles;
import ai.temper.engine.annotate.ChatSessions;
import ai.temper.engine.annotate.LabelFiles;
import ai.temper.engine.annotate.PairSources;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.AnnotationRepository.SessionSummary;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code temper labels ...}: preference-labelling sessions with several annotators, bundles
 * for annotators on other machines, imports, exports and agreement.
 */
@Command(name = "labels", mixinStandardHelpOptions = true,
    description = "Preference-labelling sessions: create, bundle for an annotator, open, "
        + "merge, import, export and agreement.",
    subcommands = {LabelsCommand.SessionCmd.class, LabelsCommand.Bundle.class,
        LabelsCommand.Open.class, LabelsCommand.Merge.class, LabelsCommand.Import.class,
        LabelsCommand.Export.class, LabelsCommand.AgreementCmd.class})
public final class LabelsCommand {
  @ParentCommand TemperCommand root;

  Workbench workbench() {
    return root.workbench();
  }

  static PrintStream out() {
    return System.out;
  }

  static SessionRow session(Workbench wb, String name) {
    ChatSessions.sync(wb.db());
    return wb.annotations().require(name);
  }

  @Command(name = "session", mixinStandardHelpOptions = true,
      description = "Create and list annotation sessions.",
      subcommands = {SessionCreate.class, SessionList.class})
  static final class SessionCmd {
    @ParentCommand LabelsCommand parent;
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "The sessions of this home (Chat's side-by-side verdicts included).")
  static final class SessionList implements Callable<Integer> {
    @ParentCommand SessionCmd parent;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.parent.workbench();
      ChatSessions.sync(wb.db());
      Annotations an = wb.annotations();
      Table t = new Table("session", "source", "pairs", "annotators", "labels", "created");
      for (SessionSummary s : an.sessions()) {
        SessionRow row = an.require(s.name());
        t.add(s.name(), row.source(), wb.db().annotations().pairCount(row.id()),
            String.join(",", an.annotators(row)), s.labels(), s.createdAt());
      }
      t.print(out());
      return 0;
    }
  }

  /** Where pairs come from: exactly one of these. */
  static final class Source {
    @Option(names = "--from-dataset", paramLabel = "DATASET",
        description = "Pairs of an existing preference dataset.")
    String dataset;
    @ArgGroup(exclusive = false)
    Models models;
  }

  static final class Models {
    @Option(names = "--prompts", required = true, paramLabel = "FILE|DATASET",
        description = "Prompts: a text file (one per line), a .jsonl file (prompt or "
            + "messages) or a dataset name.")
    String prompts;
    @Option(names = "--model-a", required = true, paramLabel = "PATH",
        description = "Model answering as response a (a folder or llama2.c .bin).")
    Path modelA;
    @Option(names = "--model-b", paramLabel = "PATH",
        description = "Model answering as response b; omitted: model a sampled twice.")
    Path modelB;
    @Option(names = "--tokenizer", paramLabel = "PATH",
        description = "Tokenizer of both models when they need one named.")
    Path tokenizer;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a session: its pairs are made once, now, and stored.")
  static final class SessionCreate implements Callable<Integer> {
    @ParentCommand SessionCmd parent;
    @Parameters(paramLabel = "NAME", description = "Name of the new session.") String name;
    @ArgGroup(exclusive = true, multiplicity = "1") Source source;
    @Option(names = "--annotators", required = true, split = ",", paramLabel = "A,B,...",
        description = "Names of the annotators.")
    List<String> annotators;
    @Option(names = "--overlap", defaultValue = "0", paramLabel = "K",
        description = "Annotators who see each pair (0: all; default ${DEFAULT-VALUE}).")
    int overlap;
    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
        description = "At most N prompts or pairs (0: all).")
    int limit;
    @Option(names = "--question", defaultValue = Annotations.Question.DEFAULT,
        description = "The question shown (default: ${DEFAULT-VALUE}).")
    String question;
    @Option(names = "--rating", description = "Also ask for a 1-5 rating.") boolean rating;
    @Option(names = "--reason", description = "Also ask for a free-text reason.")
    boolean reason;
    @Option(names = "--seed", defaultValue = "0",
        description = "Seed of the sides shown and of sampling (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--max-new-tokens", defaultValue = "128") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "0.8") double temperature;
    @Option(names = "--top-p", defaultValue = "0.95") double topP;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.parent.workbench();
      Annotations an = wb.annotations();
      ObjectNode settings = Json.object();
      List<NewPair> pairs;
      String kind;
      if (source.dataset != null) {
        pairs = PairSources.fromDataset(wb.db(), source.dataset, limit);
        kind = "dataset";
        settings.put("dataset", source.dataset);
      } else {
        Models m = source.models;
        List<String> prompts = PairSources.prompts(wb.db(), m.prompts, limit);
        PairSources.ModelRef a = new PairSources.ModelRef(m.modelA.toAbsolutePath(),
            m.tokenizer == null ? null : m.tokenizer.toAbsolutePath());
        PairSources.ModelRef b = m.modelB == null ? a : new PairSources.ModelRef(
            m.modelB.toAbsolutePath(), a.tokenizer());
        SamplingParams params = SamplingParams.defaults().withTemperature(temperature)
            .withTopP(topP).withMaxNewTokens(maxNewTokens).withSeed(seed);
        kind = m.modelB == null ? "sampled" : "models";
        settings.put("prompts", m.prompts);
        settings.put("model_a", a.model().toString());
        settings.put("model_b", b.model().toString());
        settings.put("temperature", temperature);
        settings.put("top_p", topP);
        settings.put("max_new_tokens", maxNewTokens);
        TorchRuntime.configure(null);
        pairs = ConsoleProgress.run(wb.jobs(), "labels-pairs", "Answers for session " + name,
            ctx -> PairSources.generate(prompts, a, b, params, ctx));
      }
      SessionRow s = an.create(name, null, kind, annotators, overlap, seed, null,
          new Annotations.Question(question, rating, reason), settings, pairs);
      out().printf(Locale.ROOT, "session %s: %d pairs (%s), annotators %s, overlap %s%n",
          s.name(), pairs.size(), kind, String.join(",", annotators),
          overlap == 0 ? "all" : overlap);
      return 0;
    }
  }

  @Command(name = "bundle", mixinStandardHelpOptions = true,
      description = "Write one file with everything an annotator needs (their pairs and "
          + "labels so far); the same layout comes back to be merged.")
  static final class Bundle implements Callable<Integer> {
    @ParentCommand LabelsCommand parent;
    @Parameters(paramLabel = "SESSION") String session;
    @Option(names = "--annotator", required = true) String annotator;
    @Option(names = "--out", required = true, paramLabel = "FILE") Path out;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.workbench();
      SessionRow s = session(wb, session);
      int n = wb.annotations().bundles().write(s, annotator, out);
      out().println(out.toAbsolutePath());
      System.err.printf("bundle of session %s for %s: %d pairs%n", s.name(), annotator, n);
      return 0;
    }
  }

  @Command(name = "open", mixinStandardHelpOptions = true,
      description = "Open a bundle in this home: its session is created here if new, and its "
          + "labels merged. Then label on the Annotate page and send back a bundle.")
  static final class Open implements Callable<Integer> {
    @ParentCommand LabelsCommand parent;
    @Parameters(paramLabel = "FILE") Path file;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.workbench();
      SessionRow s = wb.annotations().bundles().open(file);
      out().printf("session %s: %d pairs%n", s.name(),
          wb.db().annotations().pairCount(s.id()));
      return 0;
    }
  }

  @Command(name = "merge", mixinStandardHelpOptions = true,
      description = "Merge an annotator's bundle into its session; merging twice changes "
          + "nothing.")
  static final class Merge implements Callable<Integer> {
    @ParentCommand LabelsCommand parent;
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--session", description = "Refuse the bundle unless it is of this "
        + "session.") String session;

    @Override
    public Integer call() throws Exception {
      Bundles.MergeResult r = parent.workbench().annotations().bundles().merge(file, session);
      out().printf("session %s, annotator %s: %d added, %d updated, %d unchanged%n",
          r.session(), r.annotator(), r.added(), r.updated(), r.unchanged());
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Import labels from JSON Lines (prompt, response_a, response_b, annotator, "
          + "choice a|b|tie|both_bad, optional rating, reason); pairs are matched by content. "
          + "All or nothing; importing twice changes nothing.")
  static final class Import implements Callable<Integer> {
    @ParentCommand LabelsCommand parent;
    @Parameters(paramLabel = "FILE.jsonl") Path file;
    @Option(names = "--session", required = true) String session;

    @Override
    public Integer call() throws Exception {
      LabelFiles.ImportResult r = new LabelFiles(parent.workbench().db())
          .importLabels(file, session);
      out().printf("session %s%s: %d lines, %d new pairs, %d labels added, %d updated, "
          + "%d unchanged%n", r.session(), r.created() ? " (created)" : "", r.lines(),
          r.newPairs(), r.added(), r.updated(), r.unchanged());
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Export a session as a preference dataset (--name) or its labels as JSON "
          + "Lines in the import layout (--out).")
  static final class Export implements Callable<Integer> {
    @ParentCommand LabelsCommand parent;
    @Parameters(paramLabel = "SESSION") String session;
    @Option(names = "--name", paramLabel = "OUT", description = "The new dataset.") String name;
    @Option(names = "--out", paramLabel = "FILE.jsonl",
        description = "Write the labels, one per line, instead.") Path out;
    @Option(names = "--rule", defaultValue = "majority",
        description = "majority (one row per pair) or per-annotator (one row per label, "
            + "naming its annotator); default ${DEFAULT-VALUE}.") String rule;
    @Option(names = "--annotator", description = "With per-annotator: only this annotator.")
    String annotator;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.workbench();
      SessionRow s = session(wb, session);
      LabelFiles files = new LabelFiles(wb.db());
      if ((name == null) == (out == null)) {
        throw new TemperException("give --name OUT (a dataset) or --out FILE.jsonl (labels)");
      }
      if (out != null) {
        int n = files.exportLabels(s, out);
        out().println(out.toAbsolutePath());
        System.err.printf("%d labels written%n", n);
        return 0;
      }
      LabelFiles.Rule r = LabelFiles.Rule.of(rule);
      if (annotator != null && r != LabelFiles.Rule.PER_ANNOTATOR) {
        throw new TemperException("--annotator goes with --rule per-annotator");
      }
      LabelFiles.ExportResult e = files.exportDataset(s, name, r, annotator);
      out().printf("dataset %s: %d pairs (%d pairs left out)%n", e.dataset().name(), e.rows(),
          e.pairsLeftOut());
      System.err.println("rule: " + e.rule());
      return 0;
    }
  }

  @Command(name = "agreement", mixinStandardHelpOptions = true,
      description = "Per-annotator statistics, Cohen's kappa per pair of annotators and "
          + "Krippendorff's alpha.")
  static final class AgreementCmd implements Callable<Integer> {
    @ParentCommand LabelsCommand parent;
    @Parameters(paramLabel = "SESSION") String session;

    @Override
    public Integer call() throws Exception {
      Workbench wb = parent.workbench();
      SessionRow s = session(wb, session);
      Agreement.Report r = Agreement.of(wb.annotations().labels(s));
      Table t = new Table("annotator", "labels", "skips", "median s/label", "tie rate",
          "both-bad rate", "chose left", "(of)");
      for (Agreement.AnnotatorStats a : r.annotators()) {
        t.add(a.annotator(), a.labels(), a.skips(), num(a.medianSeconds(), 1),
            num(a.tieRate(), 3), num(a.bothBadRate(), 3), num(a.leftRate(), 3),
            a.positionKnown());
      }
      t.print(out());
      out().println();
      Table k = new Table("annotator", "annotator", "common pairs", "observed agreement",
          "Cohen's kappa");
      for (Agreement.PairKappa p : r.kappas()) {
        k.add(p.first(), p.second(), p.common(), num(p.observed(), 3), num(p.kappa(), 3));
      }
      k.print(out());
      out().println();
      out().printf("Krippendorff's alpha (nominal): %s over %d pairs with two or more labels%n",
          num(r.alpha(), 3), r.unitsForAlpha());
      return 0;
    }
  }

  static String num(double v, int digits) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
  }
}
