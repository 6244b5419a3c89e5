package io.cgfed.core.codec;

import java.util.Map;

/**
 * Typed reads of a codec's free-form settings (from the spec's {@code codec.settings}), with defaults:
 * a missing key gives the fallback, a value of the wrong type or out of range an
 * {@link IllegalArgumentException} that names the key (the coordinator turns it into a 400 on
 * {@code codec.settings}). One place for every codec, learned ones included.
 */
public final class CodecSettings {
    private CodecSettings() {
    }

    /** An integer in [min, max] (a JSON number with no fraction). */
    public static int integer(Map<String, Object> settings, String key, int fallback, int min, int max) {
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

    /** A number in (0, 1]. */
    public static double fraction(Map<String, Object> settings, String key, double fallback) {
        Object v = settings.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > 1) {
            throw new IllegalArgumentException("codec setting '" + key + "' must be a number in (0, 1], got " + v);
        }
        return n.doubleValue();
    }

    /** A number in [min, max] (NaN refused). */
    public static double number(Map<String, Object> settings, String key, double fallback, double min, double max) {
        Object v = settings.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() >= min) || n.doubleValue() > max) {
            throw new IllegalArgumentException("codec setting '" + key + "' must be a number in [" + min + ", " + max
                    + "], got " + v);
        }
        return n.doubleValue();
    }

    /** A string. */
    public static String text(Map<String, Object> settings, String key, String fallback) {
        Object v = settings.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String str)) {
            throw new IllegalArgumentException("codec setting '" + key + "' must be a string, got " + v);
        }
        return str;
    }

    /** true or false. */
    public static boolean bool(Map<String, Object> settings, String key, boolean fallback) {
        Object v = settings.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("codec setting '" + key + "' must be true or false, got " + v);
        }
        return b;
    }

    /** {@code seed}: any integer, 0 when absent. */
    public static long seed(Map<String, Object> settings) {
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
