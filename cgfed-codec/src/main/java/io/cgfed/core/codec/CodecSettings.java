package io.cgfed.core.codec;

import io.cgfed.core.util.Settings;
import java.util.Map;

/**
 * Typed reads of a codec's free-form settings (from the spec's {@code codec.settings}), with defaults:
 * a missing key gives the fallback, a value of the wrong type or out of range an
 * {@link IllegalArgumentException} that names the key (the coordinator turns it into a 400 on
 * {@code codec.settings}). One place for every codec, learned ones included; the reads themselves are
 * {@link Settings}, which the aggregation strategies share.
 */
public final class CodecSettings {
    private static final String WHAT = "codec setting";

    private CodecSettings() {
    }

    /** An integer in [min, max] (a JSON number with no fraction). */
    public static int integer(Map<String, Object> settings, String key, int fallback, int min, int max) {
        return new Settings(WHAT, settings).integer(key, fallback, min, max);
    }

    /** A number in (0, 1]. */
    public static double fraction(Map<String, Object> settings, String key, double fallback) {
        return new Settings(WHAT, settings).fraction(key, fallback);
    }

    /** A number in [min, max] (NaN refused). */
    public static double number(Map<String, Object> settings, String key, double fallback, double min, double max) {
        return new Settings(WHAT, settings).number(key, fallback, min, max);
    }

    /** A string. */
    public static String text(Map<String, Object> settings, String key, String fallback) {
        return new Settings(WHAT, settings).text(key, fallback);
    }

    /** true or false. */
    public static boolean bool(Map<String, Object> settings, String key, boolean fallback) {
        return new Settings(WHAT, settings).bool(key, fallback);
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
