package dev.clincher.socketproxy.policy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker API request path, decoded the way Docker's router decodes it and checked to have exactly one reading.
 *
 * <p>Docker matches routes against the percent-decoded path, so {@code /containers%2Fcreate} reaches the create
 * handler. This class decodes each segment once and rejects everything whose meaning could differ between the
 * proxy and Docker: encoded slashes and backslashes, double encoding ({@code %25}), malformed escapes, control and
 * non-ASCII bytes, empty segments ({@code //}, a trailing {@code /}) and dot segments ({@code .}, {@code ..}).
 *
 * @param version the {@code X.Y} of an optional {@code /vX.Y} prefix
 * @param segments the decoded segments after the version prefix
 */
public record ApiPath(Optional<String> version, List<String> segments) {
  /** The oldest API version served: older versions still honour a HostConfig sent with {@code start}. */
  public static final String MIN_VERSION = "1.24";

  private static final Pattern VERSION = Pattern.compile("v(\\d{1,3})\\.(\\d{1,3})");
  private static final int MAX_PATH_LENGTH = 4096;

  public ApiPath {
    segments = List.copyOf(segments);
  }

  /** Parses the path part of an origin-form request target (without the query). */
  public static ApiPath parse(String rawPath) throws PathRejectedException {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      throw new PathRejectedException("the path must start with /");
    }
    if (rawPath.length() > MAX_PATH_LENGTH) {
      throw new PathRejectedException("the path is too long");
    }
    List<String> segments = new ArrayList<>();
    for (String raw : rawPath.substring(1).split("/", -1)) {
      segments.add(decodeSegment(raw));
    }
    Optional<String> version = Optional.empty();
    if (!segments.isEmpty() && looksLikeVersion(segments.getFirst())) {
      version = Optional.of(checkVersion(segments.getFirst()));
      segments.removeFirst();
    }
    return new ApiPath(version, segments);
  }

  /** The path without the version prefix, e.g. {@code /containers/abc/start}. */
  public String path() {
    return "/" + String.join("/", segments);
  }

  /** The path with the version prefix the client used, and {@code segment} replaced at {@code index}. */
  public String withSegment(int index, String replacement) {
    List<String> copy = new ArrayList<>(segments);
    copy.set(index, replacement);
    return new ApiPath(version, copy).toString();
  }

  /** The path as it is forwarded: version prefix and decoded segments (which never need re-encoding). */
  @Override
  public String toString() {
    return version.map(v -> "/v" + v).orElse("") + path();
  }

  private static boolean looksLikeVersion(String segment) {
    return segment.length() > 1 && segment.charAt(0) == 'v'
        && (Character.isDigit(segment.charAt(1)) || segment.charAt(1) == '.');
  }

  private static String checkVersion(String segment) throws PathRejectedException {
    Matcher matcher = VERSION.matcher(segment);
    if (!matcher.matches()) {
      throw new PathRejectedException("the API version prefix must look like /v1.41");
    }
    int major = Integer.parseInt(matcher.group(1));
    int minor = Integer.parseInt(matcher.group(2));
    if (major < 1 || (major == 1 && minor < 24)) {
      throw new PathRejectedException("API versions below " + MIN_VERSION + " are not served");
    }
    return major + "." + minor;
  }

  private static String decodeSegment(String raw) throws PathRejectedException {
    if (raw.isEmpty()) {
      throw new PathRejectedException("empty path segment (// or a trailing /)");
    }
    String decoded = percentDecode(raw);
    if (decoded.equals(".") || decoded.equals("..")) {
      throw new PathRejectedException("dot segments are not allowed");
    }
    return decoded;
  }

  private static String percentDecode(String raw) throws PathRejectedException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw new PathRejectedException("malformed percent-encoding");
        }
        int value = hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2));
        checkDecodedByte(value);
        out.write(value);
        i += 2;
      } else {
        checkPlainChar(c);
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private static void checkDecodedByte(int value) throws PathRejectedException {
    if (value == '/' || value == '\\') {
      throw new PathRejectedException("encoded slashes are not allowed");
    }
    if (value == '%') {
      throw new PathRejectedException("double percent-encoding is not allowed");
    }
    checkPlainChar((char) value);
  }

  private static void checkPlainChar(char c) throws PathRejectedException {
    if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '#' || c == '?') {
      throw new PathRejectedException("control, space, non-ASCII, backslash, ? or # in the path");
    }
  }

  private static int hex(char c) throws PathRejectedException {
    int digit = Character.digit(c, 16);
    if (digit < 0) {
      throw new PathRejectedException("malformed percent-encoding");
    }
    return digit;
  }
}
