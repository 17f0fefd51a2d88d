package dev.clincher.app.deploy;

/**
 * The user each container of the compose deployment runs as ({@code user:} in docker-compose.yml). Every service has
 * its own, so each secret file can belong to the one service that reads it (mode 0600) and each data directory to
 * the one service that writes it.
 */
public enum ServiceUser {
  GATEWAY(10001),
  ROUTER(10002),
  EGRESS(10003),
  SOCKET_PROXY(10004),
  REDIS(10005),
  CADDY(10006);

  private final int uid;

  ServiceUser(int uid) {
    this.uid = uid;
  }

  /** The numeric user id, also its group id. */
  public int uid() {
    return uid;
  }
}
