package io.cgfed.core.train;

import io.cgfed.core.data.SubjectGroups;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The C-Eval results table as Markdown: one row per group (STEM, Social Science, Humanities,
 * Other), then two averages, one column per result (a codec, a round, a model), accuracies in
 * percent with one decimal:
 * <ul>
 *   <li><b>Average (examples)</b>: correct answers over all examples, i.e. each group weighted by its
 *   number of examples (the overall accuracy);</li>
 *   <li><b>Average (groups)</b>: the unweighted mean of the group accuracies, over the groups that
 *   have examples.</li>
 * </ul>
 * Categories are mapped to groups with {@link SubjectGroups#groupOf}, so results per subject (e.g.
 * {@code computer_network}) fold into their groups and group names stay themselves. A group without
 * examples shows {@code -}. When every column has the same examples per group, a last column gives
 * those counts.
 */
public final class CEvalTable {
    private CEvalTable() {
    }

    /** Correct answers and examples. */
    public record Tally(int correct, int total) {
        public Tally {
            if (correct < 0 || total < 0 || correct > total) {
                throw new IllegalArgumentException("bad tally " + correct + "/" + total);
            }
        }

        Tally plus(Tally o) {
            return new Tally(correct + o.correct, total + o.total);
        }

        double accuracy() {
            return (double) correct / total;
        }
    }

    /** One result column: its heading and the tallies by category (or subject). */
    public record Column(String name, Map<String, Tally> byCategory) {
        public Column {
            Objects.requireNonNull(name, "name");
            byCategory = Map.copyOf(byCategory);
        }

        /** From an evaluation result. */
        public static Column of(String name, Evaluator.EvalResult result) {
            return of(name, result.accuracyByCategory(), result.examplesByCategory());
        }

        /** From accuracies and example counts by category (correct = accuracy x count, rounded). */
        public static Column of(String name, Map<String, Double> accuracyByCategory, Map<String, Integer> examples) {
            Map<String, Tally> tallies = new LinkedHashMap<>();
            accuracyByCategory.forEach((category, accuracy) -> {
                Integer n = examples.get(category);
                if (n == null) {
                    throw new IllegalArgumentException("no example count for category '" + category + "'");
                }
                tallies.put(category, new Tally((int) Math.round(accuracy * n), n));
            });
            return new Column(name, tallies);
        }

        /** Tallies by group, in {@link SubjectGroups#GROUPS} order (empty groups have total 0). */
        Map<String, Tally> byGroup() {
            Map<String, Tally> out = new LinkedHashMap<>();
            SubjectGroups.GROUPS.forEach(g -> out.put(g, new Tally(0, 0)));
            byCategory.forEach((category, t) -> out.merge(SubjectGroups.groupOf(category), t, Tally::plus));
            return out;
        }

        /** Correct over all examples. */
        double averageOverExamples() {
            Tally all = new Tally(0, 0);
            for (Tally t : byCategory.values()) {
                all = all.plus(t);
            }
            return all.total == 0 ? Double.NaN : all.accuracy();
        }

        /** Mean of the accuracies of the groups that have examples. */
        double averageOverGroups() {
            double sum = 0;
            int groups = 0;
            for (Tally t : byGroup().values()) {
                if (t.total > 0) {
                    sum += t.accuracy();
                    groups++;
                }
            }
            return groups == 0 ? Double.NaN : sum / groups;
        }
    }

    /** A one-column table: "Accuracy (%)" and the examples per group. */
    public static String markdown(Evaluator.EvalResult result) {
        return markdown(List.of(Column.of("Accuracy (%)", result)));
    }

    public static String markdown(List<Column> columns) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("no columns");
        }
        List<Map<String, Tally>> groups = columns.stream().map(Column::byGroup).toList();
        boolean sameCounts = true;
        for (Map<String, Tally> g : groups) {
            for (String group : SubjectGroups.GROUPS) {
                sameCounts &= g.get(group).total() == groups.get(0).get(group).total();
            }
        }
        List<String> header = new ArrayList<>();
        header.add("Group");
        columns.forEach(c -> header.add(c.name()));
        if (sameCounts) {
            header.add("Examples");
        }
        List<List<String>> rows = new ArrayList<>();
        int allExamples = 0;
        for (String group : SubjectGroups.GROUPS) {
            List<String> row = new ArrayList<>();
            row.add(group);
            for (Map<String, Tally> g : groups) {
                Tally t = g.get(group);
                row.add(t.total() == 0 ? "-" : percent(t.accuracy()));
            }
            if (sameCounts) {
                int n = groups.get(0).get(group).total();
                allExamples += n;
                row.add(Integer.toString(n));
            }
            rows.add(row);
        }
        List<String> overExamples = new ArrayList<>(List.of("Average (examples)"));
        List<String> overGroups = new ArrayList<>(List.of("Average (groups)"));
        for (Column c : columns) {
            overExamples.add(percent(c.averageOverExamples()));
            overGroups.add(percent(c.averageOverGroups()));
        }
        if (sameCounts) {
            overExamples.add(Integer.toString(allExamples));
            overGroups.add("");
        }
        rows.add(overExamples);
        rows.add(overGroups);

        StringBuilder sb = new StringBuilder();
        line(sb, header);
        List<String> rule = new ArrayList<>();
        rule.add("---");
        for (int i = 1; i < header.size(); i++) {
            rule.add("---:");
        }
        line(sb, rule);
        rows.forEach(r -> line(sb, r));
        return sb.toString();
    }

    private static String percent(double accuracy) {
        return Double.isNaN(accuracy) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * accuracy);
    }

    private static void line(StringBuilder sb, List<String> cells) {
        sb.append('|');
        for (String c : cells) {
            sb.append(' ').append(c.replace("|", "\\|")).append(" |");
        }
        sb.append('\n');
    }
}
