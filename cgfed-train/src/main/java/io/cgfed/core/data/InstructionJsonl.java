package io.cgfed.core.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads instruction data: JSON Lines (one object per line, blank lines allowed), or, as Alpaca's own
 * {@code alpaca_data.json} is, one JSON array of objects. Each object is either Alpaca's
 * ({@code instruction}, optional {@code input}, {@code output}) or Dolly's ({@code instruction},
 * optional {@code context}, {@code response}, optional {@code category}); other fields are ignored.
 * Anything else is a {@link DatasetFormatException} naming the file and line.
 */
public final class InstructionJsonl {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private InstructionJsonl() {
    }

    public static List<InstructionExample> read(Path file) throws IOException {
        return read(new StringReader(Utf8.read(file)), file.toString());
    }

    /** Reads from {@code reader}; {@code file} names the source in errors. */
    public static List<InstructionExample> read(Reader reader, String file) throws IOException {
        BufferedReader lines = new BufferedReader(reader);
        List<String> text = new ArrayList<>();
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                text.add(text.isEmpty() && line.startsWith("\uFEFF") ? line.substring(1) : line);
            }
        } catch (CharacterCodingException e) {
            throw new DatasetFormatException(file, text.size() + 1, "not valid UTF-8", e);
        }
        for (String line : text) {
            if (!line.isBlank()) {
                return line.stripLeading().startsWith("[") ? readArray(String.join("\n", text), file)
                        : readLines(text, file);
            }
        }
        return List.of();
    }

    private static List<InstructionExample> readLines(List<String> text, String file) {
        List<InstructionExample> out = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JacksonException e) {
                // Jackson's own message quotes the token it stopped at: not repeated (no message quotes a file)
                throw new DatasetFormatException(file, i + 1, "malformed JSON" + column(e.getLocation()), e);
            }
            out.add(example(node, file, i + 1));
        }
        return out;
    }

    private static List<InstructionExample> readArray(String text, String file) {
        List<InstructionExample> out = new ArrayList<>();
        int line = 1;
        try (JsonParser parser = JSON.createParser(new StringReader(text))) {
            parser.nextToken(); // START_ARRAY
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                if (t == null) {
                    throw new DatasetFormatException(file, parser.currentLocation().getLineNr(),
                            "the JSON array is not closed");
                }
                line = parser.currentTokenLocation().getLineNr();
                JsonNode node = parser.readValueAsTree();
                out.add(example(node, file, line));
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw new DatasetFormatException(file, parser.currentTokenLocation().getLineNr(),
                        "unexpected content after the JSON array");
            }
        } catch (JacksonException e) {
            TokenStreamLocation at = e.getLocation();
            throw new DatasetFormatException(file, at == null ? line : at.getLineNr(), "malformed JSON" + column(at), e);
        }
        return out;
    }

    private static InstructionExample example(JsonNode node, String file, int line) {
        if (!node.isObject()) {
            throw new DatasetFormatException(file, line, "expected a JSON object, found " + kind(node));
        }
        boolean alpaca = node.has("output");
        boolean dolly = node.has("response");
        if (alpaca && dolly) {
            throw new DatasetFormatException(file, line,
                    "both 'output' (Alpaca) and 'response' (Dolly): cannot tell which is the answer");
        }
        if (!alpaca && !dolly) {
            throw new DatasetFormatException(file, line,
                    "no 'output' (Alpaca) or 'response' (Dolly) field; fields are " + node.propertyNames());
        }
        String instruction = string(node, "instruction", true, file, line);
        if (instruction.isBlank()) {
            throw new DatasetFormatException(file, line, "'instruction' is empty");
        }
        String input = string(node, alpaca ? "input" : "context", false, file, line);
        String output = string(node, alpaca ? "output" : "response", true, file, line);
        String category = string(node, "category", false, file, line);
        return new InstructionExample(category.isBlank() ? InstructionExample.UNCATEGORIZED : category.strip(),
                instruction, input, output);
    }

    /** A string field; a missing or null optional field is the empty string. */
    private static String string(JsonNode node, String field, boolean required, String file, int line) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new DatasetFormatException(file, line, "missing field '" + field + "'");
            }
            return "";
        }
        if (!v.isString()) {
            throw new DatasetFormatException(file, line, "field '" + field + "' must be a string, found " + kind(v));
        }
        return v.stringValue();
    }

    private static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String column(TokenStreamLocation at) {
        return at == null || at.getColumnNr() <= 0 ? "" : " at column " + at.getColumnNr();
    }

}
