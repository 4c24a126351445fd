package ai.temper.engine.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TemperException;
import ai.temper.engine.verify.Verifiers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample olmo-tiny recipe exported for TRL: only flags TRL's CLI defines (the fixture
 * lists them with their meaning), every dataset row in the layout TRL's trainers read, and a
 * reward script that scores like Temper's verifier.
 */
class TrlExportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path out;

  private static Set<String> fixture() throws Exception {
    Set<String> flags = new HashSet<>();
    try (InputStream in = TrlExportTest.class.getResourceAsStream("/trl/flags.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          String[] f = line.split("\t");
          assertThat(f).as(line).hasSize(4); // command, flag, meaning, where TRL defines it
          flags.add(f[0] + " " + f[1]);
        }
      }
    }
    return flags;
  }

  @Test
  void olmoTinyExportsKnownFlagsAndRowsTrlReads() throws Exception {
    TrlExport.Result r = TrlExport.write(Recipe.load(Path.of("samples/recipes/olmo-tiny.yaml")),
        out);
    Set<String> known = fixture();
    assertThat(r.commands()).extracting(TrlExport.Command::command)
        .containsExactly("sft", "dpo", "grpo");
    for (TrlExport.Command c : r.commands()) {
      for (String flag : c.flags().keySet()) {
        assertThat(known).as(c.stage() + " --" + flag).contains(c.command() + " " + flag);
      }
    }
    var sft = r.commands().get(0).flags();
    assertThat(sft).containsEntry("max_length", "192").containsEntry("warmup_steps", "0.05").containsEntry("dataset_name",
        "$OUT/data/sft").containsEntry("model_name_or_path", "$OUT/output/pretrain");
    var dpo = r.commands().get(1).flags();
    assertThat(dpo).containsEntry("loss_type", "sigmoid").containsEntry("beta", "0.1")
        .containsEntry("model_name_or_path", "$OUT/output/sft")
        .containsEntry("max_steps", "40");
    var grpo = r.commands().get(2).flags();
    assertThat(grpo).containsEntry("num_generations", "8")
        .containsEntry("max_completion_length", "40")
        .containsEntry("per_device_train_batch_size", "$(( 64 / NUM_PROCESSES ))")
        .containsEntry("reward_funcs", "rewards.verifiable_reward");
    assertThat(r.commands().get(2).notCarried()).doesNotContain("verification_reward",
        "num_unique_prompts_rollout");

    // every row: the layout TRL reads, checked again here from the written files
    assertThat(r.datasets()).hasSize(3);
    for (Path d : r.datasets()) {
      String algo = d.getParent().getFileName().toString().equals("rlvr") ? "grpo"
          : d.getParent().getFileName().toString();
      List<String> lines = Files.readAllLines(d);
      assertThat(lines).isNotEmpty();
      for (String line : lines) {
        TrlExport.checkTrlRow(JSON.readTree(line), algo, d.toString());
      }
    }
    JsonNode s0 = JSON.readTree(Files.readAllLines(out.resolve("data/sft/train.jsonl")).get(0));
    assertThat(s0.get("prompt").get(0).get("role").asText()).isEqualTo("user");
    assertThat(s0.get("completion").get(0).get("role").asText()).isEqualTo("assistant");
    JsonNode p0 = JSON.readTree(Files.readAllLines(out.resolve("data/dpo/train.jsonl")).get(0));
    assertThat(p0.get("prompt")).hasSize(1);
    assertThat(p0.get("chosen")).hasSize(1);
    assertThat(p0.get("chosen")).isNotEqualTo(p0.get("rejected"));
    assertThat(Files.readAllLines(out.resolve("data/rlvr/train.jsonl"))).hasSize(600);

    String sh = Files.readString(r.launchScript());
    assertThat(sh).contains("trl sft --accelerate_config \"$ACCELERATE_CONFIG\"")
        .contains("VERIFICATION_REWARD=10.0 trl grpo")
        .contains("stage pretrain (pretrain): not exported to TRL");
    assertThat(out.resolve("rewards.py")).exists();

    // a row TRL could not read is refused with its place
    assertThatThrownBy(() -> TrlExport.checkTrlRow(JSON.readTree(
        "{\"prompt\":[{\"role\":\"user\",\"content\":\"hi\"}],\"chosen\":[],\"rejected\":[]}"),
        "dpo", "x.jsonl:3")).isInstanceOf(TemperException.class)
        .hasMessageContaining("x.jsonl:3").hasMessageContaining("'chosen'");
    assertThatThrownBy(() -> TrlExport.checkTrlRow(JSON.readTree(
        "{\"prompt\":[{\"role\":\"user\",\"content\":\"hi\"}],\"ground_truth\":"
            + "\"{\\\"func_name\\\":\\\"validate_uppercase\\\"}\"}"), "grpo", "y.jsonl:1"))
        .isInstanceOf(TemperException.class).hasMessageContaining("validate_uppercase");
  }

  /** rewards.py gives the reward Temper's GRPO trainer would (skipped without python3). */
  @Test
  void rewardScriptScoresLikeTemper() throws Exception {
    Path py;
    try {
      Process p = new ProcessBuilder("python3", "--version").start();
      assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "python3 not usable");
    } catch (java.io.IOException e) {
      assumeTrue(false, "python3 is not installed: " + e.getMessage());
    }
    try (InputStream in = TrlExport.class.getResourceAsStream("trl-rewards.py")) {
      py = out.resolve("rewards.py");
      Files.write(py, in.readAllBytes());
    }
    String truth = "[{\"func_name\":\"verify_keywords\",\"keyword_list\":[\"Lily\",\"red\","
        + "\"ball\"]},{\"func_name\":\"verify_keywords\",\"keyword_list\":[\"park\"]},"
        + "{\"func_name\":\"validate_forbidden_words\",\"forbidden_words\":[\"mean\"]},"
        + "{\"func_name\":\"validate_choice\",\"options\":[\"It was a good day.\"]}]";
    List<String> answers = List.of("Once upon a time, lily had a RED ball in the park.",
        "Tom had a red ball. He was mean.", "Lily had a red ball. It was a good day.", "");
    Path cases = out.resolve("cases.json");
    Files.writeString(cases, JSON.writeValueAsString(answers));
    Process p = new ProcessBuilder("python3", "-c", "import json,sys; sys.path.insert(0, '"
        + out + "'); import rewards; a = json.load(open('" + cases + "')); "
        + "print(json.dumps(rewards.verifiable_reward([[{'role':'assistant','content':x}] "
        + "for x in a], [sys.argv[1]] * len(a))))", truth).redirectErrorStream(true).start();
    String got = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(got).isZero();
    JsonNode rewards = JSON.readTree(got);
    for (int i = 0; i < answers.size(); i++) {
      double temper = 10.0 * Verifiers.verify("ifeval", truth, answers.get(i)).score();
      assertThat(rewards.get(i).asDouble()).as(answers.get(i)).isCloseTo(temper,
          org.assertj.core.data.Offset.offset(1e-9));
    }
  }
}
