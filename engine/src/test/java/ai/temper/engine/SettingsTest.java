package ai.temper.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path home;

  @Test
  void savedValuesComeBackAndJunkFallsBackToDefaults() throws Exception {
    Settings s = Settings.load(home);
    assertThat(s.getDouble("window.width", 1280)).isEqualTo(1280);
    s.put("window.width", 900.5);
    s.put("page", "runs");
    s.save();
    Settings again = Settings.load(home);
    assertThat(again.getDouble("window.width", 1)).isEqualTo(900.5);
    assertThat(again.get("page")).contains("runs");
    Files.writeString(home.resolve("settings.properties"), "window.width=wide\n");
    assertThat(Settings.load(home).getDouble("window.width", 1280)).isEqualTo(1280);
  }
}
