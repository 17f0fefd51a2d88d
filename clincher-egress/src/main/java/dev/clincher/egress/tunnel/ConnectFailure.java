package dev.clincher.egress.tunnel;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;

/**
 * Why the upstream connection could not be opened, with the status and reason the client is answered with:
 * 504 {@code connect_timeout}, 502 {@code connect_refused} or 502 {@code connect_failed}.
 */
public record ConnectFailure(int status, String reason, String message) {

  public static ConnectFailure timeout() {
    return new ConnectFailure(504, "connect_timeout", "the destination did not accept the connection in time");
  }

  /** Classifies a failed connect attempt. */
  public static ConnectFailure of(IOException error) {
    return switch (error) {
      case SocketTimeoutException timeout -> timeout();
      case ConnectException refused -> new ConnectFailure(502, "connect_refused", "the destination refused the connection");
      case NoRouteToHostException noRoute -> new ConnectFailure(502, "connect_failed", "no route to the destination");
      default -> new ConnectFailure(502, "connect_failed", "could not connect to the destination");
    };
  }
}
