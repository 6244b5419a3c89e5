package io.cgfed.core.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.List;

/**
 * The project's CSV, read and written: a reader after RFC 4180, as pandas and Python's csv module write it: comma-separated fields;
 * a field in double quotes may hold commas, line breaks and doubled quotes ({@code ""} for one
 * {@code "}); records end with LF, CRLF or CR. A quote inside an unquoted field is kept as a
 * character. Empty lines are skipped. A leading UTF-8 byte-order mark is dropped.
 */
public final class Csv {
    private Csv() {
    }

    /** One field as RFC 4180 writes it: quoted when it holds a comma, quote or line break; null is empty. */
    public static String field(String s) {
        if (s == null) {
            return "";
        }
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
                ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /**
     * {@link #field} for a file a person opens in a spreadsheet: a text starting with a formula character
     * ({@code = + - @}) gets a leading {@code '}, so that a name like {@code =HYPERLINK(...)} stays text.
     */
    public static String spreadsheetField(String s) {
        return field(s != null && !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 ? "'" + s : s);
    }

    /** One record and the line it starts on (1-based). */
    public record Row(int line, List<String> fields) {
        public int size() {
            return fields.size();
        }

        public String get(int i) {
            return fields.get(i);
        }
    }

    /**
     * @param file names the source in errors
     * @throws DatasetFormatException for an unclosed quoted field or text after a closing quote
     */
    public static List<Row> parse(Reader reader, String file) throws IOException {
        Parser parser = new Parser(reader, file);
        try {
            return parser.run();
        } catch (CharacterCodingException e) {
            throw new DatasetFormatException(file, parser.line, "not valid UTF-8", e);
        }
    }

    private static final class Parser {
        private final Reader reader;
        private final String file;
        private int line = 1;

        Parser(Reader reader, String file) {
            this.reader = reader instanceof java.io.BufferedReader ? reader : new java.io.BufferedReader(reader);
            this.file = file;
        }

        List<Row> run() throws IOException {
            List<Row> rows = new ArrayList<>();
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            int rowLine = 1;
            int quoteLine = 0;
            boolean inQuotes = false;
            boolean afterQuote = false; // a quoted field just closed: only , or a line end may follow
            boolean fieldStarted = false;
            boolean first = true;
            int c = reader.read();
            while (c != -1) {
                int next = reader.read();
                if (first) {
                    first = false;
                    if (c == '\uFEFF') {
                        c = next;
                        continue;
                    }
                }
                if (inQuotes) {
                    if (c == '"') {
                        if (next == '"') {
                            field.append('"');
                            next = reader.read();
                        } else {
                            inQuotes = false;
                            afterQuote = true;
                        }
                    } else {
                        if (c == '\n' || (c == '\r' && next != '\n')) {
                            line++;
                        }
                        field.append((char) c);
                    }
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                    afterQuote = false;
                    fieldStarted = true;
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r' && next == '\n') {
                        next = reader.read();
                    }
                    if (fieldStarted || !fields.isEmpty() || field.length() > 0 || afterQuote) {
                        fields.add(field.toString());
                        rows.add(new Row(rowLine, List.copyOf(fields)));
                    }
                    fields.clear();
                    field.setLength(0);
                    afterQuote = false;
                    fieldStarted = false;
                    line++;
                    rowLine = line;
                } else if (afterQuote) {
                    throw new DatasetFormatException(file, line, "unexpected character after a closing quote "
                            + "(a quote inside a quoted field is written \"\")");
                } else if (c == '"' && field.length() == 0) {
                    inQuotes = true;
                    fieldStarted = true;
                    quoteLine = line;
                } else {
                    field.append((char) c);
                    fieldStarted = true;
                }
                c = next;
            }
            if (inQuotes) {
                throw new DatasetFormatException(file, quoteLine, "quoted field opened on line " + quoteLine
                        + " is never closed");
            }
            if (fieldStarted || !fields.isEmpty() || field.length() > 0 || afterQuote) {
                fields.add(field.toString());
                rows.add(new Row(rowLine, List.copyOf(fields)));
            }
            return rows;
        }
    }
}
