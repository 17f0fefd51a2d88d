package dev.clincher.router.keys;

/**
 * Who sent a request, once their key checked out. Virtual keys (the cost-controls step) will add the key's id, team,
 * budget and allowed models here.
 *
 * @param name for logs: {@code master} for the master key; never the key itself
 */
public record Caller(String name) {
  public static final Caller MASTER = new Caller("master");
}
