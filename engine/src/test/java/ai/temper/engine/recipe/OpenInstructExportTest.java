package ai.temper.engine.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample olmo-tiny recipe exported for open-instruct: known flags only, valid JSONL. */
class OpenInstructExportTest {
  @TempDir Path out;

  private static Set<String> fixture() throws Exception {
    Set<String> flags = new HashSet<>();
    try (InputStream in = OpenInstructExportTest.class.getResourceAsStream(
        "/open-instruct/flags.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          String[] f = line.split("\t");
          flags.add(f[0] + " " + f[1]);
        }
      }
    }
    return flags;
  }

  @Test
  void olmoTinyExportsKnownFlagsAndWellFormedData() throws Exception {
    Path recipe = Path.of("samples/recipes/olmo-tiny.yaml");
    OpenInstructExport.Result r = OpenInstructExport.write(Recipe.load(recipe), out);
    Set<String> known = fixture();
    assertThat(r.commands()).extracting(OpenInstructExport.Command::script).containsExactly(
        "open_instruct/finetune.py", "open_instruct/dpo_tune_cache.py",
        "open_instruct/grpo_fast.py");
    for (OpenInstructExport.Command c : r.commands()) {
      String script = Path.of(c.script()).getFileName().toString();
      for (String flag : c.flags().keySet()) {
        assertThat(known).as(c.stage() + " --" + flag).contains(script + " " + flag);
      }
    }
    var dpo = r.commands().get(1).flags();
    assertThat(dpo).containsEntry("dpo_beta", "0.1").containsEntry("dpo_loss_type", "dpo")
        .containsEntry("model_name_or_path", "$OUT/output/sft");
    assertThat(r.commands().get(2).flags()).containsEntry("total_episodes",
        Long.toString(60L * 8 * 8)); // max_train_steps x prompts x samples
    // every exported dataset row is in the layout its script reads
    ObjectMapper json = new ObjectMapper();
    assertThat(r.datasets()).hasSize(3);
    for (Path d : r.datasets()) {
      String algo = d.getFileName().toString().split("-")[0];
      for (String line : Files.readAllLines(d)) {
        OpenInstructExport.checkRow(json.readTree(line), algo, d.toString());
      }
    }
    String sh = Files.readString(r.launchScript());
    assertThat(sh).contains("accelerate launch").contains("--dpo_beta 0.1")
        .contains("stage pretrain (pretrain): open-instruct has no script");
    assertThatThrownBy(() -> OpenInstructExport.checkRow(json.readTree("{\"chosen\":[]}"),
        "dpo", "x.jsonl:1")).isInstanceOf(TemperException.class).hasMessageContaining(
            "x.jsonl:1");
  }
}
