package io.cgfed.core.util;

import java.util.Map;

/**
 * Typed reads of a free-form settings map from a spec (a codec's {@code codec.settings}, a strategy's
 * {@code aggregation.settings}), with defaults: a missing key gives the fallback, a value of the wrong type
 * or out of range an {@link IllegalArgumentException} that names the key (the coordinator turns it into a
 * 400 on the field). {@code what} names the settings in the message, e.g. "codec setting".
 */
public record Settings(String what, Map<String, Object> values) {
    public Settings {
        values = values == null ? Map.of() : values;
    }

    /** An integer in [min, max] (a JSON number with no fraction). */
    public int integer(String key, int fallback, int min, int max) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || n.doubleValue() < min || n.doubleValue() > max) {
            throw new IllegalArgumentException(what + " '" + key + "' must be an integer in [" + min + ", " + max
                    + "], got " + v);
        }
        return n.intValue();
    }

    /** A number in (0, 1]. */
    public double fraction(String key, double fallback) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > 1) {
            throw new IllegalArgumentException(what + " '" + key + "' must be a number in (0, 1], got " + v);
        }
        return n.doubleValue();
    }

    /** A number in [min, max] (NaN refused). */
    public double number(String key, double fallback, double min, double max) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() >= min) || n.doubleValue() > max) {
            throw new IllegalArgumentException(what + " '" + key + "' must be a number in [" + min + ", " + max
                    + "], got " + v);
        }
        return n.doubleValue();
    }

    /** A number in [min, max) (NaN refused): a decay rate below 1, a trimmed share below one half. */
    public double below(String key, double fallback, double min, double maxExclusive) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() >= min) || !(n.doubleValue() < maxExclusive)) {
            throw new IllegalArgumentException(what + " '" + key + "' must be a number in [" + min + ", "
                    + maxExclusive + "), got " + v);
        }
        return n.doubleValue();
    }

    /** A positive number no larger than max. */
    public double positive(String key, double fallback, double max) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > max) {
            throw new IllegalArgumentException(what + " '" + key + "' must be a number in (0, " + max + "], got " + v);
        }
        return n.doubleValue();
    }

    /** A string. */
    public String text(String key, String fallback) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String str)) {
            throw new IllegalArgumentException(what + " '" + key + "' must be a string, got " + v);
        }
        return str;
    }

    /** true or false. */
    public boolean bool(String key, boolean fallback) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException(what + " '" + key + "' must be true or false, got " + v);
        }
        return b;
    }
}
