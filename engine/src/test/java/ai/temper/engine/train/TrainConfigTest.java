package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
  @TempDir Path dir;

  @Test
  void readsOpenInstructFieldsWithTypesAndDefaults() throws Exception {
    Path file = dir.resolve("sft.yaml");
    Files.writeString(file, """
        model_name_or_path: ../shared/models/stories260K/stories260K.bin
        dataset_mixer_list: [samples/chat.jsonl, 1.0, my-dataset, 20]
        learning_rate: 5e-4
        per_device_train_batch_size: 4
        lr_scheduler_type: cosine
        use_lora: yes
        lora_target_modules: [q_proj, v_proj]
        """);
    TrainConfig c = TrainConfig.load(file, TrainKind.SFT);
    assertThat(c.learningRate()).isEqualTo(5e-4);
    assertThat(c.batchSize()).isEqualTo(4);
    assertThat(c.lrSchedulerType()).isEqualTo("cosine");
    assertThat(c.useLora()).isTrue();
    assertThat(c.loraTargetModules()).containsExactly("q_proj", "v_proj");
    assertThat(c.datasetMixerList().entries()).containsExactly(
        new DatasetMix.Entry("samples/chat.jsonl", 1.0, null),
        new DatasetMix.Entry("my-dataset", null, 20L));
    assertThat(c.seed()).isEqualTo(42);
    assertThat(c.maxTrainSteps()).isNull();
    assertThat(c.gradientAccumulationSteps()).isEqualTo(1);
  }

  @Test
  void kindsHaveTheirOwnDefaults() {
    assertThat(TrainConfig.defaults(TrainKind.DPO).learningRate()).isEqualTo(5e-7);
    assertThat(TrainConfig.defaults(TrainKind.SFT).learningRate()).isEqualTo(2e-5);
    assertThat(TrainConfig.fields(TrainKind.SFT)).extracting(ConfigField::name)
        .doesNotContain("beta").contains("learning_rate");
    for (ConfigField f : TrainConfig.fields()) {
      assertThat(f.doc()).as(f.name()).isNotBlank().doesNotContain("\n");
    }
  }

  @Test
  void roundTripsThroughYamlAndSetOverrides() {
    TrainConfig c = TrainConfig.defaults(TrainKind.DPO)
        .withSets(List.of("model_name_or_path=m", "beta=0.5", "loss_type=simpo",
            "dataset_mixer_list=a.jsonl,0.5,b,10", "max_train_steps=7",
            "lora_target_modules=q_proj,k_proj"));
    TrainConfig back = TrainConfig.parse(c.toYaml(), "x", TrainKind.DPO);
    assertThat(back.values()).isEqualTo(c.values());
    assertThat(back.beta()).isEqualTo(0.5);
    assertThat(back.lossType()).isEqualTo("simpo");
    assertThat(back.maxTrainSteps()).isEqualTo(7);
    assertThat(back.datasetMixerList().toString()).isEqualTo("a.jsonl,0.5,b,10");
  }

  @Test
  void unknownFieldIsNamedWithFileLineAndSuggestion() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "model_name_or_path: m\nlearning_rat: 1e-4\n");
    assertThatThrownBy(() -> TrainConfig.load(file, TrainKind.SFT))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(file + ":2")
        .hasMessageContaining("unknown field 'learning_rat'")
        .hasMessageContaining("did you mean 'learning_rate'");
  }

  @Test
  void illTypedFieldIsNamedWithLine() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "model_name_or_path: m\n\nper_device_train_batch_size: eight\n");
    assertThatThrownBy(() -> TrainConfig.load(file, TrainKind.SFT))
        .hasMessageContaining(file + ":3")
        .hasMessageContaining("'per_device_train_batch_size'")
        .hasMessageContaining("expected an integer");
    Files.writeString(file, "model_name_or_path: m\nlr_scheduler_type: step\n");
    assertThatThrownBy(() -> TrainConfig.load(file, TrainKind.SFT))
        .hasMessageContaining(":2").hasMessageContaining("linear, cosine, constant");
    Files.writeString(file, "model_name_or_path: m\nwarmup_ratio: 1.5\n");
    assertThatThrownBy(() -> TrainConfig.load(file, TrainKind.SFT))
        .hasMessageContaining(":2").hasMessageContaining("'warmup_ratio'");
    Files.writeString(file, "model_name_or_path: m\nseed: 1\nseed: 2\n");
    assertThatThrownBy(() -> TrainConfig.load(file, TrainKind.SFT))
        .hasMessageContaining(":3").hasMessageContaining("given twice");
    assertThatThrownBy(() -> TrainConfig.defaults(TrainKind.SFT).withSets(List.of("seed=x")))
        .hasMessageContaining("'seed'").hasMessageContaining("integer");
    assertThatThrownBy(() -> TrainConfig.defaults(TrainKind.SFT).withSets(List.of("sede=1")))
        .hasMessageContaining("unknown field 'sede'");
  }

  @Test
  void sftNeedsAModelButPretrainingDoesNot() {
    assertThatThrownBy(() -> TrainConfig.parse("seed: 1\n", "f.yaml", TrainKind.SFT))
        .hasMessageContaining("'model_name_or_path'");
    assertThat(TrainConfig.parse("seed: 1\n", "f.yaml", TrainKind.PRETRAIN).modelSize())
        .isEqualTo("small");
  }
}
