package ai.temper.app.cli;

import ai.temper.app.AppInfo;
import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"temper " + AppInfo.version()};
  }
}
