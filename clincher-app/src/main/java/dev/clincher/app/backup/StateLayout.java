package dev.clincher.app.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a deployment's state is, so the backup takes all of it and nothing regenerated.
 * <ul>
 *   <li>{@code compose} ({@code clincher deploy init DIR}, docs/deploy.md): the files at the top ({@code .env},
 *       {@code docker-compose*.yml}, …), {@code config/}, {@code secrets/}, {@code data/gateway/} (transcripts,
 *       notes) and {@code data/router/} (keys, spend). Not {@code data/redis/} (counters and cached answers, rebuilt
 *       from the spend log) nor {@code data/caddy/} (certificates, issued again).</li>
 *   <li>{@code up} ({@code ./clincher up --state-dir DIR}, docs/up.md): the files at the top ({@code clincher.yaml},
 *       the two secrets, {@code gateway.db}, {@code router-keys.db}); not {@code generated/}, written at every start.</li>
 * </ul>
 *
 * @param source    {@code compose} or {@code up}
 * @param directory the deployment's directory
 * @param subtrees  the directories taken whole, relative
 */
record StateLayout(String source, Path directory, List<String> subtrees) {
  static final String COMPOSE = "compose";
  static final String UP = "up";
  /** Directories a restore leaves beside the files; never backed up. */
  static final String PRE_RESTORE = ".pre-restore-";
  static final String STAGING = ".restore-staging-";

  static StateLayout compose(Path directory) throws BackupRefused {
    Path root = directory.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("docker-compose.yml"))) {
      throw new BackupRefused("source.not_deployment", root + " has no docker-compose.yml: not a deployment made "
          + "by clincher deploy init");
    }
    return new StateLayout(COMPOSE, root, List.of("config", "secrets", "data", "data/gateway", "data/router"));
  }

  static StateLayout up(Path directory) throws BackupRefused {
    Path root = directory.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("clincher.yaml"))) {
      throw new BackupRefused("source.not_state_dir", root + " has no clincher.yaml: not a ./clincher up state "
          + "directory");
    }
    return new StateLayout(UP, root, List.of());
  }

  /** Every directory and regular file to back up, relative, parents before children; symbolic links are skipped. */
  List<Path> items() throws IOException {
    List<Path> items = new ArrayList<>(filesIn(directory));
    for (String subtree : subtrees) {
      Path top = directory.resolve(subtree);
      if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      items.add(directory.relativize(top));
      if (subtree.equals("data")) { // only the listed services' data, not redis's or caddy's
        continue;
      }
      try (Stream<Path> walk = Files.walk(top)) {
        walk.skip(1).filter(path -> Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                || Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
            .filter(path -> !SqliteFiles.isSidecar(path))
            .map(directory::relativize)
            .forEach(items::add);
      }
    }
    return items;
  }

  private static List<Path> filesIn(Path root) throws IOException {
    try (Stream<Path> files = Files.list(root)) {
      return files.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
          .filter(path -> !SqliteFiles.isSidecar(path))
          .map(root::relativize).sorted().toList();
    }
  }
}
