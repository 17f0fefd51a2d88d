import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Prepares the service image's jar (run by {@code deploy/images/build} with the JDK's source launcher):
 * {@code java SlimJar.java IN.jar OUT.jar NATIVE_DIR ARCH} with ARCH {@code amd64} or {@code arm64}.
 *
 * <p>The self-contained jar carries native libraries for every platform and their debug symbols (about 400 MB
 * uncompressed). The image needs only its own architecture's, as plain files: the root file system is read-only and
 * {@code /tmp} is {@code noexec}, so a library unpacked at run time could not be loaded. This copies the jar without
 * the native libraries, writes SQLite's, ONNX Runtime's and JNA's for ARCH into NATIVE_DIR (the image points the
 * loaders there with system properties), and keeps only ARCH's tokenizer library in the jar, which the image build
 * unpacks once into the read-only image ({@code ImageSelfTest}).
 */
public final class SlimJar {
  /** Where each loader keeps its libraries in the jar, and the directory of ARCH's own. */
  record Natives(String prefix, String amd64, String arm64, boolean keepInJar) {
    String dir(String arch) {
      return prefix + (arch.equals("amd64") ? amd64 : arm64) + "/";
    }
  }

  static final List<Natives> NATIVES = List.of(
      new Natives("org/sqlite/native/", "Linux/x86_64", "Linux/aarch64", false),
      new Natives("ai/onnxruntime/native/", "linux-x64", "linux-aarch64", false),
      new Natives("com/sun/jna/", "linux-x86-64", "linux-aarch64", false),
      new Natives("native/lib/", "linux-x86_64", "linux-aarch64", true));

  public static void main(String[] args) throws IOException {
    if (args.length != 4 || !List.of("amd64", "arm64").contains(args[3])) {
      System.err.println("usage: java SlimJar.java IN.jar OUT.jar NATIVE_DIR amd64|arm64");
      System.exit(2);
    }
    Path nativeDir = Files.createDirectories(Path.of(args[2]));
    String arch = args[3];
    int extracted = 0;
    int dropped = 0;
    try (ZipFile in = new ZipFile(args[0]);
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(Path.of(args[1])))) {
      for (ZipEntry entry : in.stream().toList()) {
        String name = entry.getName();
        Natives natives = nativesOf(name);
        if (isDebugSymbols(name) || (natives != null && !name.startsWith(natives.dir(arch)))) {
          dropped++;
        } else if (natives == null || natives.keepInJar()) {
          copy(in, entry, out);
        } else if (!entry.isDirectory()) {
          try (InputStream data = in.getInputStream(entry)) {
            Files.copy(data, nativeDir.resolve(name.substring(name.lastIndexOf('/') + 1)));
          }
          extracted++;
        }
      }
    }
    System.out.println("SlimJar: " + extracted + " native libraries to " + nativeDir + ", " + dropped
        + " entries for other platforms or debug symbols dropped");
  }

  private static boolean isDebugSymbols(String name) {
    return name.endsWith(".pdb") || name.contains(".dSYM/");
  }

  /** The loader whose platform directory holds this entry, or null (classes, resources, a loader's own files). */
  private static Natives nativesOf(String name) {
    for (Natives natives : NATIVES) {
      if (name.startsWith(natives.prefix()) && isPlatformDirectory(name.substring(natives.prefix().length()))) {
        return natives;
      }
    }
    return null;
  }

  /** Whether a path below a loader's prefix starts with an operating system's directory (linux-x64, Mac, ...). */
  private static boolean isPlatformDirectory(String rest) {
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      return false;
    }
    String platform = rest.substring(0, slash).toLowerCase(java.util.Locale.ROOT);
    return PLATFORMS.stream().anyMatch(platform::startsWith);
  }

  static final List<String> PLATFORMS = List.of("linux", "win", "mac", "osx", "darwin", "freebsd", "openbsd",
      "netbsd", "dragonfly", "sunos", "aix", "android");

  private static void copy(ZipFile in, ZipEntry entry, ZipOutputStream out) throws IOException {
    ZipEntry copy = new ZipEntry(entry.getName());
    copy.setTime(entry.getTime());
    out.putNextEntry(copy);
    if (!entry.isDirectory()) {
      try (InputStream data = in.getInputStream(entry)) {
        data.transferTo(out);
      }
    }
    out.closeEntry();
  }
}
