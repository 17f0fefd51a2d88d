package dev.clincher.app;

import dev.clincher.app.audit.AuditCommand;
import dev.clincher.app.audit.DoctorCommand;
import dev.clincher.app.backup.BackupCommand;
import dev.clincher.app.rotate.RotateCommand;
import dev.clincher.app.deploy.DeployCommand;
import dev.clincher.app.manage.KeysCommand;
import dev.clincher.app.manage.SpendCommand;
import dev.clincher.app.manage.TeamsCommand;
import dev.clincher.app.manage.UsersCommand;
import dev.clincher.app.watchdog.WatchdogCommand;
import dev.clincher.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code clincher} command: one subcommand per service, plus {@code up} for the whole stack. */
@Command(
    name = "clincher",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "A hardened, self-hosted AI agent platform.",
    subcommands = {UpCommand.class, EgressCommand.class, SocketProxyCommand.class, RouterCommand.class,
        GatewayCommand.class, SandboxCommand.class, DeployCommand.class, KeysCommand.class, TeamsCommand.class,
        UsersCommand.class, SpendCommand.class, BackupCommand.class, RotateCommand.class, WatchdogCommand.class, ChannelsCommand.class, AuditCommand.class,
        DoctorCommand.class, HealthCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, also used by tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(Main::reportStartupError);
  }

  /** Bad settings found after parsing (a broken ACL file, a bad CIDR) end with one clear line and exit code 2. */
  private static int reportStartupError(Exception error, CommandLine commandLine, CommandLine.ParseResult parsed)
      throws Exception {
    if (error instanceof ConfigException || error instanceof IllegalArgumentException) {
      commandLine.getErr().println(commandLine.getCommandName() + ": " + error.getMessage());
      return 2;
    }
    if (error instanceof java.io.IOException) {
      commandLine.getErr().println(commandLine.getCommandName() + ": " + error.getMessage());
      return 1;
    }
    throw error;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
