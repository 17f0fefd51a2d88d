package dev.clincher.app;

import picocli.CommandLine.Command;

/** {@code clincher version}: prints the version. */
@Command(name = "version", description = "Print the version.")
final class VersionCommand implements Runnable {
  @Override
  public void run() {
    System.out.println("clincher " + Version.current());
  }
}
