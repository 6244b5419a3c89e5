package io.cgfed.core.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A markdown table whose cells collect one value per seed and print as {@code mean ± std} (sample
 * standard deviation) over the seeds, or the single value for one seed. A row may carry a note
 * instead of values (e.g. why it was skipped).
 */
final class SeedTable {
    private final String title;
    private final List<String> columns;
    private final List<String> formats;
    private final Map<String, Map<String, List<Double>>> rows = new LinkedHashMap<>();
    private final Map<String, String> notes = new LinkedHashMap<>();

    /** {@code columns[i]} is printed with {@code formats[i]} ({@link String#format} of one double). */
    SeedTable(String title, List<String> columns, List<String> formats) {
        if (columns.size() != formats.size()) {
            throw new IllegalArgumentException("one format per column");
        }
        this.title = title;
        this.columns = List.copyOf(columns);
        this.formats = List.copyOf(formats);
    }

    SeedTable add(String row, String column, double value) {
        if (!columns.contains(column)) {
            throw new IllegalArgumentException("no column '" + column + "' in table '" + title + "'");
        }
        rows.computeIfAbsent(row, r -> new LinkedHashMap<>()).computeIfAbsent(column, c -> new ArrayList<>()).add(value);
        return this;
    }

    SeedTable note(String row, String text) {
        rows.computeIfAbsent(row, r -> new LinkedHashMap<>());
        notes.put(row, text);
        return this;
    }

    /** Mean and sample standard deviation (0 for one value) of the finite values; NaN when there are none. */
    static double[] meanStd(List<Double> values) {
        List<Double> v = values.stream().filter(Double::isFinite).toList();
        if (v.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double ss = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
        return new double[] {mean, v.size() < 2 ? 0 : Math.sqrt(ss / (v.size() - 1))};
    }

    String cell(String row, int column) {
        List<Double> values = rows.getOrDefault(row, Map.of()).get(columns.get(column));
        if (values == null || values.isEmpty()) {
            return "";
        }
        String f = formats.get(column);
        double[] ms = meanStd(values);
        if (Double.isNaN(ms[0])) {
            return values.stream().allMatch(v -> v == Double.POSITIVE_INFINITY) ? "inf" : "n/a";
        }
        if (values.size() == 1) {
            return String.format(Locale.ROOT, f, ms[0]);
        }
        return String.format(Locale.ROOT, f, ms[0]) + " ± " + String.format(Locale.ROOT, f, ms[1]);
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("### ").append(title).append("\n\n| |");
        columns.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append("\n|---|");
        columns.forEach(c -> b.append("---:|"));
        b.append('\n');
        for (String row : rows.keySet()) {
            b.append("| ").append(row).append(" |");
            if (notes.containsKey(row) && rows.get(row).isEmpty()) {
                b.append(' ').append(notes.get(row)).append(" |");
                b.append(" |".repeat(columns.size() - 1));
            } else {
                for (int c = 0; c < columns.size(); c++) {
                    b.append(' ').append(cell(row, c)).append(" |");
                }
            }
            b.append('\n');
        }
        notes.forEach((row, text) -> {
            if (!rows.get(row).isEmpty()) {
                b.append("\n").append(row).append(": ").append(text).append('\n');
            }
        });
        return b.toString();
    }
}
