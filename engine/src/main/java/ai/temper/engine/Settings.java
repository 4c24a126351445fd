package ai.temper.engine;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * Small user settings of one home (window bounds, last page, engine threads), kept in
 * settings.properties and written atomically.
 */
public final class Settings {
  private final Path file;
  private final Properties props = new Properties();

  private Settings(Path file) {
    this.file = file;
  }

  public static Settings load(Path home) {
    Settings s = new Settings(home.resolve("settings.properties"));
    if (Files.exists(s.file)) {
      try (Reader r = Files.newBufferedReader(s.file, StandardCharsets.UTF_8)) {
        s.props.load(r);
      } catch (IOException | IllegalArgumentException e) {
        // unreadable settings fall back to defaults; the file is rewritten on save
      }
    }
    return s;
  }

  public synchronized Optional<String> get(String key) {
    return Optional.ofNullable(props.getProperty(key));
  }

  public synchronized double getDouble(String key, double dflt) {
    try {
      return get(key).map(Double::parseDouble).orElse(dflt);
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  public synchronized void put(String key, Object value) {
    props.setProperty(key, String.valueOf(value));
  }

  public synchronized void save() {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        props.store(w, "Temper settings");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new TemperException("Cannot save settings to " + file + ": " + e.getMessage(), e);
    }
  }
}
