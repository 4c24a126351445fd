package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.store.RolloutRepository;
import ai.temper.engine.store.RolloutRepository.Rollout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** GRPO runs on stories260K: the first step, stored rollouts, resumption, bad configs. */
@ExtendWith(RlFixtures.OnStories.class)
class GrpoRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path home;

  private Path prompts() throws Exception {
    return RlFixtures.keywordPrompts(home.resolve("prompts.jsonl"), 12);
  }

  private TrainConfig config(Path data, String... more) {
    List<String> sets = new ArrayList<>(List.of("dataset_mixer_list=" + data + ",1.0",
        "eval_fraction=0", "num_unique_prompts_rollout=4", "num_samples_per_prompt_rollout=4",
        "response_length=24", "max_seq_length=96", "learning_rate=1e-3", "beta=0.05",
        "per_device_train_batch_size=8", "save_steps=0", "temperature=1.0"));
    sets.addAll(List.of(more));
    return TrainFixtures.config(TrainKind.GRPO, sets.toArray(String[]::new));
  }

  @Test
  void firstStepHasPolicyEqualToReferenceAndEveryRolloutIsStored() throws Exception {
    Path data = prompts();
    try (Workbench wb = Workbench.open(home)) {
      TrainResult r = TrainFixtures.run(wb, config(data, "max_train_steps=2",
          "learning_rate=3e-4"));
      // step 1 (one update): the policy is the reference and the rollout policy
      List<Double> kl = TrainFixtures.series(wb, r.runId(), "kl");
      List<Double> klSeq = TrainFixtures.series(wb, r.runId(), "kl_per_sequence");
      assertThat(klSeq.get(0)).isCloseTo(0.0, within(1e-6));
      assertThat(kl.get(0)).isCloseTo(0.0, within(1e-6));
      assertThat(TrainFixtures.series(wb, r.runId(), "ratio").get(0)).isCloseTo(1.0,
          within(1e-6));
      assertThat(TrainFixtures.series(wb, r.runId(), "clip_fraction").get(0)).isEqualTo(0.0);
      assertThat(TrainFixtures.series(wb, r.runId(), "policy_kl").get(0)).isCloseTo(0.0,
          within(1e-9));
      // the policy moved after step 1: step 2's rollouts differ from the reference
      assertThat(klSeq.get(1)).isNotEqualTo(0.0);
      for (String name : List.of("reward", "pass_rate", "clip_fraction", "entropy",
          "response_length", "dropped_groups", "time/generation", "time/scoring",
          "time/training", "learning_rate", "grad_norm")) {
        assertThat(TrainFixtures.series(wb, r.runId(), name)).as(name).hasSize(2);
      }
      RolloutRepository repo = new RolloutRepository(wb.db().sql());
      assertThat(repo.count(r.runId())).isEqualTo(2 * 16);
      List<Rollout> step1 = repo.forStep(r.runId(), 1);
      double mean = 0;
      for (Rollout x : step1) {
        // reward = verification_reward (10) x score; the verdict agrees
        assertThat(x.reward()).isCloseTo(10 * x.score(), within(1e-9));
        assertThat(x.verdict()).isEqualTo(x.score() == 1.0 ? "pass" : "fail");
        JsonNode detail = JSON.readTree(x.tokenDetail());
        assertThat(detail.get("tokens")).hasSize(x.responseTokens());
        assertThat(detail.get("advantages")).hasSize(x.responseTokens());
        mean += x.reward() / step1.size();
      }
      assertThat(TrainFixtures.series(wb, r.runId(), "reward").get(0)).isCloseTo(mean,
          within(1e-9));
      // advantages of a kept group are standardised: they sum to zero within the group
      for (int p = 0; p < 4; p++) {
        int prompt = p;
        List<Rollout> group = step1.stream().filter(x -> x.promptIdx()
            == step1.get(prompt * 4).promptIdx()).toList();
        if (group.get(0).advantage() != null) {
          assertThat(group.stream().mapToDouble(Rollout::advantage).sum())
              .isCloseTo(0, within(1e-6));
        }
      }
    }
  }

  @Test
  void cancelledRunResumesWithTheSameMetrics() throws Exception {
    Path data = prompts();
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = config(data, "max_train_steps=4", "save_steps=2", "use_lora=true",
          "lora_rank=4");
      long[] ids = RlFixtures.straightAndResumed(wb, c, 3);
      long straight = ids[0];
      long stopped = ids[1];
      RlFixtures.assertSameSeries(wb, straight, stopped, 1e-4, false, "reward", "loss", "kl");
      RolloutRepository repo = new RolloutRepository(wb.db().sql());
      assertThat(repo.count(stopped)).isEqualTo(repo.count(straight));
    }
  }

  @Test
  void badConfigsFailWithOneClearError() throws Exception {
    assertThatThrownBy(() -> config(prompts(), "num_samples_per_prompt_rollout=1"))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("num_samples_per_prompt_rollout")
        .hasMessageContaining("at least 2");
    Path unknown = home.resolve("unknown.jsonl");
    Files.writeString(unknown, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
        + "\"ground_truth\": \"1\", \"dataset\": \"gsm8k\"}\n"
        + "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
        + "\"ground_truth\": \"x\", \"dataset\": \"chess\"}\n");
    Path none = home.resolve("none.jsonl");
    Files.writeString(none, "{\"prompt\": \"Tell a story.\", \"ground_truth\": \"1\"}\n");
    try (Workbench wb = Workbench.open(home)) {
      assertThatThrownBy(() -> TrainFixtures.run(wb, config(unknown, "max_train_steps=1")))
          .hasMessageContaining("unknown.jsonl:2").hasMessageContaining("unknown verifier "
              + "'chess'");
      assertThatThrownBy(() -> TrainFixtures.run(wb, config(none, "max_train_steps=1")))
          .hasMessageContaining("No RLVR rows");
      assertThatThrownBy(() -> TrainFixtures.run(wb, config(TrainFixtures.CHAT,
          "max_train_steps=1"))).hasMessageContaining("trains on rlvr");
    }
  }
}
