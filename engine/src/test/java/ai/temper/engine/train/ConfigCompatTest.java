package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.model.Stories260K;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real open-instruct and TRL configs (test resources {@code configs/}: open-instruct's
 * train_configs and debug script, TRL's CLI example and the command lines in its scripts'
 * docstrings, two written from TRL's documented config fields): each is read as Temper reads
 * it, its fields land on the right Temper fields, what has no effect is listed, and it trains
 * on stories260K with only the model, data, steps and output folder replaced.
 */
class ConfigCompatTest {
  @TempDir Path home;

  private static String text(String name) throws IOException {
    try (InputStream in = ConfigCompatTest.class.getResourceAsStream("/configs/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static ConfigImport.Result imported(String name) throws IOException {
    return ConfigImport.importConfig(text(name), name, null);
  }

  @Test
  void openInstructOlmo2SftYamlLoadsAsIs() throws IOException {
    TrainConfig c = TrainConfig.parse(text("open-instruct/olmo2_1124_7b_sft.yaml"), "olmo2.yaml",
        TrainKind.SFT);
    assertThat(c.modelNameOrPath()).isEqualTo("allenai/OLMo-2-1124-7B");
    assertThat(c.datasetMixerList().entries()).singleElement()
        .satisfies(e -> assertThat(e.source()).isEqualTo("allenai/tulu-3-sft-olmo-2-mixture"));
    assertThat(c.maxSeqLength()).isEqualTo(4096);
    assertThat(c.learningRate()).isEqualTo(1e-5);
    assertThat(c.numTrainEpochs()).isEqualTo(2);
    assertThat(c.gradientAccumulationSteps()).isEqualTo(4);
    assertThat(c.saveSteps()).isZero(); // checkpointing_steps: epoch -> at the end
    assertThat(c.addBos()).isTrue();
    assertThat(c.notes()).anyMatch(n -> n.contains("'with_tracking' has no effect"))
        .anyMatch(n -> n.contains("'report_to'")).anyMatch(n -> n.startsWith("olmo2.yaml:17: "));
  }

  @Test
  void openInstructTulu3DpoYamlMapsItsDpoFields() throws IOException {
    ConfigImport.Result r = imported("open-instruct/tulu3_dpo_8b.yaml");
    assertThat(r.kind()).isEqualTo(TrainKind.DPO);
    TrainConfig c = r.config();
    assertThat(c.lossType()).isEqualTo("dpo_norm");
    assertThat(c.beta()).isEqualTo(5.0);
    assertThat(c.numTrainEpochs()).isEqualTo(1); // num_epochs
    assertThat(c.saveSteps()).isEqualTo(1000); // checkpointing_steps
    assertThat(c.learningRate()).isEqualTo(5e-7);
    assertThat(c.warmupRatio()).isEqualTo(0.1);
    assertThat(r.yaml()).contains("num_train_epochs: 1  # was num_epochs")
        .contains("save_steps: 1000  # was checkpointing_steps");
    assertThat(c.gradientCheckpointing()).isTrue(); // carried: Temper recomputes layers too
    assertThat(r.notCarried()).anyMatch(n -> n.contains("model_revision"));
  }

  @Test
  void openInstructRewardModelingCommandLine() throws IOException {
    ConfigImport.Result r = imported("open-instruct/reward_modeling_debug.sh");
    assertThat(r.kind()).isEqualTo(TrainKind.RM);
    TrainConfig c = r.config();
    assertThat(c.datasetMixerList().entries()).singleElement().satisfies(e -> {
      assertThat(e.source()).isEqualTo("trl-internal-testing/sentiment-trl-style");
      assertThat(e.count()).isEqualTo(400L);
    });
    assertThat(c.maxSeqLength()).isEqualTo(1024); // max_token_length
    assertThat(c.maxPromptLength()).isEqualTo(1024); // max_prompt_token_length
    assertThat(c.tokenizerName()).isEqualTo("EleutherAI/pythia-14m");
    assertThat(c.gradientAccumulationSteps()).isEqualTo(32);
    assertThat(c.evalBatchSize()).isEqualTo(1);
    assertThat(r.notCarried()).singleElement().asString().contains("push_to_hub");
  }

  @Test
  void trlSftLoraCommandLine() throws IOException {
    ConfigImport.Result r = imported("trl/sft_lora.sh");
    assertThat(r.kind()).isEqualTo(TrainKind.SFT);
    TrainConfig c = r.config();
    assertThat(c.datasetMixerList().entries().get(0).source()).isEqualTo("trl-lib/Capybara");
    assertThat(c.packing()).isTrue();
    assertThat(c.useLora()).isTrue(); // --use_peft
    assertThat(c.loraRank()).isEqualTo(32); // --lora_r
    assertThat(c.loraAlpha()).isEqualTo(16.0);
    assertThat(c.learningRate()).isEqualTo(2e-4);
    assertThat(c.evalSteps()).isEqualTo(100);
    assertThat(r.notCarried()).hasSize(3).anyMatch(n -> n.contains("eos_token = <|im_end|>"))
        .anyMatch(n -> n.contains("eval_strategy")).anyMatch(n -> n.contains("push_to_hub"));
  }

  @Test
  void trlDpoCommandLine() throws IOException {
    ConfigImport.Result r = imported("trl/dpo_full.sh");
    assertThat(r.kind()).isEqualTo(TrainKind.DPO);
    assertThat(r.config().maxTrainSteps()).isEqualTo(1000); // --max_steps
    assertThat(r.config().lossType()).isEqualTo("dpo");
    assertThat(r.notCarried()).anyMatch(n -> n.contains("remove_unused_columns = false"));
  }

  @Test
  void trlYamlsWithIpoWarmupStepsAndRewardCentering() throws IOException {
    TrainConfig ipo = TrainConfig.parse(text("trl/dpo_ipo.yaml"), "dpo_ipo.yaml", TrainKind.DPO);
    assertThat(ipo.lossType()).isEqualTo("ipo");
    assertThat(ipo.maxSeqLength()).isEqualTo(1024); // max_length
    assertThat(ipo.maxPromptLength()).isEqualTo(512);
    assertThat(ipo.warmupSteps()).isEqualTo(10);
    assertThat(ipo.maxTrainSteps()).isEqualTo(1000);
    assertThat(LrSchedule.of(ipo, 100).warmupSteps()).isEqualTo(10);
    assertThat(ipo.notes()).anyMatch(n -> n.contains("'max_completion_length'"));
    ConfigImport.Result rm = imported("trl/reward.yaml");
    assertThat(rm.kind()).isEqualTo(TrainKind.RM);
    assertThat(rm.config().centerRewardsCoefficient()).isEqualTo(0.01);
    assertThat(rm.config().loraTargetModules()).containsExactly("q_proj", "k_proj", "v_proj",
        "o_proj");
    ConfigImport.Result cli = imported("trl/example_config.yaml");
    assertThat(cli.config().lrSchedulerType()).isEqualTo("cosine");
    assertThat(cli.config().datasetMixerList().entries().get(0).source())
        .isEqualTo("stanfordnlp/imdb");
  }

  @Test
  void aliasesAndValueSpellingsAreOneField() {
    TrainConfig c = TrainConfig.parse("model_name_or_path: m\nloss_type: sigmoid\nmax_steps: -1\n"
        + "clip_grad_norm: -1\nexp_name: e\ntokenizer_name_or_path: t\ngamma_beta_ratio: 0.5\n"
        + "lr_scheduler_type: constant_with_warmup\n", "a.yaml", TrainKind.DPO);
    assertThat(c.lossType()).isEqualTo("dpo");
    assertThat(c.maxTrainSteps()).isNull();
    assertThat(c.maxGradNorm()).isZero();
    assertThat(c.runName()).isEqualTo("e");
    assertThat(c.tokenizerName()).isEqualTo("t");
    assertThat(c.simpoGammaBetaRatio()).isEqualTo(0.5);
    assertThat(c.lrSchedulerType()).isEqualTo("constant");
    assertThat(c.withSets(List.of("max_length=77", "loss_type=sigmoid")).maxSeqLength())
        .isEqualTo(77);
    assertThatThrownBy(() -> TrainConfig.parse("max_length: 5\nmax_seq_length: 6\n", "b.yaml",
        TrainKind.SFT)).hasMessage("b.yaml:2: field 'max_seq_length' is given twice (first on "
            + "line 1 as 'max_length')");
    assertThatThrownBy(() -> TrainConfig.parse("max_lenght: 5\n", "c.yaml", TrainKind.SFT))
        .isInstanceOf(TemperException.class)
        .hasMessage("c.yaml:1: unknown field 'max_lenght' (did you mean 'max_length'?)");
    assertThatThrownBy(() -> TrainConfig.parse("chekpointing_steps: 5\n", "d.yaml",
        TrainKind.SFT)).hasMessageContaining("did you mean 'checkpointing_steps'");
    assertThatThrownBy(() -> TrainConfig.parse("loss_type: apo_zero\n", "e.yaml",
        TrainKind.DPO)).hasMessageContaining("expected one of dpo, dpo_norm, simpo, ipo, hinge,"
            + " robust, wpo");
  }

  /** Each fixture trains two steps on stories260K with only model, data and steps replaced. */
  @Test
  void everyFixtureTrainsOnATinyModel() throws Exception {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
    List<String> fixtures = List.of("open-instruct/olmo2_1124_7b_sft.yaml",
        "open-instruct/tulu3_dpo_8b.yaml", "open-instruct/reward_modeling_debug.sh",
        "trl/sft_lora.sh", "trl/dpo_full.sh", "trl/dpo_ipo.yaml", "trl/reward.yaml");
    try (Workbench wb = Workbench.open(home)) {
      for (String f : fixtures) {
        ConfigImport.Result r = imported(f);
        Path data = r.kind() == TrainKind.SFT ? TrainFixtures.CHAT : TrainFixtures.PREFS;
        TrainConfig c = r.config().withSets(List.of(
            "model_name_or_path=" + Stories260K.MODEL, "tokenizer_name=",
            "dataset_mixer_list=" + data + ",16", "max_train_steps=2", "output_dir=",
            "per_device_train_batch_size=2", "gradient_accumulation_steps=1", "eval_steps=0",
            "logging_steps=1",
            "save_steps=0"));
        TrainResult result = TrainFixtures.run(wb, c);
        assertThat(TrainFixtures.series(wb, result.runId(), "loss")).as(f).hasSize(2)
            .allMatch(Double::isFinite);
        assertThat(result.checkpoint()).as(f).isDirectory();
      }
    }
  }
}
