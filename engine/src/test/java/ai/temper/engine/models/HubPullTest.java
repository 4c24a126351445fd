package ai.temper.engine.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.models.hub.FakeHub;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.models.hub.HubIntegrityException;
import ai.temper.engine.store.ModelKind;
import ai.temper.engine.store.ModelRepository.ModelRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a local stand-in for the Hub (127.0.0.1 only): no test touches the internet. */
class HubPullTest {
  static final String REPO = "test-org/tiny-llama";
  static final String SHA = "0123456789abcdef0123456789abcdef01234567";
  static final LlamaConfig CONFIG = LlamaConfig.llama(512, 64, 172, 5, 8, 4, 512, true);

  @TempDir Path home;
  Workbench wb;
  ModelLibrary library;
  FakeHub hub;
  byte[] weights;

  @BeforeEach
  void setUp() throws IOException {
    wb = Workbench.open(home);
    library = new ModelLibrary(wb);
    weights = TestModels.safetensorsBytes("blob", 75_000, 7);
    hub = new FakeHub(REPO, SHA)
        .file("config.json", CONFIG.toJson().toString())
        .file("tokenizer.json", "{\"model\":{\"type\":\"BPE\"}}")
        .file("tokenizer_config.json", "{\"chat_template\":\"{{ messages }}\"}")
        .file("README.md", "# tiny")
        .file(".gitattributes", "*.safetensors filter=lfs")
        .lfsFile("model.safetensors", weights)
        .lfsFile("pytorch_model.bin", new byte[] {(byte) 0x80, 2, 0x7d, 0x71})
        .lfsFile("onnx/model.onnx", new byte[1000]);
  }

  @AfterEach
  void tearDown() {
    hub.close();
    wb.close();
  }

  HubClient client() {
    return new HubClient(hub.endpoint(), "hf_test_token").retries(5, 10);
  }

  /** Records every progress report. */
  static final class Recorder implements JobContext {
    final List<Double> fractions = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();

    @Override
    public void progress(double fraction, String message) {
      fractions.add(fraction);
      messages.add(message);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }
  }

  @Test
  void pullDownloadsOnlyTheNeededFilesVerifiedWithProgress() throws IOException {
    Recorder progress = new Recorder();
    ModelRow m = library.pull(client(), REPO, "main", progress);

    assertThat(m.name()).isEqualTo(REPO);
    assertThat(m.source()).isEqualTo("hub:" + REPO + "@" + SHA);
    assertThat(m.kind()).isEqualTo(ModelKind.BASE);
    assertThat(m.parameters()).isEqualTo(CONFIG.parameterCount()).isEqualTo(260_032L);
    assertThat(m.owned()).isTrue();
    Path dir = Path.of(m.path());
    assertThat(dir.getParent()).isEqualTo(wb.modelsDir());
    assertThat(names(dir)).containsExactlyInAnyOrder("config.json", "tokenizer.json",
        "tokenizer_config.json", "model.safetensors");
    assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
    // no pickle, no sub-folder, no README was ever asked for
    assertThat(hub.requestsFor("pytorch_model.bin")).isEmpty();
    assertThat(hub.requestsFor("model.onnx")).isEmpty();
    assertThat(hub.requestsFor("README.md")).isEmpty();
    // every file at the commit the revision resolved to
    assertThat(hub.seen()).filteredOn(s -> s.path().contains("/resolve/"))
        .allMatch(s -> s.path().contains("/resolve/" + SHA + "/"));
    // the token goes to the Hub, never to the storage it redirects to
    assertThat(hub.seen()).filteredOn(s -> s.server().equals("hub"))
        .allMatch(s -> "Bearer hf_test_token".equals(s.authorization()));
    assertThat(hub.seen()).filteredOn(s -> s.server().equals("cdn")).isNotEmpty()
        .allMatch(s -> s.authorization() == null);
    // progress: bytes done of the total, rising to 1
    List<Double> known = progress.fractions.stream().filter(f -> f >= 0).toList();
    assertThat(known).isNotEmpty().isSorted();
    assertThat(known.get(known.size() - 1)).isEqualTo(1.0);
    assertThat(progress.messages).anyMatch(s -> s.contains("model.safetensors")
        && s.contains(" of "));
    assertThat(stagingLeftovers()).isEmpty();

    ModelDetails d = library.details(m.id());
    assertThat(d.chatTemplate()).isTrue();
    assertThat(d.tokenizerKind()).contains("tokenizer.json");

    // a second pull of the same commit finds it in the library
    int requests = hub.seen().size();
    assertThat(library.pull(client(), REPO, null, JobContext.none()).id()).isEqualTo(m.id());
    assertThat(hub.seen().size()).isEqualTo(requests + 1); // only the info call
  }

  @Test
  void droppedConnectionResumesFromThePartialFileWithARangeRequest() throws IOException {
    hub.dropOnce("model.safetensors", 100_000);
    ModelRow m = library.pull(client(), REPO, "main", JobContext.none());

    assertThat(Files.readAllBytes(Path.of(m.path()).resolve("model.safetensors")))
        .isEqualTo(weights);
    List<FakeHub.Seen> transfers = hub.requestsFor("model.safetensors").stream()
        .filter(s -> s.server().equals("cdn")).toList();
    assertThat(transfers).hasSize(2);
    assertThat(transfers.get(0).range()).isNull();
    assertThat(transfers.get(1).range()).matches("bytes=\\d+-");
    long resumedAt = Long.parseLong(transfers.get(1).range().replaceAll("\\D", ""));
    assertThat(resumedAt).isPositive().isLessThanOrEqualTo(100_000);
  }

  @Test
  void aFailedPullKeepsItsPartialFileAndTheNextPullResumesIt() throws IOException {
    hub.dropOnce("model.safetensors", 120_000);
    HubClient once = new HubClient(hub.endpoint(), null).retries(1, 0);
    assertThatThrownBy(() -> library.pull(once, REPO, "main", JobContext.none()))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("again to resume");
    assertThat(library.list()).isEmpty();
    List<Path> partial = stagingLeftovers().stream()
        .filter(p -> p.toString().endsWith("model.safetensors.incomplete")).toList();
    assertThat(partial).hasSize(1);
    long kept = Files.size(partial.get(0));
    assertThat(kept).isPositive();

    ModelRow m = library.pull(client(), REPO, "main", JobContext.none());
    assertThat(Files.readAllBytes(Path.of(m.path()).resolve("model.safetensors")))
        .isEqualTo(weights);
    List<FakeHub.Seen> cdn = hub.requestsFor("model.safetensors").stream()
        .filter(s -> s.server().equals("cdn")).toList();
    assertThat(cdn.get(cdn.size() - 1).range()).isEqualTo("bytes=" + kept + "-");
    assertThat(stagingLeftovers()).isEmpty();
  }

  @Test
  void aSizeMismatchIsRejectedAndLeavesNothingBehind() throws IOException {
    hub.reportSize("model.safetensors", weights.length + 10L);
    assertThatThrownBy(() -> library.pull(client(), REPO, "main", JobContext.none()))
        .isInstanceOf(HubIntegrityException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining(Long.toString(weights.length + 10L));
    assertNothingInTheLibrary();
  }

  @Test
  void aModelLargerThanTheFreeDiskSpaceIsRefusedBeforeDownloading() throws IOException {
    hub.reportSize("model.safetensors", 1L << 55);
    assertThatThrownBy(() -> library.pull(client(), REPO, "main", JobContext.none()))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("more, but only");
    assertThat(hub.seen()).noneMatch(s -> s.path().contains("/resolve/"));
    assertNothingInTheLibrary();
  }

  @Test
  void aHashMismatchIsRejectedAndLeavesNothingBehind() throws IOException {
    hub.reportHash("model.safetensors", "ab".repeat(32));
    assertThatThrownBy(() -> library.pull(client(), REPO, "main", JobContext.none()))
        .isInstanceOf(HubIntegrityException.class)
        .hasMessageContaining("SHA-256")
        .hasMessageContaining("model.safetensors");
    assertNothingInTheLibrary();
  }

  @Test
  void aPlainGitFileIsCheckedAgainstItsBlobId() throws IOException {
    hub.reportHash("tokenizer.json", "cd".repeat(20));
    assertThatThrownBy(() -> library.pull(client(), REPO, "main", JobContext.none()))
        .isInstanceOf(HubIntegrityException.class)
        .hasMessageContaining("tokenizer.json")
        .hasMessageContaining("git blob id");
    assertNothingInTheLibrary();
  }

  @Test
  void cancellingStopsTheDownloadAndKeepsThePartialFile() throws Exception {
    hub.delayPerChunk(40);
    JobHandle<ModelRow> job = wb.jobs().submit("model-pull", "pull",
        ctx -> library.pull(client(), REPO, "main", ctx));
    long deadline = System.currentTimeMillis() + 10_000;
    while (job.fraction() < 0.2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(job.message()).contains("model.safetensors");
    job.cancel();
    assertThatThrownBy(job::await).isInstanceOf(CancellationException.class);
    assertThat(library.list()).isEmpty();
    assertThat(stagingLeftovers()).anyMatch(p -> p.toString().endsWith(".incomplete"));
  }

  @Test
  void anArchitectureTemperCannotRunIsRefusedBeforeTheWeightsComeDown() throws IOException {
    hub.file("config.json", "{\"architectures\":[\"GPT2LMHeadModel\"],\"model_type\":\"gpt2\"}");
    assertThatThrownBy(() -> library.pull(client(), REPO, "main", JobContext.none()))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("GPT2LMHeadModel");
    assertThat(hub.requestsFor("model.safetensors")).isEmpty();
    assertNothingInTheLibrary();
  }

  @Test
  void anUnsupportedFeatureIsRefusedBeforeTheWeightsComeDownNamingItsField()
      throws IOException {
    var cfg = CONFIG.toJson();
    cfg.putObject("rope_scaling").put("rope_type", "mrope").put("factor", 2.0);
    hub.file("config.json", cfg.toString());
    assertThatThrownBy(() -> library.pull(client(), REPO, "main", JobContext.none()))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(REPO)
        .hasMessageContaining("rope_scaling.rope_type")
        .hasMessageContaining("mrope");
    assertThat(hub.requestsFor("model.safetensors")).isEmpty();
    assertNothingInTheLibrary();
  }

  @Test
  void aRepositoryWithOnlyPickledWeightsIsRefused() throws IOException {
    FakeHub pickles = new FakeHub("test-org/old", SHA)
        .file("config.json", CONFIG.toJson().toString())
        .lfsFile("pytorch_model.bin", new byte[] {(byte) 0x80, 2, 0x7d, 0x71});
    try (pickles) {
      HubClient c = new HubClient(pickles.endpoint(), null);
      assertThatThrownBy(() -> library.pull(c, "test-org/old", "main", JobContext.none()))
          .isInstanceOf(TemperException.class)
          .hasMessageContaining("pytorch_model.bin")
          .hasMessageContaining("never unpickles");
      assertThat(pickles.requestsFor("pytorch_model.bin")).isEmpty();
    }
    assertNothingInTheLibrary();
  }

  @Test
  void shardedWeightsFollowTheirIndex() throws IOException {
    byte[] a = TestModels.safetensorsBytes("a", 1250, 1);
    byte[] b = TestModels.safetensorsBytes("b", 1750, 2);
    hub.lfsFile("model-00001-of-00002.safetensors", a)
        .lfsFile("model-00002-of-00002.safetensors", b)
        .file("model.safetensors.index.json", "{\"metadata\":{},\"weight_map\":{"
            + "\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\","
            + "\"model.norm.weight\":\"model-00002-of-00002.safetensors\"}}");
    ModelRow m = library.pull(client(), REPO, "main", JobContext.none());
    assertThat(names(Path.of(m.path()))).contains("model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors", "model.safetensors.index.json")
        .doesNotContain("model.safetensors");
    assertThat(hub.requestsFor("model.safetensors")).isEmpty();
  }

  @Test
  void missingRepositoriesAndRevisionsSayWhatWasNotFound() {
    assertThatThrownBy(() -> library.pull(client(), "test-org/nope", "main", JobContext.none()))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("test-org/nope")
        .hasMessageContaining("Not found");
    assertThatThrownBy(() -> library.pull(client(), REPO, "v9", JobContext.none()))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("Revision not found");
    assertThatThrownBy(() -> library.pull(client(), "../../etc", "main", JobContext.none()))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("Not a Hugging Face repository id");
  }

  @Test
  void theClientHonoursHfEndpointAndHfToken() {
    HubClient dflt = HubClient.fromEnvironment(Map.of());
    assertThat(dflt.endpoint()).isEqualTo("https://huggingface.co");
    assertThat(dflt.hasToken()).isFalse();
    HubClient mirror = HubClient.fromEnvironment(
        Map.of("HF_ENDPOINT", hub.endpoint() + "/", "HF_TOKEN", "hf_x"));
    assertThat(mirror.endpoint()).isEqualTo(hub.endpoint());
    assertThat(mirror.hasToken()).isTrue();
    assertThat(mirror.fileUrl(REPO, "refs/pr/1", "model.safetensors").toString())
        .isEqualTo(hub.endpoint() + "/" + REPO + "/resolve/refs%2Fpr%2F1/model.safetensors");
    assertThat(mirror.repoInfo(REPO, "main").sha()).isEqualTo(SHA);
    assertThat(hub.seen().get(0).authorization()).isEqualTo("Bearer hf_x");
    assertThat(hub.seen().get(0).path()).isEqualTo("/api/models/" + REPO + "/revision/main");
  }

  void assertNothingInTheLibrary() throws IOException {
    assertThat(library.list()).isEmpty();
    assertThat(stagingLeftovers()).isEmpty();
    try (Stream<Path> s = Files.list(wb.modelsDir())) {
      assertThat(s.filter(p -> !p.getFileName().toString().equals(ModelLibrary.STAGING_DIR)))
          .isEmpty();
    }
  }

  List<Path> stagingLeftovers() throws IOException {
    Path staging = library.stagingDir();
    if (!Files.exists(staging)) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(staging)) {
      s.filter(p -> !p.equals(staging)).forEach(out::add);
    }
    return out;
  }

  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
