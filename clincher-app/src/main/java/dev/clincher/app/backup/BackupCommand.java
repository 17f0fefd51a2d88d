package dev.clincher.app.backup;

import dev.clincher.app.manage.CliLogs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clincher backup keygen|create|verify|restore|list|prune} (docs/operations.md#backups). Exit codes: 0 done,
 * 1 refused (the message names what is wrong: a wrong key, a changed or truncated file, a running service), 2 bad
 * options. Each outcome is logged once ({@code backup.<command>}, with the rule that refused).
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
    description = {"Encrypted backups of a deployment's state (databases, configs, secrets) that are proven to restore.",
        "The key is a file of 32 random bytes, mode 0600 (clincher backup keygen FILE); keep a copy off the server."},
    subcommands = {BackupCommand.Keygen.class, BackupCommand.Create.class, BackupCommand.Verify.class,
        BackupCommand.Restore.class, BackupCommand.ListBackups.class, BackupCommand.Prune.class})
public final class BackupCommand implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupCommand.class);

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** What every subcommand shares: refusals printed and logged once, with exit code 1. */
  abstract static class Subcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    abstract int execute(PrintWriter out) throws Exception;

    @Override
    public final Integer call() throws Exception {
      CliLogs.toStandardError();
      String event = "backup." + spec.name();
      try {
        int code = execute(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return code;
      } catch (BackupRefused refused) {
        LOG.atWarn().addKeyValue("decision", "refuse").addKeyValue("rule", refused.rule())
            .addKeyValue("reason", refused.getMessage()).log(event);
        spec.commandLine().getErr().println("clincher backup " + spec.name() + ": refused: " + refused.getMessage());
        return 1;
      }
    }

    static void done(String event, Map<String, Object> details) {
      LoggingEventBuilder line = LOG.atInfo().addKeyValue("decision", "done");
      details.forEach(line::addKeyValue);
      line.log(event);
    }
  }

  /** Either a compose deployment or a state directory of {@code up}. */
  static final class Target {
    @Option(names = "--deploy", paramLabel = "DIR", required = true,
        description = "A deployment made by clincher deploy init (docs/deploy.md).")
    Path deploy;

    @Option(names = "--state-dir", paramLabel = "DIR", required = true,
        description = "The state directory of ./clincher up (docs/up.md).")
    Path stateDir;

    StateLayout layout() throws BackupRefused {
      return deploy != null ? StateLayout.compose(deploy) : StateLayout.up(stateDir);
    }

    /** The layout to restore into, which may not exist yet or be empty. */
    StateLayout restoreLayout() {
      Path root = (deploy != null ? deploy : stateDir).toAbsolutePath().normalize();
      return new StateLayout(deploy != null ? StateLayout.COMPOSE : StateLayout.UP, root, List.of());
    }
  }

  /** The key file option, read and checked (0600, 32 bytes). */
  static final class KeyOption {
    @Option(names = "--key-file", paramLabel = "FILE", required = true,
        description = "The backup key: 32 random bytes, mode 0600 (clincher backup keygen FILE).")
    Path file;

    BackupKey load() throws IOException, BackupRefused {
      return BackupKey.load(file);
    }
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = "Write a new backup key: 32 random bytes, mode 0600. An existing file is never overwritten.")
  static final class Keygen extends Subcommand {
    @Parameters(paramLabel = "FILE", description = "Where to write the key.")
    Path file;

    @Override
    int execute(PrintWriter out) throws Exception {
      BackupKey key = BackupKey.generate(file);
      done("backup.keygen", Map.of("file", file.toString(), "key_id", key.id()));
      out.println("Wrote backup key " + key.id() + " to " + file + " (0600). Keep a copy off this server: "
          + "without it no backup can be read.");
      return 0;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Take a consistent online snapshot of a deployment (SQLite with VACUUM INTO, PostgreSQL with "
          + "pg_dump, the configs and the secrets), encrypt it, and write it to BACKUP_DIR/clincher-backup-<UTC "
          + "time>. Then prune to --keep-daily."})
  static final class Create extends Subcommand {
    @ArgGroup(multiplicity = "1")
    Target target;

    @picocli.CommandLine.Mixin
    KeyOption key;

    @Option(names = "--to", paramLabel = "BACKUP_DIR", required = true, description = "Where backups are kept.")
    Path to;

    @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "14",
        description = "After the backup, keep the newest backup of each of the N most recent days (default 14; "
            + "0 keeps everything).")
    int keepDaily;

    @Override
    int execute(PrintWriter out) throws Exception {
      StateLayout layout = target.layout();
      BackupKey backupKey = key.load();
      Files.createDirectories(to);
      Path scratch = scratchDirectory();
      try {
        List<DatabaseDump> dumps = List.copyOf(PostgresDatabases.toBackUp(layout).values());
        Path backup = new BackupWriter(backupKey, scratch, dumps).create(layout, to, Instant.now());
        Manifest manifest = BackupReader.open(backup, backupKey).manifest();
        done("backup.create", Map.of("backup", backup.toString(), "entries", manifest.entries().size(),
            "key_id", backupKey.id()));
        out.println("Created " + backup + " (" + manifest.entries().size() + " entries, key " + backupKey.id()
            + ")");
      } finally {
        Restorer.deleteTree(scratch);
      }
      if (keepDaily > 0) {
        Prune.prune(to, keepDaily, out);
      }
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Decrypt a backup, check the manifest's authenticity and every checksum, restore each SQLite "
          + "database into a scratch directory and compare its row counts; exit 1 naming what is wrong."})
  static final class Verify extends Subcommand {
    @Parameters(paramLabel = "BACKUP", description = "A backup directory (clincher-backup-…).")
    Path backup;

    @picocli.CommandLine.Mixin
    KeyOption key;

    @Override
    int execute(PrintWriter out) throws Exception {
      BackupReader reader = BackupReader.open(backup, key.load());
      Path scratch = scratchDirectory();
      try {
        Verifier.Report report = Verifier.verify(reader, scratch);
        done("backup.verify", Map.of("backup", backup.toString(), "files", report.files(),
            "databases", report.databases(), "rows", report.rows()));
        out.println("OK " + backup + ": " + report.files() + " files and " + report.databases() + " databases ("
            + report.rows() + " rows, " + report.bytes() + " bytes) decrypt, match their checksums and restore; made "
            + reader.manifest().createdAt() + " by clincher " + reader.manifest().clincherVersion());
        return 0;
      } finally {
        Restorer.deleteTree(scratch);
      }
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Bring a STOPPED deployment back from a backup. Refused while its services run (a running "
          + "compose project, or a database open in another process). Replaced files are kept in "
          + ".pre-restore-<time>/ inside the deployment; modes and owners are restored."})
  static final class Restore extends Subcommand {
    @Parameters(paramLabel = "BACKUP", description = "A backup directory (clincher-backup-…).")
    Path backup;

    @picocli.CommandLine.Mixin
    KeyOption key;

    @ArgGroup(multiplicity = "1")
    Target target;

    @Override
    int execute(PrintWriter out) throws Exception {
      BackupReader reader = BackupReader.open(backup, key.load());
      StateLayout layout = target.restoreLayout();
      if (!reader.manifest().source().equals(layout.source())) {
        throw new BackupRefused("restore.kind", backup + " is a backup of a " + reader.manifest().source()
            + " deployment; restore it with --" + (layout.source().equals(StateLayout.UP) ? "deploy" : "state-dir"));
      }
      Restorer.Result result = new Restorer(reader, layout.directory(), PostgresDatabases.toRestoreInto(layout))
          .restore(layout, Instant.now());
      done("backup.restore", Map.of("backup", backup.toString(), "target", layout.directory().toString(),
          "files", result.files(), "databases", result.databases(), "aside", result.aside().toString()));
      out.println("Restored " + result.files() + " files and " + result.databases() + " databases into "
          + layout.directory() + "; replaced files are in " + result.aside());
      result.notes().forEach(note -> out.println("  note: " + note));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the backups in BACKUP_DIR, newest first.")
  static final class ListBackups extends Subcommand {
    @Option(names = "--to", paramLabel = "BACKUP_DIR", required = true, description = "Where backups are kept.")
    Path to;

    @Override
    int execute(PrintWriter out) throws Exception {
      for (StoredBackup backup : StoredBackup.list(to)) {
        out.printf("%s  %s  %,d bytes%n", backup.path().getFileName(), backup.createdAt(), backup.bytes());
      }
      for (Path unfinished : StoredBackup.unfinished(to)) {
        out.println(unfinished.getFileName() + "  unfinished (a create that did not complete; prune removes it)");
      }
      return 0;
    }
  }

  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = "Delete backups beyond the newest of each of the --keep-daily most recent days, and unfinished "
          + "ones.")
  static final class Prune extends Subcommand {
    @Option(names = "--to", paramLabel = "BACKUP_DIR", required = true, description = "Where backups are kept.")
    Path to;

    @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "14", description = "Days to keep (default 14).")
    int keepDaily;

    @Override
    int execute(PrintWriter out) throws Exception {
      if (keepDaily < 1) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--keep-daily must be at least 1");
      }
      prune(to, keepDaily, out);
      return 0;
    }

    static void prune(Path to, int keepDaily, PrintWriter out) throws IOException {
      List<StoredBackup> stored = StoredBackup.list(to);
      List<StoredBackup> pruned = StoredBackup.toPrune(stored, keepDaily);
      for (StoredBackup backup : pruned) {
        Restorer.deleteTree(backup.path());
        out.println("Pruned " + backup.path().getFileName());
      }
      for (Path unfinished : StoredBackup.unfinished(to)) {
        Restorer.deleteTree(unfinished);
        out.println("Removed unfinished " + unfinished.getFileName());
      }
      done("backup.prune", Map.of("directory", to.toString(), "kept", stored.size() - pruned.size(),
          "pruned", pruned.size(), "keep_daily", keepDaily));
    }
  }

  /** A private (0700) directory for plaintext while it is checked or encrypted; deleted afterwards. */
  static Path scratchDirectory() throws IOException {
    return Files.createTempDirectory("clincher-backup-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }
}
