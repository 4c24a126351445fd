package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool of 600 GSM8K word problems and 600 HH conversations; targets are GSM8K test
 * questions. A sensible selection takes math problems, and a near-duplicate first.
 */
class RetrievalSelectorTest {
  @TempDir static Path home;
  static Database db;

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue(DataFixtures.present(), "../shared/data is absent");
    db = Database.open(home);
    DatasetImporter importer = new DatasetImporter(db);
    importer.importFile(DataFixtures.HH, new DatasetImporter.Options("hh", DataFormat.AUTO,
        null), JobContext.none());
    Path hhChat = home.resolve("hh-chat.jsonl");
    new DatasetExporter(db).export("hh", hhChat, ExportFormat.MESSAGES, JobContext.none());

    ObjectMapper json = new ObjectMapper();
    List<String> pool = new ArrayList<>();
    List<String> math = DataFixtures.lines(DataFixtures.GSM8K_TRAIN, 0, 600);
    List<String> chat = DataFixtures.lines(hhChat, 0, 600);
    for (int i = 0; i < 600; i++) {
      JsonNode g = json.readTree(math.get(i));
      pool.add(json.writeValueAsString(json.createObjectNode().set("messages",
          json.createArrayNode()
              .add(json.createObjectNode().put("role", "user").put("content",
                  g.get("question").asText()))
              .add(json.createObjectNode().put("role", "assistant").put("content",
                  g.get("answer").asText())))));
      pool.add(chat.get(i));
    }
    Path poolFile = home.resolve("pool.jsonl");
    Files.write(poolFile, pool);
    importer.importFile(poolFile, new DatasetImporter.Options("pool", DataFormat.AUTO, null),
        JobContext.none());
    Path targets = home.resolve("targets.jsonl");
    Files.write(targets, DataFixtures.lines(DataFixtures.GSM8K_TEST, 600, 40));
    importer.importFile(targets, new DatasetImporter.Options("targets", DataFormat.AUTO, null),
        JobContext.none());
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  private static long mathShare(String name, long[] total) {
    long[] math = {0};
    db.datasets().forEach(db.datasets().find(name).orElseThrow().id(), 1000, page ->
        page.forEach(e -> {
          total[0]++;
          if (e.data().contains("####")) {
            math[0]++;
          }
        }));
    return math[0];
  }

  @Test
  void bm25TakesWordProblemsForWordProblems() {
    RetrievalSelector.Result r = new RetrievalSelector(db).select("pool", "targets", 5,
        "selected", null, JobContext.none());
    assertThat(r.method()).isEqualTo("bm25");
    assertThat(r.targets()).isEqualTo(40);
    assertThat(r.selected()).isBetween(40L, 200L).isEqualTo(r.dataset().rowCount());
    long[] total = {0};
    long math = mathShare("selected", total);
    assertThat(math / (double) total[0]).isGreaterThan(0.95);
    assertThat(r.dataset().provenance()).contains("\"method\":\"bm25\"", "\"k\":5");
  }

  @Test
  void bm25FindsTheNearDuplicateFirst() throws Exception {
    // GSM8K test 632 and train 20 are the same problem with other names and numbers
    Path one = home.resolve("one.jsonl");
    Files.write(one, DataFixtures.lines(DataFixtures.GSM8K_TEST, 632, 1));
    new DatasetImporter(db).importFile(one, new DatasetImporter.Options("one", DataFormat.AUTO,
        null), JobContext.none());
    RetrievalSelector.Result r = new RetrievalSelector(db).select("pool", "one", 1, "nearest",
        null, JobContext.none());
    assertThat(r.selected()).isEqualTo(1);
    String data = db.datasets().example(r.dataset().id(), 0).orElseThrow().data();
    assertThat(data).contains("Bella bought stamps");
  }

  @Test
  void cosineOverHashedTfIdfVectorsAlsoPrefersWordProblems() {
    List<String> corpus = new ArrayList<>();
    db.datasets().forEach(db.datasets().find("pool").orElseThrow().id(), 1000, page ->
        page.forEach(e -> corpus.add(Example.fromJson(DatasetKind.MESSAGES, e.data())
            .promptText())));
    HashedTfIdfEmbedder embedder = HashedTfIdfEmbedder.fit(corpus, 4096);
    RetrievalSelector.Result r = new RetrievalSelector(db).select("pool", "targets", 5,
        "by-vectors", embedder, JobContext.none());
    assertThat(r.method()).isEqualTo("embedding:tfidf-4096");
    long[] total = {0};
    assertThat(mathShare("by-vectors", total) / (double) total[0]).isGreaterThan(0.9);
  }
}
