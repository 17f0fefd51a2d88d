package dev.clincher.socketproxy.policy;

import java.util.List;

/**
 * What container and exec creation bodies may ask for; the keys of the {@code --policy} YAML file.
 *
 * <pre>
 * images: ["clincher-sandbox*"]     # sandbox profile: image names allowed at creation (globs)
 * label: clincher.sandbox           # sandbox profile: the label every sandbox must carry
 * allowed_bind_paths: []            # host paths (or parents) allowed as bind-mount sources; default none
 * allowed_volumes: []               # named volumes (globs) allowed in Binds/Mounts; default none
 * allow_root_exec: false            # allow exec as root/0
 * </pre>
 *
 * @param images image name globs the sandbox profile admits
 * @param label the sandbox label
 * @param allowedBindPaths absolute host paths that may be bind-mounted (the path itself or anything under it)
 * @param allowedVolumes named volume globs that may be mounted
 * @param allowRootExec whether exec may run as root ({@code root}, {@code 0})
 */
public record InspectionPolicy(List<String> images, String label, List<String> allowedBindPaths,
    List<String> allowedVolumes, boolean allowRootExec) {

  public static final String DEFAULT_LABEL = "clincher.sandbox";

  public InspectionPolicy {
    images = images == null ? List.of("clincher-sandbox*") : List.copyOf(images);
    label = label == null ? DEFAULT_LABEL : label;
    allowedBindPaths = allowedBindPaths == null ? List.of() : List.copyOf(allowedBindPaths);
    allowedVolumes = allowedVolumes == null ? List.of() : List.copyOf(allowedVolumes);
    if (label.isBlank()) {
      throw new IllegalArgumentException("label must not be blank");
    }
    for (String path : allowedBindPaths) {
      if (!isCleanAbsolutePath(path)) {
        throw new IllegalArgumentException("allowed_bind_paths entries must be clean absolute paths: " + path);
      }
    }
  }

  /** The defaults: images {@code clincher-sandbox*}, label {@code clincher.sandbox}, no binds, no volumes. */
  public static InspectionPolicy defaults() {
    return new InspectionPolicy(null, null, null, null, false);
  }

  public boolean imageAllowed(String image) {
    return images.stream().anyMatch(glob -> new Glob(glob).matches(image));
  }

  public boolean volumeAllowed(String name) {
    return allowedVolumes.stream().anyMatch(glob -> new Glob(glob).matches(name));
  }

  /** Whether a bind source is an allowed path or lies under one; unclean paths never are. */
  public boolean bindPathAllowed(String source) {
    if (!isCleanAbsolutePath(source)) {
      return false;
    }
    return allowedBindPaths.stream().anyMatch(allowed -> source.equals(allowed)
        || source.startsWith(allowed.endsWith("/") ? allowed : allowed + "/"));
  }

  /** Absolute, no empty, {@code .} or {@code ..} segments, no trailing slash (except {@code /} itself). */
  static boolean isCleanAbsolutePath(String path) {
    if (path == null || !path.startsWith("/")) {
      return false;
    }
    if (path.equals("/")) {
      return true;
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }
}
