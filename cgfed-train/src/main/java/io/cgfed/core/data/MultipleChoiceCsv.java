package io.cgfed.core.data;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads multiple-choice benchmark files, one subject per file, the subject taken from the file name
 * without its {@code _dev}, {@code _val} or {@code _test} suffix ({@code computer_network_val.csv}
 * is {@code computer_network}). Two layouts, told apart by the first record:
 * <ul>
 *   <li>C-Eval: a header naming the columns; {@code question}, {@code A}-{@code D} and {@code answer}
 *   are needed, others ({@code id}, {@code explanation}) are ignored;</li>
 *   <li>MMLU: no header, six columns {@code question,A,B,C,D,answer}.</li>
 * </ul>
 * The answer is a letter A-D. Fields follow {@link Csv} (quotes, commas and line breaks inside
 * quotes). Problems are {@link DatasetFormatException}s naming the file and the record's line.
 */
public final class MultipleChoiceCsv {
    private static final List<String> LETTERS = List.of("A", "B", "C", "D");
    private static final int MMLU_COLUMNS = 6;

    private MultipleChoiceCsv() {
    }

    /** The subject a file name stands for: {@code high_school_physics_test.csv} -> {@code high_school_physics}. */
    public static String subjectOf(String fileName) {
        String name = fileName;
        int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        name = name.substring(slash + 1);
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            name = name.substring(0, dot);
        }
        for (String split : List.of("_dev", "_val", "_test")) {
            if (name.endsWith(split) && name.length() > split.length()) {
                return name.substring(0, name.length() - split.length());
            }
        }
        return name;
    }

    public static List<MultipleChoiceQuestion> read(Path file) throws IOException {
        return read(new StringReader(Utf8.read(file)), file.toString());
    }

    /** Every {@code *.csv} file of a directory (not its subdirectories), in file-name order. */
    public static List<MultipleChoiceQuestion> readDirectory(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
        List<MultipleChoiceQuestion> out = new ArrayList<>();
        for (Path f : files) {
            out.addAll(read(f));
        }
        return out;
    }

    /** Reads from {@code reader}; {@code file} names the source in errors and gives the subject. */
    public static List<MultipleChoiceQuestion> read(Reader reader, String file) throws IOException {
        List<Csv.Row> rows = Csv.parse(reader, file);
        String subject = subjectOf(file);
        if (rows.isEmpty()) {
            return List.of();
        }
        Csv.Row first = rows.get(0);
        boolean header = first.fields().stream().anyMatch(f -> f.strip().equalsIgnoreCase("question"));
        int question;
        int answer;
        int[] options = new int[LETTERS.size()];
        int columns;
        if (header) {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < first.size(); i++) {
                index.putIfAbsent(first.get(i).strip().toLowerCase(Locale.ROOT), i);
            }
            question = column(index, "question", first, file);
            answer = index.containsKey("answer") ? index.get("answer") : -1;
            if (answer < 0) {
                // (the header's own words are not quoted: no error message repeats a file's content)
                throw new DatasetFormatException(file, first.line(), "the header has no 'answer' column (C-Eval's "
                        + "test split publishes no answers: use dev or val); it has " + first.size() + " columns");
            }
            for (int o = 0; o < options.length; o++) {
                options[o] = column(index, LETTERS.get(o).toLowerCase(Locale.ROOT), first, file);
            }
            columns = first.size();
        } else {
            question = 0;
            for (int o = 0; o < options.length; o++) {
                options[o] = 1 + o;
            }
            answer = MMLU_COLUMNS - 1;
            columns = MMLU_COLUMNS;
        }
        List<MultipleChoiceQuestion> out = new ArrayList<>(rows.size());
        for (Csv.Row row : header ? rows.subList(1, rows.size()) : rows) {
            if (row.size() != columns) {
                throw new DatasetFormatException(file, row.line(), header
                        ? "expected " + columns + " columns as in the header, found " + row.size()
                        : "expected 6 columns (question,A,B,C,D,answer) as in MMLU, found " + row.size()
                                + (row.size() > 6 ? " (a comma in an unquoted field?)" : ""));
            }
            String q = row.get(question);
            if (q.isBlank()) {
                throw new DatasetFormatException(file, row.line(), "the question is empty");
            }
            List<String> opts = new ArrayList<>(options.length);
            for (int o : options) {
                opts.add(row.get(o));
            }
            out.add(new MultipleChoiceQuestion(subject, q, opts, answerIndex(row.get(answer), file, row.line())));
        }
        return out;
    }

    private static int column(Map<String, Integer> index, String name, Csv.Row header, String file) {
        Integer i = index.get(name);
        if (i == null) {
            throw new DatasetFormatException(file, header.line(), "the header has no '"
                    + (name.length() == 1 ? name.toUpperCase(Locale.ROOT) : name) + "' column (it has " + header.size()
                    + " columns; C-Eval's header is id,question,A,B,C,D,answer)");
        }
        return i;
    }

    private static int answerIndex(String answer, String file, int line) {
        String a = answer.strip();
        if (a.isEmpty()) {
            throw new DatasetFormatException(file, line, "the answer is empty (C-Eval's test split publishes no "
                    + "answers: use dev or val)");
        }
        int i = LETTERS.indexOf(a.toUpperCase(Locale.ROOT));
        if (i < 0) {
            throw new DatasetFormatException(file, line, "the answer (" + a.length() + " characters) is not one of A, B, C, D");
        }
        return i;
    }
}
