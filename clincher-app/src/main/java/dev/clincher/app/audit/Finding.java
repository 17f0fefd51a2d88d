package dev.clincher.app.audit;

/**
 * One result of the audit.
 *
 * @param id stable identifier, {@code <service>.<area>.<check>} (docs/audit.md lists every one)
 * @param found what the audit saw, naming the file, service or key; never a secret's value
 * @param why what an attacker gains while it stays so
 * @param fix the exact change: the config key or file and its value, or the command
 */
public record Finding(String id, Severity severity, String found, String why, String fix) {

  public static Finding critical(String id, String found, String why, String fix) {
    return new Finding(id, Severity.CRITICAL, found, why, fix);
  }

  public static Finding warn(String id, String found, String why, String fix) {
    return new Finding(id, Severity.WARN, found, why, fix);
  }

  public static Finding info(String id, String found) {
    return new Finding(id, Severity.INFO, found, "", "");
  }
}
