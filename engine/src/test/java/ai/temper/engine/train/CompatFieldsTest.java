package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fields added for open-instruct and TRL do what they say on stories260K. */
class CompatFieldsTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  @Test
  void maxPromptLengthKeepsTheEndOfLongPromptsAndBos() throws Exception {
    JsonNode pair = new ObjectMapper().readTree("""
        {"prompt": [{"role": "user", "content": "Once upon a time there was a big dog and \
        a little cat who played in the park every day."}],
         "chosen": [{"role": "assistant", "content": "They were happy."}],
         "rejected": [{"role": "assistant", "content": "They were sad."}]}""");
    try (Tokenizer tok = Llama2cTokenizer.read(TrainFixtures.STORIES.resolveSibling(
        "tok512.bin"))) {
      ChatEncoder chat = ChatEncoder.forTokenizer(tok);
      Encoder.Pair full = new Encoder(tok, chat, 1024).pairs(List.of(pair), new DataStats())
          .get(0);
      Encoder.Pair cut = new Encoder(tok, chat, 1024, 6).pairs(List.of(pair), new DataStats())
          .get(0);
      int fullPrompt = full.chosen().length() - full.chosen().trainedCount();
      int cutPrompt = cut.chosen().length() - cut.chosen().trainedCount();
      assertThat(fullPrompt).isGreaterThan(20);
      assertThat(cutPrompt).isEqualTo(6);
      int[] f = full.chosen().ids();
      int[] c = cut.chosen().ids();
      assertThat(c[0]).isEqualTo(tok.bosId()).isEqualTo(f[0]);
      // the prompt's last 5 tokens and the whole completion are unchanged
      assertThat(java.util.Arrays.copyOfRange(c, 1, c.length))
          .containsExactly(java.util.Arrays.copyOfRange(f, f.length - c.length + 1, f.length));
      assertThat(cut.chosen().trainedCount()).isEqualTo(full.chosen().trainedCount());
    }
  }

  @Test
  void builtInTemplatesByName() {
    ChatTemplate z = ChatTemplate.builtin("zephyr", "<s>", "</s>");
    assertThat(z.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Yo")), false))
        .isEqualTo("<|user|>\nHi</s>\n<|assistant|>\nYo</s>\n");
    assertThat(ChatTemplate.builtin("olmo", "<s>", "<|endoftext|>").render(
        List.of(ChatMessage.user("Hi")), true)).startsWith("<|im_start|>system\nYou are OLMo")
        .endsWith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    for (String name : ChatTemplate.BUILTIN) {
      assertThat(ChatTemplate.builtin(name, "<s>", "</s>").render(
          List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Yo")), false)).as(name)
          .contains("Yo");
    }
    TrainConfig c = TrainFixtures.config(TrainKind.SFT, "chat_template_name=zephyr");
    assertThat(c.resolvePaths(home).chatTemplateName()).isEqualTo("zephyr");
    try (BaseModel m = BaseModel.load(c)) {
      assertThat(m.chat().template().source()).isEqualTo(z.source());
    }
    assertThatThrownBy(() -> ChatTemplate.builtin("tulu3", "", ""))
        .hasMessageContaining("no built-in chat template 'tulu3' (built-in: tulu, zephyr");
  }

  @Test
  void resumeFromCheckpointStartsANewRunFromAnotherRunsStep() {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig first = TrainFixtures.config(TrainKind.SFT,
          "dataset_mixer_list=" + TrainFixtures.CHAT + ",16", "max_train_steps=3",
          "per_device_train_batch_size=4", "save_steps=2", "eval_steps=0", "warmup_ratio=0");
      TrainResult a = TrainFixtures.run(wb, first);
      Path step2 = Path.of(wb.db().runs().find(a.runId()).orElseThrow().outputDir())
          .resolve("step-2");
      assertThat(step2).isDirectory();
      TrainResult b = TrainFixtures.run(wb, first.withSets(List.of(
          "resume_from_checkpoint=" + step2)));
      // only step 3 runs, and it computes what the first run's step 3 computed
      List<Double> lossA = TrainFixtures.series(wb, a.runId(), "loss");
      List<Double> lossB = TrainFixtures.series(wb, b.runId(), "loss");
      assertThat(lossB).hasSize(1);
      assertThat(lossB.get(0)).isCloseTo(lossA.get(2), org.assertj.core.data.Offset.offset(1e-4));
      assertThatThrownBy(() -> TrainFixtures.run(wb, first.withSets(List.of(
          "resume_from_checkpoint=" + home.resolve("nowhere")))))
          .hasMessageContaining("is not a complete checkpoint folder written by Temper");
    }
  }
}
