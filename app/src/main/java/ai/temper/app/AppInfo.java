package ai.temper.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts about the build, filtered in by Maven. */
public final class AppInfo {
  private AppInfo() {}

  public static String version() {
    try (InputStream in = AppInfo.class.getResourceAsStream("/temper-version.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }
}
