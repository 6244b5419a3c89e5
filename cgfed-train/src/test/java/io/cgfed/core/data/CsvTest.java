package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {

    private static List<Csv.Row> parse(String text) throws IOException {
        return Csv.parse(new StringReader(text), "x.csv");
    }

    @Test
    void plainFieldsAndLineEndings() throws IOException {
        List<Csv.Row> rows = parse("a,b,c\r\n1,2,3\n4,,6\r7,8,9");
        assertThat(rows).extracting(Csv.Row::fields).containsExactly(
                List.of("a", "b", "c"), List.of("1", "2", "3"), List.of("4", "", "6"), List.of("7", "8", "9"));
        assertThat(rows).extracting(Csv.Row::line).containsExactly(1, 2, 3, 4);
    }

    @Test
    void quotedFieldsHoldCommasDoubledQuotesAndLineBreaks() throws IOException {
        List<Csv.Row> rows = parse("q,\"a, b\",\"say \"\"hi\"\"\",\"line 1\nline 2\",\"\"\n"
                + "next,row,,,x\n");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).fields()).containsExactly("q", "a, b", "say \"hi\"", "line 1\nline 2", "");
        assertThat(rows.get(1).line()).isEqualTo(3);
        assertThat(rows.get(1).fields()).containsExactly("next", "row", "", "", "x");
    }

    @Test
    void crlfInsideQuotesIsKeptAndCountsOneLine() throws IOException {
        List<Csv.Row> rows = parse("\"a\r\nb\",c\r\nd,e\r\n");
        assertThat(rows.get(0).fields()).containsExactly("a\r\nb", "c");
        assertThat(rows.get(1).line()).isEqualTo(3);
    }

    @Test
    void emptyLinesAreSkippedAndTheBomDropped() throws IOException {
        List<Csv.Row> rows = parse("\uFEFFa,b\n\n\nc,d\n\n");
        assertThat(rows).extracting(Csv.Row::fields).containsExactly(List.of("a", "b"), List.of("c", "d"));
        assertThat(rows).extracting(Csv.Row::line).containsExactly(1, 4);
        assertThat(parse("")).isEmpty();
    }

    @Test
    void aQuoteInsideAnUnquotedFieldIsACharacter() throws IOException {
        assertThat(parse("5'11\" tall,x").get(0).fields()).containsExactly("5'11\" tall", "x");
    }

    @Test
    void anUnclosedQuoteNamesTheLineItOpenedOn() {
        assertThatThrownBy(() -> parse("a,b\nc,\"never\nclosed,d\n"))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessage("x.csv:2: quoted field opened on line 2 is never closed");
    }

    @Test
    void textAfterAClosingQuoteIsAnError() {
        assertThatThrownBy(() -> parse("a,b\n\"x\"y,z\n"))
                .isInstanceOf(DatasetFormatException.class)
                .satisfies(e -> {
                    DatasetFormatException d = (DatasetFormatException) e;
                    assertThat(d.line()).isEqualTo(2);
                    assertThat(d.reason()).startsWith("unexpected character after a closing quote");
                });
    }
}
