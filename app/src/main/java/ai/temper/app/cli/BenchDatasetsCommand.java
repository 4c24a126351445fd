package ai.temper.app.cli;

import ai.temper.engine.FileTrees;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetExporter;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.Decontaminator;
import ai.temper.engine.data.MixSpec;
import ai.temper.engine.data.Mixer;
import ai.temper.engine.data.RetrievalSelector;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code temper bench datasets}: import speed, page and search latency, decontamination,
 * selection, mixing and export times on a synthetic 100k-row dataset built by repeating GSM8K,
 * in a throw-away home (the user's home is not touched).
 */
@Command(name = "datasets", description = "Benchmark dataset import, paging, search, "
    + "decontamination, selection, mixing and export (in a temporary home).",
    mixinStandardHelpOptions = true)
public final class BenchDatasetsCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "100000", description = "Training rows "
      + "(default ${DEFAULT-VALUE}).") int rows;
  @Option(names = "--eval-rows", defaultValue = "10000", description = "Evaluation rows "
      + "(default ${DEFAULT-VALUE}).") int evalRows;
  @Option(names = "--train-source", defaultValue = "../shared/data/gsm8k/train.jsonl",
      description = "GSM8K-style JSONL repeated into the training set.") Path trainSource;
  @Option(names = "--eval-source", defaultValue = "../shared/data/gsm8k/test.jsonl",
      description = "GSM8K-style JSONL repeated into the evaluation set.") Path evalSource;
  @Option(names = "--pages", defaultValue = "200", description = "Page queries to time.")
  int pages;
  @Option(names = "--keep", description = "Keep the temporary home and print its path.")
  boolean keep;

  private static final ObjectMapper JSON = Json.MAPPER;

  @Override
  public Integer call() throws Exception {
    for (Path p : List.of(trainSource, evalSource)) {
      if (!Files.isRegularFile(p)) {
        throw new TemperException("Benchmark source " + p + " not found; pass --train-source "
            + "and --eval-source (GSM8K JSONL)");
      }
    }
    Path home = Files.createTempDirectory("temper-bench-datasets");
    PrintStreamTable report = new PrintStreamTable();
    try (Workbench wb = Workbench.open(home)) {
      System.out.printf("machine: %d cores, load %s, java %s%n",
          Runtime.getRuntime().availableProcessors(), load(),
          System.getProperty("java.version"));
      Path train = home.resolve("train.jsonl");
      Path eval = home.resolve("eval.jsonl");
      // 1% of the training rows are evaluation questions: something to find
      write(trainSource, train, rows, evalSource, rows / 100);
      write(evalSource, eval, evalRows, null, 0);

      DatasetImporter importer = new DatasetImporter(wb.db());
      // warm-up import so the timed one runs on compiled code
      Path warm = home.resolve("warm.jsonl");
      write(trainSource, warm, Math.min(rows, 5000), null, 0);
      importer.importFile(warm, new DatasetImporter.Options("warm", DataFormat.AUTO, null),
          JobContext.none());

      DatasetImporter.Result imp = ConsoleProgress.run(wb.jobs(), "bench", "import train",
          ctx -> importer.importFile(train, new DatasetImporter.Options("train",
              DataFormat.AUTO, null), ctx));
      report.add("import " + fmt(rows) + " rows", imp.seconds(), String.format("%,.0f rows/s, "
          + "%.1f MB/s", imp.rows() / imp.seconds(), Files.size(train) / 1e6 / imp.seconds()));
      importer.importFile(eval, new DatasetImporter.Options("eval", DataFormat.AUTO, null),
          JobContext.none());

      DatasetRepository repo = wb.db().datasets();
      DatasetInfo d = repo.find("train").orElseThrow();
      Random rnd = new Random(1);
      double[] page = new double[pages];
      for (int i = 0; i < pages + 20; i++) {
        long offset = (long) (rnd.nextDouble() * (d.rowCount() - 50));
        long t = System.nanoTime();
        repo.page(d.id(), offset, 50);
        if (i >= 20) {
          page[i - 20] = ms(t);
        }
      }
      report.add("page of 50 rows (median of " + pages + ")", median(page) / 1000,
          String.format("%.2f ms median, %.2f ms p95", median(page), p95(page)));

      String[] words = {"apples", "marbles", "kilometers", "percent", "tickets", "garden",
          "weekly", "quarters", "cookies", "hourly", "zzzz-absent"};
      double[] first = new double[words.length];
      double[] count = new double[words.length];
      for (int i = 0; i < words.length; i++) {
        long t = System.nanoTime();
        repo.search(d.id(), words[i], 0, 50);
        first[i] = ms(t);
        t = System.nanoTime();
        repo.countMatches(d.id(), words[i]);
        count[i] = ms(t);
      }
      report.add("search, first page (median of " + words.length + " words)",
          median(first) / 1000, String.format("%.0f ms median, %.0f ms max", median(first),
              Arrays.stream(first).max().orElse(0)));
      report.add("search, count matches (median)", median(count) / 1000,
          String.format("%.0f ms median", median(count)));

      Decontaminator.Result dc = ConsoleProgress.run(wb.jobs(), "bench", "decontaminate",
          ctx -> new Decontaminator(wb.db()).run("train", List.of("eval"),
              Decontaminator.Settings.DEFAULT, "train-clean", ctx));
      report.add("decontaminate " + fmt(rows) + " x " + fmt(evalRows) + " (8-grams, with copy)",
          dc.seconds(), String.format("%,d flagged (%.2f%%)", dc.flagged(), 100 * dc.rate()));

      mixFirst(wb, 300);
      RetrievalSelector.Result sel = ConsoleProgress.run(wb.jobs(), "bench", "select",
          ctx -> new RetrievalSelector(wb.db()).select("train", "eval-300", 10, "selected",
              null, ctx));
      report.add("select BM25, pool " + fmt(rows) + ", 300 targets, k 10", sel.seconds(),
          String.format("%,d selected", sel.selected()));

      long t = System.nanoTime();
      Mixer.Result mix = new Mixer(wb.db()).mix(MixSpec.parse("- {dataset: train, fraction: "
          + "0.5}\n- {dataset: eval, count: 1000}\n", "bench"), "mix", 1L, JobContext.none());
      report.add("mix 50% + 1000", (System.nanoTime() - t) / 1e9,
          String.format("%,d rows", mix.dataset().rowCount()));

      t = System.nanoTime();
      DatasetExporter.Result ex = new DatasetExporter(wb.db()).export("train",
          home.resolve("out.jsonl"), null, JobContext.none());
      double exportS = (System.nanoTime() - t) / 1e9;
      report.add("export " + fmt(rows) + " rows", exportS, String.format("%,.0f rows/s",
          ex.rows() / exportS));
    } finally {
      report.print();
      if (keep) {
        System.out.println("home kept: " + home);
      } else {
        FileTrees.delete(home);
      }
    }
    return 0;
  }

  private static void mixFirst(Workbench wb, int n) {
    new Mixer(wb.db()).mix(MixSpec.parse("- {dataset: eval, count: " + n + "}\n", "bench"),
        "eval-" + n, 5L, JobContext.none());
  }

  /** {@code count} rows cycling through {@code source}, each question tagged by its number. */
  private static void write(Path source, Path out, int count, Path plantFrom, int planted)
      throws IOException {
    List<String> lines = Files.readAllLines(source);
    List<String> plant = plantFrom == null ? List.of() : Files.readAllLines(plantFrom);
    int every = planted == 0 ? Integer.MAX_VALUE : count / planted;
    try (BufferedWriter w = Files.newBufferedWriter(out)) {
      for (int i = 0; i < count; i++) {
        String line = i % every == every - 1 ? plant.get(i / every % plant.size())
            : lines.get(i % lines.size());
        ObjectNode row = (ObjectNode) JSON.readTree(line);
        JsonNode q = row.get("question");
        row.put("question", q.asText() + " (" + i + ")");
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
  }

  private static String fmt(long n) {
    return n % 1000 == 0 ? n / 1000 + "k" : String.valueOf(n);
  }

  private static double ms(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double p95(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The benchmark's result lines, printed at the end (also after a failure). */
  private static final class PrintStreamTable {
    private final List<String[]> rows = new ArrayList<>();

    void add(String what, double seconds, String detail) {
      rows.add(new String[] {what, String.format("%.2f s", seconds), detail});
    }

    void print() {
      Table t = new Table("BENCHMARK", "TIME", "DETAIL");
      rows.forEach(r -> t.add((Object[]) r));
      t.print(System.out);
    }
  }
}
