package io.cgfed.core.codec;

import java.util.Map;

/** Typed reads of a codec's free-form settings (from the spec's {@code codec.settings}), with defaults. */
final class CodecSettings {
    private CodecSettings() {
    }

    static int integer(Map<String, Object> settings, String key, int fallback, int min, int max) {
        Object v = settings.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || n.doubleValue() < min || n.doubleValue() > max) {
            throw new IllegalArgumentException("codec setting '" + key + "' must be an integer in [" + min + ", " + max
                    + "], got " + v);
        }
        return n.intValue();
    }

    static double fraction(Map<String, Object> settings, String key, double fallback) {
        Object v = settings.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > 1) {
            throw new IllegalArgumentException("codec setting '" + key + "' must be a number in (0, 1], got " + v);
        }
        return n.doubleValue();
    }

    static long seed(Map<String, Object> settings) {
        Object v = settings.get("seed");
        if (v == null) {
            return 0;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("codec setting 'seed' must be an integer, got " + v);
        }
        return n.longValue();
    }
}
