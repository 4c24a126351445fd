package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.HfTokenizerFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCheckpointTest {
  static final Path TOK = Path.of("../shared/models/stories260K/tok512.bin");
  @TempDir Path tmp;

  static HfTokenizerFiles tok512() {
    Assumptions.assumeTrue(Files.exists(TOK), "needs ../shared/models/stories260K/tok512.bin");
    return Llama2cTokenizerConverter.convert(TOK);
  }

  static void assertSameWeights(StateDict got, StateDict want) {
    assertThat(got.asMap().keySet()).containsExactlyInAnyOrderElementsOf(want.asMap().keySet());
    for (var e : want.asMap().entrySet()) {
      Tensor t = got.get(e.getKey());
      assertThat(t.shape()).as(e.getKey()).containsExactly(e.getValue().shape());
      assertThat(t.data()).as(e.getKey()).containsExactly(e.getValue().data());
    }
  }

  @Test
  void gqaUntiedBiasedModelRoundTripsExactly() {
    LlamaConfig c = TinyLlamas.qwenLike(512);
    StateDict w = TinyLlamas.random(c, 1);
    Path dir = tmp.resolve("qwenlike");
    HfCheckpoint.write(dir, c, w, tok512(), "{{ messages[0]['content'] }}", null);
    assertThat(Stream.of("config.json", "model.safetensors", "tokenizer.json",
        "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"))
        .allMatch(f -> Files.isRegularFile(dir.resolve(f)));
    HfCheckpoint.Contents back = HfCheckpoint.readContents(dir);
    assertThat(back.config()).usingRecursiveComparison().isEqualTo(c);
    assertSameWeights(back.weights(), w);
    assertThat(back.weights().contains("lm_head.weight")).isTrue();
    assertThat(back.weights().contains("model.layers.1.self_attn.k_proj.bias")).isTrue();
    assertThat(back.chatTemplate()).contains("{{ messages[0]['content'] }}");
    assertThat(back.generationConfig().get("eos_token_id").asInt()).isEqualTo(2);
    try (HfTokenizer t = back.openTokenizer()) {
      assertThat(t.encode("Once upon a time", true)[0]).isEqualTo(1);
    }
    // the model loader's view: the same weights, the tokenizer opened, the template
    Checkpoint ck = HfCheckpoint.read(dir);
    try (var t = ck.tokenizer()) {
      assertThat(t).isInstanceOf(HfTokenizer.class);
      assertThat(t.vocabSize()).isEqualTo(512);
    }
    assertSameWeights(ck.weights(), w);
    assertThat(ck.chatTemplate()).isEqualTo("{{ messages[0]['content'] }}");
    assertThat(ck.source()).isEqualTo(dir.toString());
  }

  @Test
  void tiedModelHasNoHeadTensorAndAStrayTiedHeadIsDropped() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    StateDict w = TinyLlamas.random(c, 2);
    Path dir = tmp.resolve("tied");
    HfCheckpoint.write(dir, c, w, tok512(), null, null);
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertThat(f.entry("lm_head.weight")).isNull();
    }
    assertSameWeights(HfCheckpoint.readContents(dir).weights(), w);

    // another writer kept lm_head.weight in a tied checkpoint: accepted, then tied as HF does
    Map<String, Tensor> withHead = new LinkedHashMap<>(w.asMap());
    withHead.put("lm_head.weight", w.get("model.embed_tokens.weight"));
    withHead.put("model.layers.0.self_attn.rotary_emb.inv_freq", new Tensor(new long[] {2},
        new float[] {1, 0.5f}));
    SafetensorsWriter.write(dir.resolve("model.safetensors"), withHead, DType.F32);
    assertSameWeights(HfCheckpoint.readContents(dir).weights(), w);
  }

  @Test
  void savingWithAnOpenTokenizerCarriesItsFilesAndTemplate() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    StateDict w = TinyLlamas.random(c, 13);
    Path first = tmp.resolve("first");
    HfCheckpoint.write(first, c, w, tok512(), "T1", null);
    Path second = tmp.resolve("second");
    try (HfTokenizer t = HfTokenizer.open(first)) {
      HfCheckpoint.write(second, c, w, t, null);
    }
    assertThat(Files.readString(second.resolve("tokenizer.json")))
        .isEqualTo(Files.readString(first.resolve("tokenizer.json")));
    assertThat(HfCheckpoint.readContents(second).chatTemplate()).contains("T1");
  }

  @Test
  void bfloat16CheckpointReadsBackWithinPrecision() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    StateDict w = TinyLlamas.random(c, 3);
    Path dir = tmp.resolve("bf16");
    HfCheckpoint.write(dir, c, w, tok512(), null, null, DType.BF16);
    assertThat(Files.readString(dir.resolve("config.json"))).contains("\"torch_dtype\" : \"bfloat16\"");
    StateDict back = HfCheckpoint.readContents(dir).weights();
    float[] a = w.get("model.embed_tokens.weight").data();
    float[] b = back.get("model.embed_tokens.weight").data();
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(Math.abs(a[i]) / 128 + 1e-30f));
      assertThat(b[i]).isEqualTo(DType.bf16ToFloat(DType.floatToBf16(a[i])));
    }
  }

  @Test
  void writeIsAtomicAndRefusesToOverwrite() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    StateDict w = TinyLlamas.random(c, 4);
    Path dir = tmp.resolve("m");
    HfCheckpoint.write(dir, c, w, null, null, null);
    byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
    assertThatThrownBy(() -> HfCheckpoint.write(dir, c, TinyLlamas.random(c, 5), null, null, null))
        .isInstanceOf(TemperException.class).hasMessageContaining("already exists");
    assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(before);

    // weights that contradict the config: nothing at all is written
    StateDict bad = TinyLlamas.random(c, 6);
    bad.put("model.norm.weight", new Tensor(new long[] {3}, new float[3]));
    Path dir2 = tmp.resolve("never");
    assertThatThrownBy(() -> HfCheckpoint.write(dir2, c, bad, null, null, null))
        .isInstanceOf(TemperException.class).hasMessageContaining("model.norm.weight");
    assertThat(Files.exists(dir2)).isFalse();
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("partial"));
    }
    // an empty directory is fine to fill
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    HfCheckpoint.write(empty, c, w, null, null, null);
    assertThat(HfCheckpoint.isModelDir(empty)).isTrue();
  }

  private Path written(String name, LlamaConfig c, StateDict w) {
    Path dir = tmp.resolve(name);
    HfCheckpoint.write(dir, c, w, tok512(), null, null);
    return dir;
  }

  @Test
  void shapesContradictingTheConfigNameFileAndTensor() throws IOException {
    LlamaConfig c = TinyLlamas.qwenLike(512);
    Path dir = written("shape", c, TinyLlamas.random(c, 7));
    // the config now claims 8 kv heads: k_proj must be [64, 32]
    ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    cfg.put("num_key_value_heads", 4);
    Files.writeString(dir.resolve("config.json"), cfg.toString());
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(dir.resolve("model.safetensors").toString())
        .hasMessageContaining("tensor 'model.layers.0.self_attn.k_proj.weight' has shape [16, 32]")
        .hasMessageContaining("implies [32, 32]");

    cfg.put("num_key_value_heads", 2);
    cfg.put("num_hidden_layers", 3);
    Files.writeString(dir.resolve("config.json"), cfg.toString());
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("'model.layers.2.input_layernorm.weight' is missing");

    cfg.put("num_hidden_layers", 1);
    Files.writeString(dir.resolve("config.json"), cfg.toString());
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("unexpected tensor 'model.layers.1.");

    cfg.put("num_hidden_layers", 2);
    cfg.put("tie_word_embeddings", true);
    cfg.put("vocab_size", 600);
    Files.writeString(dir.resolve("config.json"), cfg.toString());
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("model.embed_tokens.weight");
  }

  @Test
  void unknownArchitectureIsNamed() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    Path dir = written("arch", c, TinyLlamas.random(c, 8));
    ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    cfg.putArray("architectures").add("GPT2LMHeadModel");
    cfg.put("model_type", "gpt2");
    Files.writeString(dir.resolve("config.json"), cfg.toString());
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(dir.resolve("config.json").toString())
        .hasMessageContaining("unsupported architecture 'GPT2LMHeadModel'");
  }

  @Test
  void pickleOnlyDirectoryIsRefusedWithAdvice() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    Path dir = written("pickle", c, TinyLlamas.random(c, 9));
    Files.delete(dir.resolve("model.safetensors"));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {'P', 'K', 3, 4, 1, 2, 3, 4});
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("pytorch_model.bin")
        .hasMessageContaining("never unpickles")
        .hasMessageContaining("safetensors");
  }

  @Test
  void truncatedWeightsNameTheFile() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    Path dir = written("trunc", c, TinyLlamas.random(c, 10));
    Path f = dir.resolve("model.safetensors");
    byte[] all = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(all, all.length / 2));
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("truncated");
  }

  @Test
  void missingTokenizerAndMissingConfigAreClear() throws IOException {
    LlamaConfig c = TinyLlamas.llamaTied(512);
    Path dir = tmp.resolve("notok");
    HfCheckpoint.write(dir, c, TinyLlamas.random(c, 11), null, null, null);
    HfCheckpoint.Contents ck = HfCheckpoint.readContents(dir);
    assertThat(ck.tokenizer()).isNull();
    assertThatThrownBy(ck::openTokenizer)
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("no tokenizer");
    assertThatThrownBy(() -> HfTokenizer.open(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("tokenizer.json is missing");
    Files.delete(dir.resolve("config.json"));
    assertThatThrownBy(() -> HfCheckpoint.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("no config.json");
  }

  @Test
  void tokenizerLargerThanTheEmbeddingIsRefused() {
    LlamaConfig c = TinyLlamas.llamaTied(300);
    Path dir = written("smallvocab", c, TinyLlamas.random(c, 12));
    assertThatThrownBy(() -> HfCheckpoint.readContents(dir).openTokenizer())
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("512 tokens")
        .hasMessageContaining("vocab_size is 300");
  }
}
