package io.cgfed.registry.experiment;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which experiments a list shows and in what order.
 *
 * @param statuses     upper-case statuses to keep (any when null or empty)
 * @param codecs       lower-case codec names to keep (any when null or empty)
 * @param nameContains a case-insensitive part of the name (any when null)
 */
public record ExperimentQuery(List<String> statuses, List<String> codecs, String nameContains, Sort sort,
                              boolean descending) {

    /** The fields a list sorts by; the summary's numbers sort numerically, missing ones last. */
    public enum Sort {
        CREATED_AT("createdAt", "created_at"),
        UPDATED_AT("updatedAt", "updated_at"),
        NAME("name", "lower(name)"),
        STATUS("status", "status"),
        CODEC("codec", "codec"),
        FINAL_ACCURACY("finalAccuracy", number("finalAccuracy")),
        FINAL_EVAL_LOSS("finalEvalLoss", number("finalEvalLoss")),
        UPLOAD_BYTES("uploadBytes", number("uploadBytes"));

        private final String field;
        private final String sql;

        /** A number of the summary; anything else there (absent, null, text) sorts as missing, never fails. */
        private static String number(String key) {
            return "(CASE WHEN jsonb_typeof(summary->'" + key + "') = 'number' THEN (summary->>'" + key
                    + "')::double precision END)";
        }

        Sort(String field, String sql) {
            this.field = field;
            this.sql = sql;
        }

        public String field() {
            return field;
        }

        String sql() {
            return sql;
        }

        /** @throws IllegalArgumentException naming the fields there are */
        public static Sort of(String field) {
            for (Sort s : values()) {
                if (s.field.equalsIgnoreCase(field)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("cannot sort by '" + field + "'; sort by one of " + names());
        }

        public static String names() {
            return Arrays.stream(values()).map(Sort::field).collect(Collectors.joining(", "));
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
