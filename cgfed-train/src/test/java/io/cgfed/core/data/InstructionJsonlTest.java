package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstructionJsonlTest {

    private static List<InstructionExample> read(String text) throws IOException {
        return InstructionJsonl.read(new StringReader(text), "data.jsonl");
    }

    private static DatasetFormatException failure(String text) {
        try {
            read(text);
        } catch (DatasetFormatException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no DatasetFormatException for: " + text);
    }

    @Test
    void readsAlpacaLines() throws IOException {
        List<InstructionExample> examples = read("""
                {"instruction": "Give three tips for staying healthy.", "input": "", "output": "1. Eat well."}
                {"instruction": "Translate.", "input": "Bonjour", "output": "Hello"}
                """);
        assertThat(examples).containsExactly(
                new InstructionExample(InstructionExample.UNCATEGORIZED, "Give three tips for staying healthy.", "",
                        "1. Eat well."),
                new InstructionExample(InstructionExample.UNCATEGORIZED, "Translate.", "Bonjour", "Hello"));
        assertThat(examples.get(0).hasInput()).isFalse();
        assertThat(examples.get(1).hasInput()).isTrue();
    }

    @Test
    void readsDollyLinesWithContextAsInputAndTheirCategory() throws IOException {
        List<InstructionExample> examples = read("""
                {"instruction": "When did Virgin Australia start operating?", "context": "Virgin Australia commenced services on 31 August 2000.", "response": "On 31 August 2000.", "category": "closed_qa"}
                {"instruction": "Which is a species of fish?", "context": "", "response": "Tope", "category": "classification"}
                """);
        assertThat(examples).extracting(InstructionExample::category).containsExactly("closed_qa", "classification");
        assertThat(examples.get(0).input()).isEqualTo("Virgin Australia commenced services on 31 August 2000.");
        assertThat(examples.get(0).output()).isEqualTo("On 31 August 2000.");
    }

    @Test
    void blankLinesMissingInputAndExtraFieldsAreFine() throws IOException {
        List<InstructionExample> examples = read("\uFEFF\n"
                + "{\"instruction\": \"a\", \"output\": \"b\", \"id\": 7}\n"
                + "   \n\n"
                + "{\"instruction\": \"c\", \"input\": null, \"output\": \"d\"}\n");
        assertThat(examples).extracting(InstructionExample::instruction).containsExactly("a", "c");
        assertThat(examples).extracting(InstructionExample::input).containsExactly("", "");
    }

    @Test
    void keepsUnicodeEscapesAndNewlinesInStrings() throws IOException {
        List<InstructionExample> examples = read("{\"instruction\": \"\\u4f60\\u597d\", \"output\": \"line 1\\nline 2\"}");
        assertThat(examples.get(0).instruction()).isEqualTo("你好");
        assertThat(examples.get(0).output()).isEqualTo("line 1\nline 2");
    }

    @Test
    void readsAJsonArrayAsAlpacaShipsIt() throws IOException {
        List<InstructionExample> examples = read("""
                [
                  {"instruction": "a", "input": "", "output": "b"},
                  {"instruction": "c", "input": "x", "output": "d"}
                ]
                """);
        assertThat(examples).extracting(InstructionExample::output).containsExactly("b", "d");
    }

    @Test
    void emptyInputIsAnEmptyDataset() throws IOException {
        assertThat(read("")).isEmpty();
        assertThat(read("\n  \n")).isEmpty();
    }

    @Test
    void malformedJsonNamesFileAndLine() {
        DatasetFormatException e = failure("""
                {"instruction": "a", "output": "b"}

                {"instruction": "a", "output": "b"
                """);
        assertThat(e.file()).isEqualTo("data.jsonl");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.reason()).startsWith("malformed JSON");
        assertThat(e.getMessage()).startsWith("data.jsonl:3: malformed JSON");
    }

    @Test
    void twoObjectsOnOneLineAreRejected() {
        DatasetFormatException e = failure("{\"instruction\": \"a\", \"output\": \"b\"} {\"instruction\": \"c\", \"output\": \"d\"}");
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.reason()).startsWith("malformed JSON");
    }

    @Test
    void aLineThatIsNotAnObjectIsRejected() {
        DatasetFormatException e = failure("{\"instruction\": \"a\", \"output\": \"b\"}\n\"just a string\"\n");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.reason()).isEqualTo("expected a JSON object, found string");
    }

    @Test
    void missingFieldsAreNamed() {
        assertThat(failure("{\"input\": \"x\", \"output\": \"b\"}").reason()).isEqualTo("missing field 'instruction'");
        assertThat(failure("{\"instruction\": \"a\", \"input\": \"x\"}").reason())
                .startsWith("no 'output' (Alpaca) or 'response' (Dolly) field");
        assertThat(failure("{\"instruction\": \"  \", \"output\": \"b\"}").reason()).isEqualTo("'instruction' is empty");
        assertThat(failure("{\"instruction\": \"a\", \"output\": \"b\", \"response\": \"c\"}").reason())
                .startsWith("both 'output' (Alpaca) and 'response' (Dolly)");
    }

    @Test
    void fieldsOfTheWrongTypeAreNamed() {
        DatasetFormatException e = failure("\n\n{\"instruction\": \"a\", \"output\": 42}");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.reason()).isEqualTo("field 'output' must be a string, found a number");
        assertThat(failure("{\"instruction\": [\"a\"], \"output\": \"b\"}").reason())
                .isEqualTo("field 'instruction' must be a string, found an array");
        assertThat(failure("{\"instruction\": \"a\", \"context\": {}, \"response\": \"b\"}").reason())
                .isEqualTo("field 'context' must be a string, found an object");
    }

    @Test
    void errorsInAJsonArrayNameTheElementsLine() {
        DatasetFormatException e = failure("""
                [
                  {"instruction": "a", "output": "b"},
                  {"instruction": "c"}
                ]
                """);
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.reason()).startsWith("no 'output'");
        DatasetFormatException unclosed = failure("[\n{\"instruction\": \"a\", \"output\": \"b\"},\n");
        assertThat(unclosed.reason()).contains("malformed JSON");
    }

    @Test
    void readsAFileAndNamesItInErrors(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("alpaca.jsonl");
        Files.writeString(good, "{\"instruction\": \"a\", \"output\": \"b\"}\n", StandardCharsets.UTF_8);
        assertThat(InstructionJsonl.read(good)).hasSize(1);

        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}', '\n'});
        assertThatThrownBy(() -> InstructionJsonl.read(bad)).isInstanceOf(DatasetFormatException.class)
                .hasMessage(bad + ":1: not valid UTF-8 (byte offset 6)");
    }
}
