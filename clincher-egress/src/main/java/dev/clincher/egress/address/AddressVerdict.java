package dev.clincher.egress.address;

import java.util.Objects;

/**
 * The outcome of classifying one destination address.
 *
 * @param allowed whether the proxy may connect to the address
 * @param reason why, for logs and metrics: a built-in range name ({@code loopback}, {@code private},
 *     {@code cloud_metadata}, ...), an operator entry ({@code allow_range 127.0.0.0/8},
 *     {@code deny_address 192.0.2.1:443}), {@code own_address}, {@code embedded ...} for an IPv4 address
 *     hidden in an IPv6 one, or {@code public}
 */
public record AddressVerdict(boolean allowed, String reason) {

  /** Reason of an address that no table mentions: a public, global unicast address. */
  public static final String PUBLIC = "public";
  /** Reason of a connection to the proxy's own listening address. */
  public static final String OWN_ADDRESS = "own_address";

  public AddressVerdict {
    Objects.requireNonNull(reason, "reason");
  }

  public static AddressVerdict allow(String reason) {
    return new AddressVerdict(true, reason);
  }

  public static AddressVerdict deny(String reason) {
    return new AddressVerdict(false, reason);
  }
}
