package io.cgfed.core.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One learned-codec row of {@link CodecBench}: a label, the {@code cgae} settings (any key that
 * {@code CgaeSettings.of} reads, so a new architecture plugs in by its {@code architecture} name) and
 * whether the codec is refitted every round ({@code refit=true}: FAF adaptation from the previous
 * round's updates of the training clients).
 */
record CgaeVariant(String label, Map<String, Object> settings, boolean refit) {

    /**
     * Parses {@code "label: key=value, key=value; label: ..."}. Values that read as integers, numbers
     * or booleans become those; anything else stays text. {@code tile} defaults to {@code defaultTile}.
     */
    static List<CgaeVariant> parseAll(String text, int defaultTile) {
        List<CgaeVariant> out = new ArrayList<>();
        for (String entry : text.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("cgae variant '" + entry.strip() + "' needs 'label: key=value, ...'");
            }
            String label = entry.substring(0, colon).strip();
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("tile", defaultTile);
            boolean refit = false;
            for (String pair : entry.substring(colon + 1).split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("cgae variant '" + label + "': '" + pair.strip() + "' is not key=value");
                }
                String key = pair.substring(0, eq).strip();
                Object value = value(pair.substring(eq + 1).strip());
                if (key.equals("refit")) {
                    refit = Boolean.TRUE.equals(value);
                } else {
                    settings.put(key, value);
                }
            }
            out.add(new CgaeVariant(label, Map.copyOf(settings), refit));
        }
        return out;
    }

    static Object value(String text) {
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            // not an integer
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return text;
        }
    }

    String architecture() {
        return (String) settings.getOrDefault("architecture", "linear");
    }
}
