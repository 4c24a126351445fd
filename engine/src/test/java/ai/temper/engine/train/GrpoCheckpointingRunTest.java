package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.Devices;
import ai.temper.engine.Json;
import ai.temper.engine.Workbench;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO and PPO with LoRA and gradient_checkpointing through the trainer on real GSM8K rows
 * (stories260K, whose answers are wrong, so the rewards come from the no-EOS penalty: a
 * completion cut at a stop string is rewarded 0, one that runs to response_length -1): the
 * run says it checkpoints, its first step has ratio 1 and KL 0 exactly, and it logs the
 * metrics of the same run without checkpointing.
 */
@ExtendWith(RlFixtures.OnStories.class)
class GrpoCheckpointingRunTest {
  private static final Path GSM8K = Path.of("../shared/data/gsm8k/train.jsonl");

  @TempDir Path home;

  private Path gsm8k() throws Exception {
    assumeTrue(Files.isRegularFile(GSM8K), "../shared/data/gsm8k is absent: skipping");
    // open-instruct's RLVR layout of a GSM8K row: the question as the user turn, the number
    // after "####" as the ground truth of the gsm8k verifier
    Path out = home.resolve("gsm8k-rlvr-8.jsonl");
    List<String> rows = new ArrayList<>();
    try (Stream<String> lines = Files.lines(GSM8K)) {
      for (String line : lines.limit(8).toList()) {
        JsonNode row = Json.MAPPER.readTree(line);
        String answer = row.get("answer").asText();
        ObjectNode rlvr = Json.MAPPER.createObjectNode();
        rlvr.putArray("messages").addObject().put("role", "user")
            .put("content", row.get("question").asText());
        rlvr.put("ground_truth", answer.substring(answer.lastIndexOf("####") + 4).trim());
        rlvr.put("dataset", "gsm8k");
        rows.add(Json.MAPPER.writeValueAsString(rlvr));
      }
    }
    Files.write(out, rows);
    return out;
  }

  private static TrainConfig config(TrainKind kind, Path data, boolean checkpointing) {
    return TrainFixtures.config(kind, "dataset_mixer_list=" + data + ",1.0",
        "eval_fraction=0", "num_unique_prompts_rollout=4", "num_samples_per_prompt_rollout=4",
        "response_length=16", "max_seq_length=320", "stop_strings=.", "non_stop_penalty=true",
        "non_stop_penalty_value=-1.0", "learning_rate=3e-3", "beta=0.05", "use_lora=true",
        "lora_rank=4", "per_device_train_batch_size=8", "save_steps=0", "max_train_steps=2",
        "num_epochs=" + (kind == TrainKind.PPO ? 2 : 1),
        "gradient_checkpointing=" + checkpointing);
  }

  @Test
  void grpoWithLoraAndCheckpointingTrainsAsWithout() throws Exception {
    compare(TrainKind.GRPO, "loss", "pg_loss", "grad_norm", "entropy", "kl", "ratio",
        "kl_per_sequence", "reward");
  }

  @Test
  void ppoWithLoraAndCheckpointingTrainsAsWithout() throws Exception {
    // the value model (trained whole) is checkpointed too
    compare(TrainKind.PPO, "loss", "vf_loss", "grad_norm", "entropy", "ratio",
        "kl_per_sequence", "reward", "value");
  }

  /**
   * A CPU LoRA run whose recorded layers would not fit in memory turns gradient_checkpointing
   * on by itself and says so, as SFT does: here max_seq_length 200,000 (the estimate grows
   * with its square), which no prompt comes near.
   */
  @Test
  void loraRunTooBigForMemoryTurnsCheckpointingOn() throws Exception {
    Path data = gsm8k();
    assumeTrue(!Devices.current().isGpu() && Devices.physicalMemory() > 0,
        "not a CPU with known memory");
    try (Workbench wb = Workbench.open(home)) {
      List<String> logs = new ArrayList<>();
      wb.runs().addListener(new TrainListener() {
        @Override
        public void onLog(long runId, String line) {
          logs.add(line);
        }
      });
      TrainConfig c = config(TrainKind.GRPO, data, false).withSets(List.of(
          "max_seq_length=200000", "max_train_steps=1"));
      TrainResult r = TrainFixtures.run(wb, c);
      assertThat(r.steps()).isEqualTo(1);
      assertThat(logs).anyMatch(l -> l.startsWith("gradient_checkpointing turned on: without it"
          + " LoRA at 8 x 200000 tokens would need about"));
    }
  }

  private void compare(TrainKind kind, String... metrics) throws Exception {
    Path data = gsm8k();
    try (Workbench wb = Workbench.open(home)) {
      List<String> logs = new ArrayList<>();
      wb.runs().addListener(new TrainListener() {
        @Override
        public void onLog(long runId, String line) {
          logs.add(runId + ": " + line);
        }
      });
      TrainResult plain = TrainFixtures.run(wb, config(kind, data, false));
      TrainResult ckpt = TrainFixtures.run(wb, config(kind, data, true));
      assertThat(logs).anyMatch(l -> l.startsWith(ckpt.runId() + ": gradient_checkpointing: "))
          .noneMatch(l -> l.startsWith(plain.runId() + ": gradient_checkpointing"));
      assertThat(ckpt.steps()).isEqualTo(2);
      // rollouts varied and the step trained
      assertThat(TrainFixtures.series(wb, ckpt.runId(), "grad_norm").get(0)).isPositive();
      if (kind == TrainKind.GRPO) {
        assertThat(TrainFixtures.series(wb, ckpt.runId(), "dropped_groups").get(0))
            .isLessThan(4.0);
        // step 1's single update: the policy is the rollout policy and the reference
        for (TrainResult r : List.of(plain, ckpt)) {
          assertThat(TrainFixtures.series(wb, r.runId(), "ratio").get(0)).isEqualTo(1.0);
          assertThat(TrainFixtures.series(wb, r.runId(), "kl").get(0)).isEqualTo(0.0);
          assertThat(TrainFixtures.series(wb, r.runId(), "kl_per_sequence").get(0))
              .isEqualTo(0.0);
        }
      }
      // step 2 samples from the trained policy: it moved, and the same way in both runs
      assertThat(TrainFixtures.series(wb, ckpt.runId(), "kl_per_sequence").get(1))
          .isNotEqualTo(0.0);
      RlFixtures.assertSameSeries(wb, plain.runId(), ckpt.runId(), 1e-4, true, metrics);
    }
  }
}
