package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code temper datasets} commands, end to end against a real home. */
class DatasetsCommandTest {
  static final Path GSM8K_TEST = Path.of("../shared/data/gsm8k/test.jsonl");

  @TempDir Path dir;

  /** Runs one command line; returns {exit code, stdout, stderr}. */
  private String[] temper(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve("home").toString()));
    all.addAll(List.of(args));
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int rc = Cli.run(all.toArray(String[]::new));
      return new String[] {String.valueOf(rc), o.toString(StandardCharsets.UTF_8),
          e.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private Path chatWithTwoBadLines() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 60; i++) {
      lines.add(i == 7 ? "{not json" : i == 40 ? "{\"messages\": []}"
          : "{\"messages\": [{\"role\": \"user\", \"content\": \"apple question " + i
              + "\"}, {\"role\": \"assistant\", \"content\": \"answer " + i + "\"}]}");
    }
    Path f = dir.resolve("chat.jsonl");
    Files.write(f, lines);
    return f;
  }

  @Test
  void importShowMixExportDeleteFromTheCommandLine() throws Exception {
    Path chat = chatWithTwoBadLines();
    String[] r = temper("datasets", "import", chat.toString(), "--name", "chat");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("Imported 58 rows into 'chat' (messages, from messages)",
        "2 malformed rows skipped:", "line 7: invalid JSON", "line 40: 'messages' is empty");
    assertThat(r[2]).contains("Import chat.jsonl"); // progress goes to stderr

    r = temper("datasets", "import", chat.toString(), "--name", "strict", "--on-error",
        "abort");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).contains("line 7:", "line 40:");
    assertThat(r[2]).contains("temper: ", "2 malformed rows, nothing imported");
    assertThat(temper("datasets", "list")[1]).contains("chat").doesNotContain("strict");

    r = temper("datasets", "show", "chat", "--limit", "2", "--search", "question 5");
    assertThat(r[1]).contains("matches for \"question 5\": 15"); // "question" and "5"
    r = temper("datasets", "show", "chat", "--limit", "2", "--search", "\"question 5\"");
    assertThat(r[1]).contains("matches for \"\"question 5\"\": 11", "#4 (source line 5)",
        "[user]", "apple question 5");

    Path spec = dir.resolve("mix.yaml");
    Files.writeString(spec, "sources:\n  - dataset: chat\n    fraction: 0.5\n");
    assertThat(temper("datasets", "mix", "--spec", spec.toString(), "--dry-run")[1])
        .contains("chat", "58", "29");
    assertThat(temper("datasets", "mix", "--spec", spec.toString(), "--name", "m1", "--seed",
        "3")[1]).contains("Mixed 29 rows into 'm1' (seed 3)");
    temper("datasets", "mix", "--spec", spec.toString(), "--name", "m2", "--seed", "3");
    Path m1 = dir.resolve("m1.jsonl");
    Path m2 = dir.resolve("m2.jsonl");
    assertThat(temper("datasets", "export", "m1", "--out", m1.toString())[1])
        .contains("Wrote 29 rows of 'm1'", "(messages)");
    temper("datasets", "export", "m2", "--out", m2.toString());
    assertThat(Files.readAllLines(m1)).isEqualTo(Files.readAllLines(m2));

    r = temper("datasets", "export", "chat", "--out", dir.resolve("x.jsonl").toString(),
        "--format", "preference");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("cannot be exported as preference");

    assertThat(temper("datasets", "delete", "m2")[1]).contains("Deleted 'm2' (29 rows)");
    r = temper("datasets", "show", "m2");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("No dataset named 'm2'; there are: chat, m1");
  }

  @Test
  void decontaminateAndSelectFromTheCommandLine() throws Exception {
    assumeTrue(Files.isRegularFile(GSM8K_TEST), "../shared/data/gsm8k is absent");
    List<String> test = Files.readAllLines(GSM8K_TEST);
    Path eval = dir.resolve("eval.jsonl");
    Files.write(eval, test.subList(0, 300));
    Path train = dir.resolve("train.jsonl");
    List<String> rows = new ArrayList<>(test.subList(300, 500));
    rows.add(50, test.get(10));
    rows.add(120, test.get(20));
    Files.write(train, rows);
    temper("datasets", "import", eval.toString(), "--name", "eval");
    temper("datasets", "import", train.toString(), "--name", "train");

    String[] r = temper("datasets", "decontaminate", "train", "--against", "eval",
        "--name", "train-clean");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("2 of 202 examples contaminated (rate 0.9901%), 8-grams, "
        + "threshold 0.50", "eval: 2 evaluation instances matched",
        "Removed 2; the cleaned copy 'train-clean' has 200 rows", "#50  score 1.00  ~ eval #10",
        "shared: ");
    assertThat(temper("datasets", "decontaminate", "train", "--against", "eval", "--ngram",
        "0")[2]).contains("--ngram must be at least 1");

    r = temper("datasets", "select", "--pool", "train", "--targets", "eval", "--k", "1",
        "--name", "sel", "--model", "/models/x");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("/models/x"); // the loader names the missing model
    r = temper("datasets", "select", "--pool", "train-clean", "--targets", "eval", "--k", "2",
        "--name", "sel");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("for 300 targets (k 2, bm25) into 'sel'");
  }
}
