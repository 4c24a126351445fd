package ai.temper.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without GTK 3 the GUI says in one line what to install. */
class GuiTest {
  @Test
  void findsGtk3InALibraryFolderOrSaysWhatToInstall(@TempDir Path dir) throws Exception {
    Path lib = Files.createDirectories(dir.resolve("lib"));
    assertThat(Gui.hasGtk3(List.of(lib))).isFalse();
    Files.createFile(lib.resolve("libgtk-3.so.0"));
    assertThat(Gui.hasGtk3(List.of(lib))).isTrue();
    // no library folder at all: JavaFX decides
    assertThat(Gui.hasGtk3(List.of(dir.resolve("none")))).isTrue();
    assertThat(Gui.GTK_HINT).contains("apt-get install libgtk-3-0").doesNotContain("\n");
  }
}
