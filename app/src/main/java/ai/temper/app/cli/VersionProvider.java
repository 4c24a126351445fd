package ai.temper.app.cli;

import ai.temper.app.AppInfo;
import ai.temper.engine.Devices;
import ai.temper.engine.Precision;
import ai.temper.engine.TemperException;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code temper --version}: the build, the libtorch it loaded (and why), the device, and the
 * precision training would compute in there.
 */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = "temper " + AppInfo.version();
    try {
      return new String[] {version, Devices.describeLibtorch(), Devices.describeDevice(),
          Precision.describe()};
    } catch (TemperException e) {
      return new String[] {version, e.getMessage()};
    }
  }
}
