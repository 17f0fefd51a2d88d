package dev.clincher.app.rotate;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Redis's users file of a deployment ({@code secrets/redis_users.acl}), as {@code clincher rotate redis-password}
 * rewrites it: one {@code user NAME RULE...} line per user. Only the rules a deployment needs are understood, and a
 * file is checked before Redis ever loads it: every user on and holding only SHA-256 hashes of passwords (never a
 * clear password, never {@code nopass}), the {@code default} user (the router's) without the dangerous commands, and
 * the {@value #ROTATE_USER} user allowed nothing but {@code ACL LOAD}.
 */
record RedisUsers(List<User> users) {
  /** The user {@code clincher rotate} reloads Redis's users file as; its password is root's alone. */
  static final String ROTATE_USER = "clincher-rotate";
  /** The rules of {@link #ROTATE_USER} besides its password: it may run ACL LOAD and nothing else. */
  static final List<String> ROTATE_RULES = List.of("resetchannels", "-@all", "+acl|load");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern HASH = Pattern.compile("#[0-9a-f]{64}");
  private static final Pattern RULE = Pattern.compile(
      "on|allkeys|allchannels|resetkeys|resetchannels|nocommands|(%R|%W|%RW)?~\\S+|&\\S+|[+-]@?[a-z_-]+(\\|[a-z_-]+)?");

  /** One user: its name, its password hashes (SHA-256 hex, without the {@code #}) and its other rules, in order. */
  record User(String name, List<String> hashes, List<String> rules) {
    String line() {
      List<String> words = new ArrayList<>(List.of("user", name, "on"));
      hashes.forEach(hash -> words.add("#" + hash));
      rules.stream().filter(rule -> !rule.equals("on")).forEach(words::add);
      return String.join(" ", words);
    }
  }

  /**
   * Reads and checks a users file.
   *
   * @throws IllegalArgumentException naming the line and the reason, never a hash
   */
  static RedisUsers parse(String text) {
    List<User> users = new ArrayList<>();
    int number = 0;
    for (String line : text.split("\n", -1)) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      users.add(user(line.strip(), number));
    }
    return new RedisUsers(List.copyOf(users)).checked();
  }

  private static User user(String line, int number) {
    String[] words = line.split("\\s+");
    if (words.length < 3 || !words[0].equals("user") || !NAME.matcher(words[1]).matches()) {
      throw new IllegalArgumentException("line " + number + ": expected 'user NAME RULE...'");
    }
    List<String> hashes = new ArrayList<>();
    List<String> rules = new ArrayList<>();
    for (int i = 2; i < words.length; i++) {
      if (HASH.matcher(words[i]).matches()) {
        hashes.add(words[i].substring(1));
      } else if (RULE.matcher(words[i]).matches()) {
        rules.add(words[i]);
      } else {
        throw new IllegalArgumentException("line " + number + " (user " + words[1] + "): rule " + (i - 1)
            + " is not one clincher accepts (clear passwords, nopass, off and reset are refused)");
      }
    }
    return new User(words[1], List.copyOf(hashes), List.copyOf(rules));
  }

  private RedisUsers checked() {
    for (User user : users) {
      if (!user.rules().contains("on")) {
        throw new IllegalArgumentException("user " + user.name() + " is not 'on'");
      }
      if (user.hashes().isEmpty()) {
        throw new IllegalArgumentException("user " + user.name() + " has no password hash");
      }
      if (users.stream().filter(other -> other.name().equals(user.name())).count() > 1) {
        throw new IllegalArgumentException("user " + user.name() + " is defined twice");
      }
    }
    User standard = user("default");
    if (!standard.rules().contains("-@dangerous") || standard.rules().indexOf("-@dangerous")
        < standard.rules().lastIndexOf("+@all")) {
      throw new IllegalArgumentException("user default must end with -@dangerous (no CONFIG, DEBUG, ACL, ...)");
    }
    users.stream().filter(user -> user.name().equals(ROTATE_USER))
        .filter(user -> !user.rules().equals(concat("on", ROTATE_RULES))).findFirst().ifPresent(user -> {
          throw new IllegalArgumentException("user " + ROTATE_USER + " must be exactly 'on #<hash> "
              + String.join(" ", ROTATE_RULES) + "'");
        });
    return this;
  }

  /** The user named {@code name}. */
  User user(String name) {
    return users.stream().filter(user -> user.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("there is no user " + name));
  }

  boolean has(String name) {
    return users.stream().anyMatch(user -> user.name().equals(name));
  }

  /** The same users with {@code hash} added to {@code name}'s passwords (unchanged if it is there already). */
  RedisUsers withHash(String name, String hash) {
    User user = user(name);
    if (user.hashes().contains(hash)) {
      return this;
    }
    List<String> hashes = new ArrayList<>(user.hashes());
    hashes.add(hash);
    return replaced(new User(name, List.copyOf(hashes), user.rules()));
  }

  /** The same users with {@code hash} as {@code name}'s only password. */
  RedisUsers onlyHash(String name, String hash) {
    return replaced(new User(name, List.of(hash), user(name).rules()));
  }

  private RedisUsers replaced(User changed) {
    return new RedisUsers(users.stream().map(user -> user.name().equals(changed.name()) ? changed : user).toList())
        .checked();
  }

  /** The file's text: one line per user. */
  String text() {
    StringBuilder text = new StringBuilder();
    users.forEach(user -> text.append(user.line()).append('\n'));
    return text.toString();
  }

  /** The hash Redis keeps of a password: SHA-256, lowercase hex. */
  static String sha256Hex(String password) {
    return dev.clincher.app.deploy.DeploymentFiles.sha256Hex(password);
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all;
  }
}
