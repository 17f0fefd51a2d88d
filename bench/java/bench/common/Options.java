package bench.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A harness's command line after its command word: {@code --key value}, {@code --key=value}, the harness's flags
 * ({@code --quick}, which take no value) and bare words. A key given twice keeps both values; {@link #get} reads the
 * last, {@link #all} every one.
 */
public final class Options {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Options() {}

    /** Reads {@code args}; {@code flags} names the options that take no value. */
    public static Options parse(String[] args, Set<String> flags) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                o.positional.add(a);
                continue;
            }
            String key = a.substring(2);
            String val;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                val = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (flags.contains(key)) {
                val = "true";
            } else if (i + 1 < args.length) {
                val = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for --" + key);
            }
            o.values.computeIfAbsent(key, k -> new ArrayList<>()).add(val);
        }
        return o;
    }

    /** For harnesses that take no bare words: fails on the first one. */
    public Options withoutPositional() {
        if (!positional.isEmpty()) {
            throw new IllegalArgumentException("unexpected argument: " + positional.get(0));
        }
        return this;
    }

    public List<String> positional() {
        return positional;
    }

    public String get(String key, String def) {
        List<String> v = values.get(key);
        return v == null ? def : v.get(v.size() - 1);
    }

    public String require(String key) {
        String v = get(key, null);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    public long getLong(String key, long def) {
        String v = get(key, null);
        return v == null ? def : Long.parseLong(v);
    }

    public int getInt(String key, int def) {
        String v = get(key, null);
        return v == null ? def : Integer.parseInt(v);
    }

    public double getDouble(String key, double def) {
        String v = get(key, null);
        return v == null ? def : Double.parseDouble(v);
    }

    public List<String> all(String key) {
        return values.getOrDefault(key, List.of());
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }
}
