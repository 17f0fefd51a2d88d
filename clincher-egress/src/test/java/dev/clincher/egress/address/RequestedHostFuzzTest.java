package dev.clincher.egress.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.clincher.common.net.IpLiterals;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Seeded, bounded fuzzing of {@link RequestedHost#parse} against an independent reference of
 * {@code inet_aton} and the JDK's own IPv6 parser.
 */
class RequestedHostFuzzTest {

  private static final int RANDOM_INPUTS = 120_000;
  private static final int NUMERIC_INPUTS = 80_000;
  private static final String ALPHABET = "0123456789012345678901234567890123456789....xXabcdefABCDEF:::[]%gklmz-_";
  private static final Pattern OCTET = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
  private static final Pattern NAME = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");
  private static final Pattern CANONICAL_QUAD = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

  private final Random random = new Random(0xC11C4E7L);
  private int literals;
  private int names;

  @Test
  void parseNeverMisleadsOnRandomInput() throws Exception {
    for (int i = 0; i < RANDOM_INPUTS; i++) {
      check(randomText());
    }
    for (int i = 0; i < NUMERIC_INPUTS; i++) {
      check(numericText());
    }
    assertThat(literals).as("some inputs were literals").isPositive();
    assertThat(names).as("some inputs were names").isPositive();
  }

  @Test
  void referenceMatchesKnownInetAtonResults() {
    assertThat(inetAton("127.1")).map(IpLiterals::format).contains("127.0.0.1");
    assertThat(inetAton("0x7f.1")).map(IpLiterals::format).contains("127.0.0.1");
    assertThat(inetAton("2130706433")).map(IpLiterals::format).contains("127.0.0.1");
    assertThat(inetAton("017.0.0.1")).map(IpLiterals::format).contains("15.0.0.1");
    assertThat(inetAton("1.2.65535")).map(IpLiterals::format).contains("1.2.255.255");
    assertThat(inetAton("1.2.65536")).isEmpty();
    assertThat(inetAton("08")).isEmpty();
    assertThat(inetAton("1.2.3.4.5")).isEmpty();
    assertThat(inetAton("")).isEmpty();
  }

  private void check(String input) throws Exception {
    RequestedHost parsed;
    try {
      parsed = RequestedHost.parse(input);
    } catch (InvalidHostException expected) {
      return;
    } catch (RuntimeException e) {
      fail("parse(%s) threw %s".formatted(InvalidHostException.quote(input), e), e);
      return;
    }
    Optional<InetAddress> aton = inetAton(input);
    Optional<InetAddress> atonTrailingDot = input.endsWith(".") ? inetAton(input.substring(0, input.length() - 1))
        : Optional.empty();
    switch (parsed) {
      case RequestedHost.IpLiteral literal -> {
        literals++;
        assertCanonical(input, literal.address());
        if (aton.isPresent() && !aton.get().equals(literal.address()) || atonTrailingDot.isPresent()) {
          fail("%s: parsed as %s, inet_aton reads %s", input, literal.text(), aton.or(() -> atonTrailingDot));
        }
      }
      case RequestedHost.DomainName name -> {
        names++;
        if (aton.isPresent() || atonTrailingDot.isPresent() || inetAton(name.name()).isPresent()) {
          fail("inet_aton reads %s as an address, parse as the name %s", input, name.name());
        }
        if (!NAME.matcher(name.name()).matches()) {
          fail("%s: unexpected characters in name %s", input, name.name());
        }
      }
    }
  }

  /** An accepted literal is a canonical dotted quad or a valid IPv6 text the JDK reads the same way. */
  private static void assertCanonical(String input, InetAddress address) throws Exception {
    if (input.indexOf(':') < 0) {
      assertThat(input).matches(CANONICAL_QUAD);
      assertThat(IpLiterals.format(address)).isEqualTo(input);
      return;
    }
    assertThat(input).doesNotContain("%");
    String bracketed = input.startsWith("[") ? input : "[" + input + "]";
    assertThat(address.getAddress()).as(input).isEqualTo(InetAddress.getByName(bracketed).getAddress());
  }

  private String randomText() {
    int length = 1 + random.nextInt(random.nextBoolean() ? 8 : 24);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return text.toString();
  }

  /** One to five numeric-looking parts in decimal, octal or hex, sometimes with a trailing dot. */
  private String numericText() {
    int parts = 1 + random.nextInt(5);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts; i++) {
      if (i > 0) {
        text.append('.');
      }
      long value = switch (random.nextInt(4)) {
        case 0 -> random.nextInt(256);
        case 1 -> random.nextInt(65_536);
        case 2 -> random.nextLong(1L << 32);
        default -> random.nextLong(1L << 40);
      };
      text.append(switch (random.nextInt(5)) {
        case 0 -> "0" + Long.toOctalString(value);
        case 1 -> (random.nextBoolean() ? "0x" : "0X") + Long.toHexString(value);
        case 2 -> "00" + value;
        default -> Long.toString(value);
      });
    }
    if (random.nextInt(8) == 0) {
      text.append('.');
    }
    if (random.nextInt(10) == 0) {
      text.insert(0, random.nextBoolean() ? "[::ffff:" : "::").append(random.nextBoolean() ? "]" : "");
    }
    return text.toString();
  }

  // ---- reference inet_aton (BSD/glibc), written independently of the code under test ----

  private static final Pattern HEX = Pattern.compile("0[xX]([0-9a-fA-F]*)");
  private static final Pattern OCTAL = Pattern.compile("0([0-7]*)");
  private static final Pattern DECIMAL = Pattern.compile("[1-9][0-9]*");
  private static final BigInteger TWO_POW_32 = BigInteger.ONE.shiftLeft(32);

  /** The IPv4 address {@code inet_aton} (accepting "0x" as zero, like WHATWG) yields, if any. */
  static Optional<InetAddress> inetAton(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length > 4) {
      return Optional.empty();
    }
    BigInteger[] values = new BigInteger[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = partValue(parts[i]);
      if (values[i] == null) {
        return Optional.empty();
      }
    }
    BigInteger result = BigInteger.ZERO;
    for (int i = 0; i < parts.length - 1; i++) {
      if (values[i].compareTo(BigInteger.valueOf(255)) > 0) {
        return Optional.empty();
      }
      result = result.or(values[i].shiftLeft(24 - 8 * i));
    }
    BigInteger lastLimit = TWO_POW_32.shiftRight(8 * (parts.length - 1));
    if (values[parts.length - 1].compareTo(lastLimit) >= 0) {
      return Optional.empty();
    }
    long address = result.or(values[parts.length - 1]).longValueExact();
    return Optional.of(IpLiterals.fromBytes(new byte[] {
        (byte) (address >> 24), (byte) (address >> 16), (byte) (address >> 8), (byte) address}));
  }

  private static BigInteger partValue(String part) {
    var hex = HEX.matcher(part);
    if (hex.matches()) {
      return hex.group(1).isEmpty() ? BigInteger.ZERO : new BigInteger(hex.group(1), 16);
    }
    var octal = OCTAL.matcher(part);
    if (octal.matches()) {
      return octal.group(1).isEmpty() ? BigInteger.ZERO : new BigInteger(octal.group(1), 8);
    }
    return DECIMAL.matcher(part).matches() ? new BigInteger(part) : null;
  }
}
