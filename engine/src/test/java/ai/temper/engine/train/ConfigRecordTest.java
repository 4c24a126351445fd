package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The typed config: fields come from the record components, values bind to them, and the
 * error messages still name the file, line and field (also for fields of the nested RL
 * record and for a value given in the file but found wrong after {@code --set}).
 */
class ConfigRecordTest {

  /** A settings record as a new config would declare one. */
  record Sample(
      String label,
      @Setting(dflt = "3", byKind = "dpo=5", group = "G", doc = "Steps") int stepCount,
      @Setting(nullable = true, group = "G", doc = "Maybe") Double maybeRate,
      @Setting(dflt = "a", choices = {"a", "b"}, kinds = TrainKind.SFT, group = "G",
          doc = "Pick") String pick,
      @Setting(dflt = "x,y", group = "G", doc = "Names") List<String> names) {}

  record Broken(@Setting(nullable = true, group = "G", doc = "d") int n) {}

  @Test
  void aRecordDeclaresItsFieldsAndBindsTheirValues() {
    ConfigRecord<Sample> r = ConfigRecord.of(Sample.class);
    assertThat(r.fields()).extracting(ConfigField::name)
        .containsExactly("step_count", "maybe_rate", "pick", "names");
    assertThat(r.fields()).extracting(ConfigField::type).containsExactly(ConfigField.Type.INT,
        ConfigField.Type.DOUBLE, ConfigField.Type.CHOICE, ConfigField.Type.STRING_LIST);
    assertThat(r.fields().get(2).appliesTo(TrainKind.DPO)).isFalse();
    assertThat(r.defaults(TrainKind.SFT)).containsEntry("step_count", 3)
        .containsEntry("names", List.of("x", "y"));
    assertThat(r.defaults(TrainKind.DPO)).containsEntry("step_count", 5);
    Map<String, Object> v = r.defaults(TrainKind.SFT);
    v.put("maybe_rate", 0.5);
    Sample s = r.bind(v, component -> "the " + component);
    assertThat(s).isEqualTo(new Sample("the label", 3, 0.5, "a", List.of("x", "y")));
    assertThat(r.values(s)).isEqualTo(v);
    assertThatThrownBy(() -> ConfigRecord.of(Broken.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("boxed");
  }

  @Test
  void everyFieldKeepsItsOpenInstructName() throws Exception {
    for (var f : TrainConfig.class.getFields()) {
      if (f.getType() == String.class && java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
        String name = (String) f.get(null);
        assertThat(TrainConfig.field(name).name()).as(f.getName()).isEqualTo(name);
      }
    }
    assertThat(TrainConfig.fields()).extracting(ConfigField::name).doesNotHaveDuplicates();
  }

  @Test
  void kindsKeepTheirDefaultsInTheNestedRecordToo() {
    TrainConfig ppo = TrainConfig.defaults(TrainKind.PPO);
    assertThat(ppo.rl().numEpochs()).isEqualTo(4);
    assertThat(ppo.rl().nonStopPenalty()).isTrue();
    assertThat(ppo.rl().nonStopPenaltyValue()).isEqualTo(-10.0);
    assertThat(ppo.beta()).isEqualTo(0.05);
    assertThat(TrainConfig.defaults(TrainKind.GRPO).rl().numEpochs()).isEqualTo(1);
    assertThat(TrainConfig.defaults(TrainKind.PRETRAIN).weightDecay()).isEqualTo(0.1);
    assertThat(TrainConfig.defaults(TrainKind.PRETRAIN).lrSchedulerType()).isEqualTo("cosine");
  }

  @Test
  void errorsNameFileLineAndFieldForNestedFieldsAndAfterSets() {
    String yaml = "model_name_or_path: m\nnum_samples_per_prompt_rollout: 1\n";
    assertThatThrownBy(() -> TrainConfig.parse(yaml, "g.yaml", TrainKind.GRPO))
        .hasMessageStartingWith("g.yaml:2: field 'num_samples_per_prompt_rollout'")
        .hasMessageContaining("at least 2 for grpo");
    assertThatThrownBy(() -> TrainConfig.parse("model_name_or_path: m\nresponse_length: x\n",
        "g.yaml", TrainKind.GRPO))
        .hasMessage("g.yaml:2: field 'response_length': expected an integer, got 'x'");
    assertThatThrownBy(() -> TrainConfig.parse("model_name_or_path: m\nnum_mini_batch: 2\n",
        "g.yaml", TrainKind.GRPO))
        .hasMessage("g.yaml:2: unknown field 'num_mini_batch' (did you mean "
            + "'num_mini_batches'?)");
    // the file's value is wrong only together with a --set: blamed on the file's line
    TrainConfig c = TrainConfig.parse("model_name_or_path: m\nnum_mini_batches: 8\n", "g.yaml",
        TrainKind.GRPO);
    assertThatThrownBy(() -> c.withSets(List.of("num_unique_prompts_rollout=1")))
        .hasMessage("g.yaml:2: field 'num_mini_batches' exceeds the completions per rollout "
            + "batch");
    assertThatThrownBy(() -> c.withSets(List.of("temperature=0")))
        .hasMessage("--set: field 'temperature' must be positive: rollouts are sampled");
    assertThatThrownBy(() -> c.withSets(List.of("kl_estimator=kl9")))
        .hasMessage("--set kl_estimator=kl9: field 'kl_estimator': expected one of kl1, kl2, "
            + "kl3, kl4, got 'kl9'");
    assertThatThrownBy(() -> c.withSets(List.of("learnig_rate=1")))
        .hasMessage("--set learnig_rate=1: unknown field 'learnig_rate' (did you mean "
            + "'learning_rate'?)");
    // an open-instruct alias lands on the typed field
    assertThat(c.withSets(List.of("max_length=64")).maxSeqLength()).isEqualTo(64);
    assertThat(c.with(TrainConfig.STOP_STRINGS, List.of("</s>")).rl().stopStrings())
        .containsExactly("</s>");
    assertThat(c.withSets(List.of("seed=5")).notes()).isEqualTo(c.notes());
  }
}
