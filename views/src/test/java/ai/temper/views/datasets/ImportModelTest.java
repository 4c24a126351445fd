package ai.temper.views.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter.OnError;
import ai.temper.views.common.GuiText;
import org.junit.jupiter.api.Test;

/** The import form: a name that follows the file, no leftovers, messages that go stale. */
class ImportModelTest {
  @Test
  void typingAPathCharacterByCharacterNeverFailsAndTheNameFollows() {
    ImportModel m = new ImportModel();
    String path = "/data/gsm8k/train.jsonl";
    for (int i = 1; i <= path.length(); i++) {
      m.fileProperty().set(path.substring(0, i)); // "/" first: once a NullPointerException
    }
    assertThat(m.nameProperty().get()).isEqualTo("train");
    assertThat(ImportModel.suggestName("/")).isEmpty();
    assertThat(ImportModel.suggestName("/data/")).isEmpty();
    assertThat(ImportModel.suggestName("hh.jsonl.gz")).isEqualTo("hh");
    // a newly chosen file brings its own name, not the first file's
    m.fileProperty().set("/data/allbroken.jsonl");
    m.fileProperty().set("/data/gsm8k/test.jsonl");
    assertThat(m.nameProperty().get()).isEqualTo("test");
  }

  @Test
  void aNameTypedByTheUserStays() {
    ImportModel m = new ImportModel();
    m.fileProperty().set("/data/train.jsonl");
    m.nameProperty().set("gsm8k-train");
    m.fileProperty().set("/data/other.jsonl");
    assertThat(m.nameProperty().get()).isEqualTo("gsm8k-train");
    m.nameProperty().set(""); // cleared: suggestions come back
    m.fileProperty().set("/data/third.jsonl");
    assertThat(m.nameProperty().get()).isEqualTo("third");
  }

  @Test
  void eachOpeningStartsEmptyAndAnOldMessageGoesWhenTheFormChanges() {
    ImportModel m = new ImportModel();
    m.fileProperty().set("/data/train.jsonl");
    m.formatProperty().set(DataFormat.HH);
    m.onErrorProperty().set(OnError.ABORT);
    m.messageProperty().set("a dataset named 'train' already exists");
    m.errors().add("line 3: bad");
    m.nameProperty().set("train2");
    assertThat(m.messageProperty().get()).isEmpty();
    assertThat(m.errors()).isEmpty();
    m.clearForm();
    assertThat(m.fileProperty().get()).isEmpty();
    assertThat(m.nameProperty().get()).isEmpty();
    assertThat(m.formatProperty().get()).isEqualTo(DataFormat.AUTO);
    assertThat(m.onErrorProperty().get()).isEqualTo(OnError.SKIP);
    m.fileProperty().set("/x/new.jsonl");
    assertThat(m.nameProperty().get()).isEqualTo("new");
  }

  @Test
  void engineMessagesLoseTheirCommandLineWording() {
    assertThat(GuiText.of("A dataset named 'hh' already exists; delete it first or choose "
        + "another --name")).endsWith("choose another name").doesNotContain("--");
    assertThat(GuiText.of("x.jsonl: cannot tell the format; pass --format hh|preference"))
        .endsWith("choose the format hh|preference");
    assertThat(GuiText.of("3 malformed rows, nothing imported (--on-error abort)"))
        .contains("(malformed rows: abort)");
  }
}
