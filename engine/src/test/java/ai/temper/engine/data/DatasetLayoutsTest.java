package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TemperException;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.data.DatasetImporter.OnError;
import ai.temper.engine.data.DatasetImporter.Options;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layouts open-instruct and TRL read and write (test resources {@code data-layouts/}):
 * each is detected, imported, and exported back unchanged, as JSON Lines and through a
 * Parquet file; tool calls, tool messages, reasoning_content and list-of-parts content
 * survive and reach the chat template.
 */
class DatasetLayoutsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path home;
  Database db;

  @BeforeEach
  void open() {
    db = Database.open(home);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private Path fixture(String name) throws Exception {
    Path p = home.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/data-layouts/" + name)) {
      assertThat(in).as(name).isNotNull();
      Files.write(p, in.readAllBytes());
    }
    return p;
  }

  private DatasetImporter.Result load(Path file, String name, Map<String, String> columns) {
    return new DatasetImporter(db).importFile(file, new Options(name, DataFormat.AUTO,
        OnError.ABORT, columns), JobContext.none());
  }

  private List<JsonNode> export(String name, ExportFormat f, String file) throws Exception {
    Path out = home.resolve(file);
    new DatasetExporter(db).export(name, out, f, JobContext.none());
    return file.endsWith(".parquet") ? List.of() : DatasetImportExportTest.readJsonl(out);
  }

  /** import -> export (JSONL) and import -> export (Parquet) -> import -> export (JSONL). */
  private void roundTrips(String fixture, DataFormat detected, ExportFormat layout)
      throws Exception {
    Path src = fixture(fixture);
    List<JsonNode> source = DatasetImportExportTest.readJsonl(src);
    String name = fixture.replace('.', '-');
    assertThat(load(src, name, Map.of()).format()).isEqualTo(detected);
    assertThat(export(name, layout, name + ".jsonl")).as(fixture + " as JSONL")
        .isEqualTo(source);
    export(name, layout, name + ".parquet");
    Path parquet = home.resolve(name + ".parquet");
    try (InputStream in = Files.newInputStream(parquet)) {
      assertThat(new String(in.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("PAR1");
    }
    assertThat(load(parquet, name + "-pq", Map.of()).format()).isEqualTo(detected);
    assertThat(export(name + "-pq", layout, name + "-pq.jsonl")).as(fixture + " via Parquet")
        .isEqualTo(source);
  }

  @Test
  void toolCallsReasoningAndPartsRoundTrip() throws Exception {
    roundTrips("tools-messages.jsonl", DataFormat.MESSAGES, ExportFormat.MESSAGES);
    // the stored messages keep their text for search and statistics
    Example first = Datasets.parse(db.datasets().find("tools-messages-jsonl").orElseThrow(),
        firstRow("tools-messages-jsonl"));
    assertThat(first.messages().get(2).content()).isEmpty();
    assertThat(first.messages().get(2).fields().get("tool_calls").get(0).path("function")
        .path("name").asText()).isEqualTo("get_weather");
    assertThat(first.messages().get(4).fields().get("reasoning_content").asText())
        .isEqualTo("The tool said 18.");
    Example parts = Example.fromJson(DatasetKind.MESSAGES, canonical("tools-messages-jsonl")
        .get(1));
    assertThat(parts.messages().get(0).content()).isEqualTo("What is in this picture?");
  }

  @Test
  void trlPromptCompletionPlainAndConversational() throws Exception {
    roundTrips("trl-prompt-completion.jsonl", DataFormat.PROMPT_COMPLETION,
        ExportFormat.PROMPT_COMPLETION);
    roundTrips("trl-prompt-completion-chat.jsonl", DataFormat.PROMPT_COMPLETION,
        ExportFormat.PROMPT_COMPLETION_CHAT);
    // a prompt/completion dataset is a conversation: SFT and the messages layout read it
    assertThat(export("trl-prompt-completion-jsonl", ExportFormat.MESSAGES, "m.jsonl").get(0))
        .isEqualTo(JSON.readTree("{\"messages\": [{\"role\": \"user\", \"content\": \"The sky "
            + "is\"}, {\"role\": \"assistant\", \"content\": \" blue.\"}]}"));
  }

  @Test
  void trlUnpairedPreferenceKeepsItsLabel() throws Exception {
    roundTrips("trl-kto.jsonl", DataFormat.KTO, ExportFormat.PROMPT_COMPLETION);
    roundTrips("trl-kto-chat.jsonl", DataFormat.KTO, ExportFormat.PROMPT_COMPLETION_CHAT);
    Path bad = home.resolve("bad-kto.jsonl");
    Files.writeString(bad, "{\"prompt\": \"a\", \"completion\": \"b\", \"label\": \"yes\"}\n");
    assertThatThrownBy(() -> load(bad, "bad", Map.of()))
        .hasMessageContaining("line 1: 'label' is not true or false (found a string)");
  }

  @Test
  void unpairedPreferenceRowsPairUpForDpo() throws Exception {
    load(fixture("trl-kto.jsonl"), "kto", Map.of());
    UnpairedPairing.Result r = new UnpairedPairing(db).pair("kto", "kto-pairs",
        JobContext.none());
    assertThat(r.pairs()).isEqualTo(1); // "The sky is": blue vs green
    assertThat(r.unmatched()).isEqualTo(1); // "The sun is" has no undesirable completion
    assertThat(r.prompts()).isEqualTo(2);
    assertThat(export("kto-pairs", ExportFormat.PREFERENCE, "pairs.jsonl")).containsExactly(
        JSON.readTree("{\"prompt\": [{\"role\": \"user\", \"content\": \"The sky is\"}], "
            + "\"chosen\": [{\"role\": \"assistant\", \"content\": \" blue.\"}], "
            + "\"rejected\": [{\"role\": \"assistant\", \"content\": \" green.\"}]}"));
    load(fixture("trl-prompt-completion.jsonl"), "plain", Map.of());
    assertThatThrownBy(() -> new UnpairedPairing(db).pair("plain", "p2", JobContext.none()))
        .hasMessageContaining("is not an unpaired preference row");
  }

  @Test
  void csvWithAColumnMapping() throws Exception {
    Path csv = fixture("questions.csv");
    DatasetImporter.Result r = load(csv, "csv", Map.of("prompt", "question",
        "completion", "answer"));
    assertThat(r.format()).isEqualTo(DataFormat.PROMPT_COMPLETION);
    assertThat(r.rows()).isEqualTo(3);
    List<JsonNode> rows = export("csv", ExportFormat.PROMPT_COMPLETION, "csv.jsonl");
    assertThat(rows.get(1)).isEqualTo(JSON.readTree("{\"prompt\": \"Name a colour, please.\", "
        + "\"completion\": \"Blue, or \\\"sky\\\" blue.\", \"id\": \"2\", \"source\": "
        + "\"colours\"}"));
    assertThat(rows.get(2).get("completion").asText()).isEqualTo("Line one\nline two");
    assertThatThrownBy(() -> load(csv, "csv2", Map.of("prompt", "questoin",
        "completion", "answer"))).hasMessageContaining("column 'questoin' (mapped to 'prompt') "
            + "is missing; the columns are [id, question, answer, source]");
  }

  @Test
  void parquetFilesTrainDirectlyFromTheMixerList() throws Exception {
    Path src = fixture("tools-messages.jsonl");
    load(src, "t", Map.of());
    export("t", ExportFormat.MESSAGES, "t.parquet");
    List<JsonNode> fromParquet = Datasets.readFile(home.resolve("t.parquet"),
        DatasetKind.MESSAGES);
    assertThat(fromParquet).isEqualTo(Datasets.readFile(src, DatasetKind.MESSAGES));
    assertThat(fromParquet).hasSize(3);
    assertThatThrownBy(() -> Datasets.readFile(home.resolve("t.parquet"),
        DatasetKind.PREFERENCE)).isInstanceOf(TemperException.class)
        .hasMessageContaining("holds messages rows (messages), but this algorithm trains on "
            + "preference");
  }

  private static Path resource(String name) throws Exception {
    return Path.of(DatasetLayoutsTest.class.getResource("/data-layouts/" + name).toURI());
  }

  /**
   * Arrow written by the real writers ({@code data-layouts/make_arrow.py}: datasets'
   * save_to_disk, pyarrow's Feather v2) imports and exports as the rows given to them.
   */
  @Test
  void huggingFaceSaveToDiskFoldersAndArrowFiles() throws Exception {
    DatasetImporter.Result r = load(resource("hf-messages"), "hf", Map.of());
    assertThat(r.format()).isEqualTo(DataFormat.MESSAGES);
    assertThat(export("hf", ExportFormat.MESSAGES, "hf.jsonl"))
        .isEqualTo(DatasetImportExportTest.readJsonl(resource("hf-messages.jsonl")));
    // a DatasetDict folder: its train split
    assertThat(load(resource("hf-dict"), "dict", Map.of()).rows()).isEqualTo(2);
    assertThat(export("dict", ExportFormat.PROMPT_COMPLETION, "dict.jsonl"))
        .isEqualTo(DatasetImportExportTest.readJsonl(resource("hf-dict-train.jsonl")));
    // an Arrow IPC file (Feather v2)
    assertThat(load(resource("preference.arrow"), "arrow", Map.of()).format())
        .isEqualTo(DataFormat.PREFERENCE);
    assertThat(export("arrow", ExportFormat.PREFERENCE, "arrow.jsonl"))
        .isEqualTo(DatasetImportExportTest.readJsonl(resource("preference-arrow.jsonl")));
    // and straight from dataset_mixer_list
    assertThat(Datasets.readFile(resource("hf-messages"), DatasetKind.MESSAGES)).hasSize(2);
    Path notHf = home.resolve("empty-folder");
    Files.createDirectories(notHf);
    assertThatThrownBy(() -> load(notHf, "x", Map.of())).hasMessageContaining(
        "not a Hugging Face dataset saved with save_to_disk");
  }

  /** The imported tool-call conversation renders exactly as jinja2 rendered it (Qwen2.5). */
  @Test
  void importedToolCallsReachTheChatTemplate() throws Exception {
    JsonNode conv = readResource("/chat-templates/conversations.json").get("tools");
    ObjectNode row = JSON.createObjectNode();
    row.set("messages", conv.get("messages"));
    row.set("tools", conv.get("tools"));
    Path file = home.resolve("tools-conv.jsonl");
    Files.writeString(file, row + "\n");
    load(file, "conv", Map.of());
    Example e = Example.fromJson(DatasetKind.MESSAGES, canonical("conv").get(0));
    List<ChatMessage> messages = new ArrayList<>();
    e.messages().forEach(m -> messages.add(ChatMessage.of(m)));
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("tools", e.meta().get("tools"));
    String source = new String(getClass().getResourceAsStream(
        "/chat-templates/templates/trl_qwen2_5.jinja").readAllBytes(), StandardCharsets.UTF_8);
    String got = ChatTemplate.of(source, "<s>", "</s>").render(messages, false, extra);
    String want = readResource("/chat-templates/expected.json").get("templates")
        .get("trl_qwen2_5.jinja").get("tools").get("output").asText();
    assertThat(got).isEqualTo(want).contains("<tool_call>\n{\"name\": \"get_weather\"");
  }

  /** A real file: GSM8K test rows go out as Parquet and come back unchanged. */
  @Test
  void gsm8kRoundTripsThroughParquet() throws Exception {
    Path gsm = DatasetImportExportTest.GSM8K.resolve("test.jsonl");
    assumeTrue(Files.exists(gsm), "../shared/data/gsm8k is absent: skipping");
    load(gsm, "gsm", Map.of());
    export("gsm", ExportFormat.GSM8K, "gsm.parquet");
    load(home.resolve("gsm.parquet"), "gsm-pq", Map.of());
    assertThat(export("gsm-pq", ExportFormat.GSM8K, "gsm.jsonl"))
        .isEqualTo(DatasetImportExportTest.readJsonl(gsm));
  }

  private JsonNode readResource(String path) throws Exception {
    try (InputStream in = getClass().getResourceAsStream(path)) {
      return JSON.readTree(in);
    }
  }

  private List<String> canonical(String name) {
    List<String> out = new ArrayList<>();
    long id = db.datasets().find(name).orElseThrow().id();
    db.datasets().forEach(id, 1000, page -> page.forEach(e -> out.add(e.data())));
    return out;
  }

  private ai.temper.engine.store.DatasetRepository.StoredExample firstRow(String name) {
    List<ai.temper.engine.store.DatasetRepository.StoredExample> out = new ArrayList<>();
    long id = db.datasets().find(name).orElseThrow().id();
    db.datasets().forEach(id, 1000, page -> out.addAll(page));
    return out.get(0);
  }
}
