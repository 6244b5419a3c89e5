package io.cgfed.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maps a C-Eval or MMLU subject to one of C-Eval's four groups, from the table in
 * {@code subject-groups.csv} beside this class: C-Eval's 52 subjects as C-Eval groups them, MMLU's
 * 57 by MMLU's own categories (STEM, humanities, social sciences, other) under C-Eval's names. The
 * few subjects both benchmarks name (e.g. {@code high_school_physics}) are in the same group in
 * both. A subject the table does not know is in {@link #OTHER}; a group name is its own group.
 */
public final class SubjectGroups {
    public static final String STEM = "STEM";
    public static final String SOCIAL_SCIENCE = "Social Science";
    public static final String HUMANITIES = "Humanities";
    public static final String OTHER = "Other";
    /** The four groups in C-Eval's table order. */
    public static final List<String> GROUPS = List.of(STEM, SOCIAL_SCIENCE, HUMANITIES, OTHER);
    public static final String CEVAL = "ceval";
    public static final String MMLU = "mmlu";

    private static final String RESOURCE = "subject-groups.csv";
    private static final List<Entry> ENTRIES = load();
    private static final Map<String, String> GROUP_OF = new HashMap<>();
    private static final Map<String, String> CHINESE_NAME = new HashMap<>();

    static {
        for (Entry e : ENTRIES) {
            String previous = GROUP_OF.putIfAbsent(e.subject(), e.group());
            if (previous != null && !previous.equals(e.group())) {
                throw new IllegalStateException(RESOURCE + ": " + e.subject() + " is in two groups");
            }
            if (e.benchmark().equals(CEVAL)) {
                CHINESE_NAME.put(e.subject(), e.name());
            }
        }
    }

    private record Entry(String benchmark, String subject, String group, String name) {
    }

    private SubjectGroups() {
    }

    /** The group of {@code subject} (case-insensitive; spaces count as underscores). */
    public static String groupOf(String subject) {
        String key = normalise(subject);
        for (String g : GROUPS) {
            if (normalise(g).equals(key)) {
                return g;
            }
        }
        return GROUP_OF.getOrDefault(key, OTHER);
    }

    public static boolean isKnown(String subject) {
        return GROUP_OF.containsKey(normalise(subject));
    }

    /** The subjects of a benchmark ({@link #CEVAL} or {@link #MMLU}) in table order. */
    public static Set<String> subjects(String benchmark) {
        Set<String> out = new LinkedHashSet<>();
        for (Entry e : ENTRIES) {
            if (e.benchmark().equals(benchmark)) {
                out.add(e.subject());
            }
        }
        return out;
    }

    /** C-Eval's Chinese name of a C-Eval subject, as its prompts use it. */
    public static Optional<String> chineseName(String subject) {
        return Optional.ofNullable(CHINESE_NAME.get(normalise(subject)));
    }

    private static String normalise(String subject) {
        return subject.strip().toLowerCase(Locale.ROOT).replace(' ', '_');
    }

    private static List<Entry> load() {
        List<Entry> entries = new ArrayList<>();
        try (InputStream in = SubjectGroups.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing");
            }
            boolean header = true;
            for (Csv.Row row : Csv.parse(new InputStreamReader(in, StandardCharsets.UTF_8), RESOURCE)) {
                if (row.get(0).startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                if (row.size() != 4 || !GROUPS.contains(row.get(2))) {
                    throw new DatasetFormatException(RESOURCE, row.line(), "expected benchmark,subject,group,name "
                            + "with one of the groups " + GROUPS);
                }
                entries.add(new Entry(row.get(0), normalise(row.get(1)), row.get(2), row.get(3)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(entries);
    }
}
