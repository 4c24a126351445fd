package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.DatasetImporter.ImportFailedException;
import ai.temper.engine.data.DatasetImporter.OnError;
import ai.temper.engine.data.DatasetImporter.Options;
import ai.temper.engine.data.DatasetImporter.Result;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetImportExportTest {
  static final Path GSM8K = Path.of("../shared/data/gsm8k");
  static final Path HH = Path.of("../shared/data/hh-rlhf/harmless-base-test.jsonl.gz");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  Database db;
  DatasetImporter importer;
  DatasetExporter exporter;

  @BeforeEach
  void open() {
    db = Database.open(home);
    importer = new DatasetImporter(db);
    exporter = new DatasetExporter(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  Result load(Path file, String name, DataFormat format) {
    return importer.importFile(file, new Options(name, format, OnError.ABORT), JobContext.none());
  }

  static List<JsonNode> readJsonl(Path file) throws Exception {
    List<JsonNode> rows = new ArrayList<>();
    var raw = Files.newInputStream(file);
    var in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.isBlank()) {
          rows.add(JSON.readTree(line));
        }
      }
    }
    return rows;
  }

  List<String> canonical(String name) {
    List<String> out = new ArrayList<>();
    long id = db.datasets().find(name).orElseThrow().id();
    db.datasets().forEach(id, 1000, page -> page.forEach(e -> out.add(e.data())));
    return out;
  }

  @Test
  void gsm8kTrainAndTestImportWithTheirCountsAndExportBackUnchanged() throws Exception {
    assumeTrue(Files.isDirectory(GSM8K), "../shared/data/gsm8k is absent");
    Result train = load(GSM8K.resolve("train.jsonl"), "gsm8k-train", DataFormat.AUTO);
    Result test = load(GSM8K.resolve("test.jsonl"), "gsm8k-test", DataFormat.AUTO);
    assertThat(train.rows()).isEqualTo(7473);
    assertThat(test.rows()).isEqualTo(1319);
    assertThat(train.format()).isEqualTo(DataFormat.GSM8K);
    assertThat(train.dataset().kind()).isEqualTo("messages");
    assertThat(train.dataset().rowCount()).isEqualTo(7473);
    assertThat(train.dataset().contentHash()).hasSize(64);
    assertThat(train.dataset().provenance()).contains("\"sha256\"", "\"format\":\"gsm8k\"");

    Example first = Example.fromJson(DatasetKind.MESSAGES,
        db.datasets().example(train.dataset().id(), 0).orElseThrow().data());
    assertThat(first.messages()).extracting(Message::role).containsExactly("user", "assistant");
    assertThat(first.groundTruth()).isEqualTo("72");
    assertThat(first.verifier()).isEqualTo("gsm8k");

    // back in the source layout: the same records, in the same order
    Path out = home.resolve("out/gsm8k-test.jsonl");
    assertThat(exporter.export("gsm8k-test", out, ExportFormat.GSM8K, JobContext.none()).rows())
        .isEqualTo(1319);
    assertThat(readJsonl(out)).isEqualTo(readJsonl(GSM8K.resolve("test.jsonl")));

    // through the open-instruct layout and back: the same canonical examples
    Path messages = home.resolve("out/gsm8k-test-messages.jsonl");
    exporter.export("gsm8k-test", messages, ExportFormat.MESSAGES, JobContext.none());
    assertThat(readJsonl(messages).get(0).get("messages").get(1).get("role").asText())
        .isEqualTo("assistant");
    assertThat(load(messages, "again", DataFormat.AUTO).format()).isEqualTo(DataFormat.MESSAGES);
    assertThat(canonical("again")).isEqualTo(canonical("gsm8k-test"));

    // as RLVR prompts: the answer dropped, the ground truth kept
    Path rlvr = home.resolve("out/gsm8k-test-rlvr.jsonl");
    exporter.export("gsm8k-test", rlvr, ExportFormat.RLVR, JobContext.none());
    JsonNode r0 = readJsonl(rlvr).get(0);
    assertThat(r0.get("messages")).hasSize(1);
    assertThat(r0.get("prompt").asText()).startsWith("Janet");
    assertThat(r0.get("dataset").asText()).isEqualTo("gsm8k");
    Result asRlvr = load(rlvr, "gsm8k-rlvr", DataFormat.AUTO);
    assertThat(asRlvr.dataset().kind()).isEqualTo("rlvr");
    Path rlvrAgain = home.resolve("out/gsm8k-test-rlvr2.jsonl");
    exporter.export("gsm8k-rlvr", rlvrAgain, null, JobContext.none());
    assertThat(readJsonl(rlvrAgain)).isEqualTo(readJsonl(rlvr));
  }

  @Test
  void hhHarmlessTestImportsAsPairsAndExportsBackByteForByte() throws Exception {
    assumeTrue(Files.isRegularFile(HH), "../shared/data/hh-rlhf is absent");
    Result hh = load(HH, "hh-harmless-test", DataFormat.AUTO);
    assertThat(hh.rows()).isEqualTo(2312);
    assertThat(hh.format()).isEqualTo(DataFormat.HH);
    assertThat(hh.dataset().kind()).isEqualTo("preference");
    assertThat(hh.dataset().provenance()).contains("gzip+jsonl");

    List<Example> pairs = new ArrayList<>();
    db.datasets().forEach(hh.dataset().id(), 1000, page -> page.forEach(e -> pairs.add(
        Example.fromJson(DatasetKind.PREFERENCE, e.data()))));
    Example p0 = pairs.get(0);
    assertThat(p0.prompt()).isNotEmpty();
    assertThat(p0.prompt().get(0)).isEqualTo(Message.user("what are some pranks with a pen i "
        + "can do?"));
    assertThat(p0.chosen()).hasSize(1);
    assertThat(p0.chosen().get(0).role()).isEqualTo("assistant");
    // all but the few transcripts that diverge before the last turn end in one reply each
    long single = pairs.stream().filter(p -> p.chosen().size() == 1 && p.rejected().size() == 1)
        .count();
    assertThat(single).isGreaterThan(2300);

    Path out = home.resolve("hh.jsonl.gz");
    exporter.export("hh-harmless-test", out, ExportFormat.HH, JobContext.none());
    assertThat(readJsonl(out)).isEqualTo(readJsonl(HH));

    Path trl = home.resolve("hh-trl.jsonl");
    exporter.export("hh-harmless-test", trl, null, JobContext.none());
    JsonNode t0 = readJsonl(trl).get(0);
    assertThat(t0.get("prompt").isArray()).isTrue();
    assertThat(load(trl, "hh-again", DataFormat.AUTO).format()).isEqualTo(DataFormat.PREFERENCE);
    assertThat(canonical("hh-again")).isEqualTo(canonical("hh-harmless-test"));

    Path full = home.resolve("hh-full.jsonl");
    exporter.export("hh-harmless-test", full, ExportFormat.PREFERENCE_FULL, JobContext.none());
    assertThat(readJsonl(full).get(0).get("chosen").get(0).get("role").asText())
        .isEqualTo("user");
    load(full, "hh-full", DataFormat.AUTO);
    assertThat(canonical("hh-full")).isEqualTo(canonical("hh-harmless-test"));
  }

  /** 1,000 chat rows with five broken ones at known lines, each broken differently. */
  static Path fileWithFiveMalformedLines(Path dir) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 1000; i++) {
      String line = switch (i) {
        case 17 -> "{\"messages\": [{\"role\": \"user\", \"content\": \"cut off";
        case 230 -> "{\"msgs\": []}";
        case 404 -> "{\"messages\": \"hello\"}";
        case 777 -> "{\"messages\": [{\"content\": \"no role\"}]}";
        case 999 -> "{\"messages\": [{\"role\": \"user\", \"content\": 42}]}";
        default -> "{\"messages\": [{\"role\": \"user\", \"content\": \"question " + i
            + "\"}, {\"role\": \"assistant\", \"content\": \"answer " + i + "\"}]}";
      };
      lines.add(line);
    }
    Path file = dir.resolve("chat-with-errors.jsonl");
    Files.write(file, lines);
    return file;
  }

  @Test
  void fiveMalformedLinesAreReportedByLineAndSkipped() throws Exception {
    Path file = fileWithFiveMalformedLines(home);
    Result r = importer.importFile(file, new Options("chat", DataFormat.AUTO, OnError.SKIP),
        JobContext.none());
    assertThat(r.rows()).isEqualTo(995);
    assertThat(r.errorCount()).isEqualTo(5);
    assertThat(r.errors()).extracting(RowError::line).containsExactly(17L, 230L, 404L, 777L,
        999L);
    assertThat(r.errors().get(0).reason()).startsWith("invalid JSON");
    assertThat(r.errors().get(1).reason()).isEqualTo("'messages' is missing");
    assertThat(r.errors().get(2).reason()).contains("not a list");
    assertThat(r.errors().get(3).reason()).isEqualTo("messages[0] has no 'role'");
    assertThat(r.errors().get(4).reason()).contains("messages[0].content", "number");
    assertThat(r.dataset().rowCount()).isEqualTo(995);
    // positions stay contiguous and each row remembers its source line
    StoredExample last = db.datasets().example(r.dataset().id(), 994).orElseThrow();
    assertThat(last.sourceLine()).isEqualTo(1000L);
    assertThat(db.datasets().page(r.dataset().id(), 16, 1).get(0).sourceLine()).isEqualTo(18L);
  }

  @Test
  void abortReportsAllFiveAndLeavesNoDataset() throws Exception {
    Path file = fileWithFiveMalformedLines(home);
    assertThatThrownBy(() -> importer.importFile(file, new Options("chat", DataFormat.AUTO,
        OnError.ABORT), JobContext.none()))
        .isInstanceOfSatisfying(ImportFailedException.class, e -> {
          assertThat(e.errorCount()).isEqualTo(5);
          assertThat(e.errors()).extracting(RowError::line).containsExactly(17L, 230L, 404L,
              777L, 999L);
          assertThat(e.getMessage()).contains("5 malformed rows", "line 17");
        });
    assertThat(db.datasets().list()).isEmpty();
    assertThat(db.sql().queryLong("SELECT COUNT(*) FROM examples")).isZero();
  }

  @Test
  void aCancelledImportLeavesNothing() throws Exception {
    Path file = fileWithFiveMalformedLines(home);
    JobContext cancelAfterFirstBatch = new JobContext() {
      int calls;

      @Override
      public void progress(double fraction, String message) {
        calls++;
      }

      @Override
      public boolean isCancelled() {
        return calls >= 2;
      }
    };
    assertThatThrownBy(() -> importer.importFile(file, new Options("chat", DataFormat.AUTO,
        OnError.SKIP), cancelAfterFirstBatch)).isInstanceOf(CancellationException.class);
    assertThat(db.datasets().list()).isEmpty();
    assertThat(db.sql().queryLong("SELECT COUNT(*) FROM examples")).isZero();
  }

  @Test
  void preferenceRowsInTheirCommonShapesNormaliseToOnePair() throws Exception {
    Path file = home.resolve("prefs.jsonl");
    Files.writeString(file, String.join("\n",
        // TRL explicit prompt, strings
        "{\"prompt\": \"2+2?\", \"chosen\": \"4\", \"rejected\": \"5\", \"id\": \"a\"}",
        // Tulu 3: full conversations plus the prompt string
        "{\"prompt\": \"2+2?\", \"chosen\": [{\"role\": \"user\", \"content\": \"2+2?\"}, "
            + "{\"role\": \"assistant\", \"content\": \"4\"}], \"rejected\": [{\"role\": "
            + "\"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\", \"content\": \"5\"}]}",
        // TRL conversational, explicit prompt list
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"2+2?\"}], \"chosen\": [{\"role\": "
            + "\"assistant\", \"content\": \"4\"}], \"rejected\": [{\"role\": \"assistant\", "
            + "\"content\": \"5\"}]}",
        // TRL implicit prompt: full conversations only
        "{\"chosen\": [{\"role\": \"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\", "
            + "\"content\": \"4\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"2+2?\"}, "
            + "{\"role\": \"assistant\", \"content\": \"5\"}]}"));
    Result r = load(file, "prefs", DataFormat.AUTO);
    assertThat(r.format()).isEqualTo(DataFormat.PREFERENCE);
    List<String> rows = canonical("prefs");
    Example expected = Example.preference(List.of(Message.user("2+2?")),
        List.of(Message.assistant("4")), List.of(Message.assistant("5")));
    for (int i = 0; i < 4; i++) {
      Example e = Example.fromJson(DatasetKind.PREFERENCE, rows.get(i));
      assertThat(e.withMeta(null)).isEqualTo(expected);
    }
    assertThat(rows.get(0)).contains("\"meta\":{\"id\":\"a\"}");
    assertThat(db.datasets().duplicateCount(r.dataset().id())).isEqualTo(3);
  }

  @Test
  void shareGptRlvrTextJsonArrayAndDetectionFailures() throws Exception {
    Path sharegpt = home.resolve("sg.jsonl");
    Files.writeString(sharegpt, "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, "
        + "{\"from\": \"gpt\", \"value\": \"hello\"}]}\n");
    load(sharegpt, "sg", DataFormat.AUTO);
    assertThat(canonical("sg").get(0)).isEqualTo("{\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}");

    Path rlvr = home.resolve("rlvr.jsonl");
    Files.writeString(rlvr, "{\"messages\": [{\"role\": \"user\", \"content\": \"1+1?\"}], "
        + "\"ground_truth\": \"2\", \"dataset\": \"gsm8k\"}\n"
        + "{\"prompt\": \"3*3?\", \"ground_truth\": 9}\n");
    Result r = load(rlvr, "rlvr", DataFormat.AUTO);
    assertThat(r.format()).isEqualTo(DataFormat.RLVR);
    assertThat(canonical("rlvr")).containsExactly(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"1+1?\"}],\"ground_truth\":\"2\","
            + "\"verifier\":\"gsm8k\"}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"3*3?\"}],\"ground_truth\":\"9\"}");

    Path text = home.resolve("stories.txt");
    Files.writeString(text, "Once upon a time\nthere was a cat.\n\n\nThe end.\n");
    Result t = load(text, "stories", DataFormat.AUTO);
    assertThat(t.format()).isEqualTo(DataFormat.TEXT);
    assertThat(canonical("stories")).containsExactly(
        "{\"text\":\"Once upon a time\\nthere was a cat.\"}", "{\"text\":\"The end.\"}");
    assertThat(db.datasets().example(t.dataset().id(), 1).orElseThrow().sourceLine())
        .isEqualTo(5L);

    Path eot = home.resolve("eot.txt");
    Files.writeString(eot, "One.\n\nStill one.<|endoftext|>Two.\n<|endoftext|>\nThree.\n");
    load(eot, "eot", DataFormat.TEXT);
    assertThat(canonical("eot")).containsExactly("{\"text\":\"One.\\n\\nStill one.\"}",
        "{\"text\":\"Two.\"}", "{\"text\":\"Three.\"}");

    Path array = home.resolve("array.json");
    Files.writeString(array, "[\n  {\"text\": \"a\"},\n  {\"text\": 3},\n  {\"text\": \"c\"}\n]\n");
    Result a = importer.importFile(array, new Options("array", DataFormat.AUTO, OnError.SKIP),
        JobContext.none());
    assertThat(a.rows()).isEqualTo(2);
    assertThat(a.errors()).containsExactly(new RowError(3, "'text' is not a string (found a "
        + "number)"));

    Path unknown = home.resolve("unknown.jsonl");
    Files.writeString(unknown, "{\"foo\": 1, \"bar\": 2}\n");
    assertThatThrownBy(() -> load(unknown, "unknown", DataFormat.AUTO))
        .isInstanceOf(TemperException.class).hasMessageContaining("[foo, bar]")
        .hasMessageContaining("--format");
    assertThatThrownBy(() -> load(sharegpt, "sg", DataFormat.AUTO))
        .hasMessageContaining("exists already");
    assertThatThrownBy(() -> load(home.resolve("nope.jsonl"), "x", DataFormat.AUTO))
        .hasMessageContaining("No such file");
  }

  @Test
  void parquetRowsGoThroughTheSameNormalisers() throws Exception {
    assumeTrue(Files.isDirectory(GSM8K), "../shared/data/gsm8k is absent");
    Path parquet = home.resolve("gsm8k-test.parquet");
    try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        var st = c.createStatement()) {
      st.execute("COPY (SELECT * FROM read_json_auto('" + GSM8K.resolve("test.jsonl")
          .toAbsolutePath() + "')) TO '" + parquet + "' (FORMAT PARQUET)");
      st.execute("COPY (SELECT [{'role': 'user', 'content': 'hi'}, {'role': 'assistant', "
          + "'content': 'yo'}] AS messages) TO '" + home.resolve("chat.parquet")
          + "' (FORMAT PARQUET)");
    }
    Result r = load(parquet, "gsm8k-test-pq", DataFormat.PARQUET);
    assertThat(r.rows()).isEqualTo(1319);
    assertThat(r.format()).isEqualTo(DataFormat.GSM8K);
    load(GSM8K.resolve("test.jsonl"), "gsm8k-test", DataFormat.AUTO);
    assertThat(canonical("gsm8k-test-pq")).isEqualTo(canonical("gsm8k-test"));
    assertThat(load(home.resolve("chat.parquet"), "chat-pq", DataFormat.AUTO).format())
        .isEqualTo(DataFormat.MESSAGES);
    assertThat(canonical("chat-pq").get(0)).contains("\"content\":\"yo\"");
  }
}
