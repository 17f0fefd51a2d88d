package dev.clincher.common.lifecycle;

/** A tiny program for {@link ShutdownTest}: registers two resources, says "ready" and waits for a signal. */
public final class ShutdownChild {
  private ShutdownChild() {}

  public static void main(String[] args) throws InterruptedException {
    Shutdown shutdown = new Shutdown();
    shutdown.register("store", () -> System.out.println("closed:store"));
    shutdown.register("server", () -> System.out.println("closed:server"));
    shutdown.installHook();
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(60_000);
  }
}
