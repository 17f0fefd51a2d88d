package dev.clincher.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clincher version}: prints the version. */
@Command(name = "version", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Print the version.")
final class VersionCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().getOut().println("clincher " + Version.current());
    spec.commandLine().getOut().flush();
  }
}
