package ai.temper.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  static LlamaModel model;
  static Llama2cTokenizer tokenizer;

  @BeforeAll
  static void load() {
    Stories260K.assumePresent();
    model = LlamaModel.create(Llama2cCheckpoint.read(Stories260K.MODEL));
    tokenizer = Llama2cTokenizer.read(Stories260K.TOKENIZER);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  static String reference(Path p) throws Exception {
    String s = Files.readString(p, StandardCharsets.UTF_8);
    return s.substring(0, s.length() - 1); // the file ends with the one newline printed
  }

  @Test
  void greedyFromEmptyPromptMatchesLlama2c() throws Exception {
    Generation g = new Generator(model, tokenizer)
        .generate("", SamplingParams.greedy(0).withMaxLength(256));
    assertThat(g.text()).isEqualTo(reference(Stories260K.REFERENCE));
    assertThat(g.promptIds().length + g.completionIds().length).isEqualTo(257);
  }

  @Test
  void greedyFromPromptsMatchesLlama2c() throws Exception {
    List<Generation> gs = new Generator(model, tokenizer).generate(
        List.of("Once upon a time", "Lily and Ben"), SamplingParams.greedy(0).withMaxLength(256),
        TokenListener.NONE);
    assertThat(gs.get(0).text()).isEqualTo(reference(Stories260K.REFERENCE));
    assertThat(gs.get(1).text()).isEqualTo(reference(Stories260K.REFERENCE_LILY));
  }

  static final List<String> PROMPTS = List.of("Once upon a time", "Lily and Ben", "",
      "The little dog ran to the park and saw");

  @Test
  void batchedPaddedRowsGiveTheTokensOfEachRowAlone() {
    Generator g = new Generator(model, tokenizer);
    SamplingParams p = SamplingParams.greedy(40);
    List<Generation> batch = g.generate(PROMPTS, p, TokenListener.NONE);
    for (int i = 0; i < PROMPTS.size(); i++) {
      Generation alone = g.generate(PROMPTS.get(i), p);
      assertThat(batch.get(i).completionIds()).as(PROMPTS.get(i))
          .containsExactly(alone.completionIds());
      assertThat(batch.get(i).text()).isEqualTo(alone.text());
    }
  }

  @Test
  void withoutKvCacheGreedyTokensAreTheSame() {
    SamplingParams p = SamplingParams.greedy(24);
    List<Generation> cached = new Generator(model, tokenizer).generate(PROMPTS, p,
        TokenListener.NONE);
    List<Generation> full = new Generator(model, tokenizer).kvCache(false).generate(PROMPTS, p,
        TokenListener.NONE);
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(full.get(i).completionIds()).containsExactly(cached.get(i).completionIds());
    }
  }

  @Test
  void seededSamplingRepeatsAndSeedsDiffer() {
    Generator g = new Generator(model, tokenizer);
    SamplingParams p = SamplingParams.defaults().withMaxNewTokens(60).withTopP(0.9).withSeed(42L);
    String a = g.generate("Once upon a time", p).text();
    assertThat(g.generate("Once upon a time", p).text()).isEqualTo(a);
    assertThat(g.generate("Once upon a time", p.withSeed(43L)).text()).isNotEqualTo(a);
    // rows of a batch draw from their own streams: row 0 is the prompt alone
    List<Generation> rows = g.generate(List.of("Once upon a time", "Once upon a time"), p,
        TokenListener.NONE);
    assertThat(rows.get(0).text()).isEqualTo(a);
    assertThat(rows.get(1).text()).isNotEqualTo(a);
    // top-k 1 is greedy whatever the temperature
    assertThat(g.generate("Lily and Ben", p.withTopK(1).withTemperature(1.5)).completionIds())
        .containsExactly(g.generate("Lily and Ben", SamplingParams.greedy(60)).completionIds());
  }

  @Test
  void stopStringsCutTheCompletionAndStreamedPiecesMatch() {
    StringBuilder streamed = new StringBuilder();
    Generation g = new Generator(model, tokenizer).generate(List.of(""),
        SamplingParams.greedy(200).withStopStrings(List.of("Lily.")), (row, id, piece) -> {
          streamed.append(piece);
          return true;
        }).get(0);
    assertThat(g.finishReason()).isEqualTo(FinishReason.STOP_STRING);
    assertThat(g.text()).isEqualTo("Once upon a time, there was a little girl named ");
    assertThat(streamed.toString()).isEqualTo(g.completion());
  }

  @Test
  void listenerStopsEarlyAndLimitsHold() {
    List<Integer> seen = new ArrayList<>();
    Generation g = new Generator(model, tokenizer).generate(List.of("Lily and Ben"),
        SamplingParams.greedy(100), (row, id, piece) -> {
          seen.add(id);
          return seen.size() < 5;
        }).get(0);
    assertThat(g.completionIds()).hasSize(5);
    assertThat(g.finishReason()).isEqualTo(FinishReason.STOPPED);
    Generation n = new Generator(model, tokenizer).generate("Lily", SamplingParams.greedy(7));
    assertThat(n.completionIds()).hasSize(7);
    assertThat(n.finishReason()).isEqualTo(FinishReason.LENGTH);
    // a stop id ends the row at that token, which is not shown as text
    int third = n.completionIds()[2];
    Generation s = new Generator(model, tokenizer).generate("Lily",
        SamplingParams.greedy(7).withStopIds(List.of(third)));
    assertThat(s.finishReason()).isEqualTo(FinishReason.EOS);
    assertThat(s.completionIds()).hasSize(3);
  }
}
