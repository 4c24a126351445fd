package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCommandTest {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");

  @TempDir Path home;

  CliRunner.Result temper(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRunner.run(all);
  }

  @Test
  void importListShowAndRemoveStories260K() {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent");
    CliRunner.Result added = temper("models", "import", STORIES.toString());
    assertThat(added.code()).as(added.err()).isZero();
    assertThat(added.out()).startsWith("Added model 1 'stories260K' (base, llama2c, 260.0K");

    CliRunner.Result list = temper("models", "list");
    assertThat(list.code()).isZero();
    assertThat(list.out().lines().toList()).hasSize(2);
    assertThat(list.out()).contains("stories260K").contains("260.0K").contains("llama2c");

    CliRunner.Result tree = temper("models", "list", "--tree");
    assertThat(tree.out().strip()).isEqualTo("1  stories260K  [base]");

    CliRunner.Result show = temper("models", "show", "stories260K");
    assertThat(show.code()).as(show.err()).isZero();
    assertThat(show.out()).contains("parameters:    260,032")
        .contains("hidden 64, intermediate 172, 5 layers, 8 heads (4 KV")
        .contains("memory:").contains("tok512.bin").contains("evaluations:   none yet");

    CliRunner.Result removed = temper("models", "remove", "1");
    assertThat(removed.code()).isZero();
    assertThat(removed.out()).contains("its files stay");
    assertThat(STORIES).exists();
    assertThat(temper("models", "list").out().lines().toList()).hasSize(1);
  }

  @Test
  void createsATinyModelWithTheTokenizerOfStories260K() {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent");
    assertThat(temper("models", "import", STORIES.toString()).code()).isZero();
    CliRunner.Result r = temper("models", "create", "--preset", "tiny", "--tokenizer-from",
        "stories260K", "--name", "fresh", "--seed", "3");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("Added model 2 'fresh' (base, hf, 260.0K parameters)");
    assertThat(home.resolve("models/fresh/tokenizer.json")).exists();
    assertThat(temper("models", "show", "fresh").out())
        .contains("scratch:tiny seed 3, tokenizer of stories260K");
  }

  @Test
  void errorsAreOneLine() {
    CliRunner.Result r = temper("models", "show", "nothing");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo(
        "temper: No model 'nothing' in the library (see: temper models list).");
    CliRunner.Result bad = temper("models", "pull", "not a repo");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err().strip().lines()).hasSize(1);
    assertThat(bad.err()).contains("Not a Hugging Face repository id");
    CliRunner.Result preset = temper("models", "create", "--preset", "huge", "--tokenizer-from",
        "x");
    assertThat(preset.code()).isEqualTo(1);
    assertThat(preset.err()).contains("Unknown model preset 'huge'");
  }

  @Test
  void pullsFromAHubAtTheGivenEndpoint() throws Exception {
    String config = "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":512,"
        + "\"hidden_size\":64,\"intermediate_size\":172,\"num_hidden_layers\":5,"
        + "\"num_attention_heads\":8,\"num_key_value_heads\":4}";
    // a valid safetensors file of 4096 bytes (import validates headers): one F32 tensor
    String header = "{\"blob\":{\"dtype\":\"F32\",\"shape\":[996],"
        + "\"data_offsets\":[0,3984]}}";
    byte[] h = (header + " ".repeat(4096 - 8 - 3984 - header.length()))
        .getBytes(StandardCharsets.UTF_8);
    byte[] weights = java.nio.ByteBuffer.allocate(8 + h.length + 3984)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    Map<String, byte[]> files = Map.of("config.json", config.getBytes(StandardCharsets.UTF_8),
        "model.safetensors", weights);
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.createContext("/api/models/org/tiny/revision/main", ex -> {
      String body = "{\"sha\":\"abc123\",\"siblings\":["
          + "{\"rfilename\":\"config.json\",\"size\":" + files.get("config.json").length + "},"
          + "{\"rfilename\":\"model.safetensors\",\"size\":4096,\"lfs\":{\"sha256\":\""
          + sha256(weights) + "\",\"size\":4096}}]}";
      send(ex, body.getBytes(StandardCharsets.UTF_8));
    });
    server.createContext("/org/tiny/resolve/abc123/", ex -> {
      String path = ex.getRequestURI().getPath();
      send(ex, files.get(path.substring(path.lastIndexOf('/') + 1)));
    });
    server.start();
    try {
      CliRunner.Result r = temper("models", "pull", "org/tiny", "--endpoint",
          "http://127.0.0.1:" + server.getAddress().getPort());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).startsWith("Added model 1 'org/tiny' (base, hf, 292.8K parameters)");
      assertThat(r.err()).contains("Pull org/tiny");
      assertThat(home.resolve("models/org--tiny/model.safetensors")).hasSize(4096);
      assertThat(temper("models", "show", "org/tiny").out()).contains("hub:org/tiny@abc123");
    } finally {
      server.stop(0);
    }
  }

  static void send(com.sun.net.httpserver.HttpExchange ex, byte[] body) throws IOException {
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
