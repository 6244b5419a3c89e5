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

class MultipleChoiceCsvTest {

    private static List<MultipleChoiceQuestion> read(String file, String text) throws IOException {
        return MultipleChoiceCsv.read(new StringReader(text), file);
    }

    private static DatasetFormatException failure(String file, String text) {
        try {
            read(file, text);
        } catch (DatasetFormatException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no DatasetFormatException");
    }

    @Test
    void subjectsComeFromFileNames() {
        assertThat(MultipleChoiceCsv.subjectOf("computer_network_dev.csv")).isEqualTo("computer_network");
        assertThat(MultipleChoiceCsv.subjectOf("data/val/computer_network_val.csv")).isEqualTo("computer_network");
        assertThat(MultipleChoiceCsv.subjectOf("abstract_algebra_test.csv")).isEqualTo("abstract_algebra");
        assertThat(MultipleChoiceCsv.subjectOf("C:\\mmlu\\virology_test.csv")).isEqualTo("virology");
        assertThat(MultipleChoiceCsv.subjectOf("logic.csv")).isEqualTo("logic");
        assertThat(MultipleChoiceCsv.subjectOf("_test.csv")).isEqualTo("_test");
    }

    @Test
    void readsTheCevalLayout() throws IOException {
        List<MultipleChoiceQuestion> qs = read("computer_network_val.csv", """
                id,question,A,B,C,D,answer,explanation
                0,"滑动窗口的作用是____。",流量控制,拥塞控制,路由控制,差错控制,A,"1. 滑动窗口, 流量控制"
                1,"Which layer, if any, routes ""packets""?","transport","network
                (layer 3)",link,physical,b,
                """);
        assertThat(qs).hasSize(2);
        MultipleChoiceQuestion q = qs.get(1);
        assertThat(q.subject()).isEqualTo("computer_network");
        assertThat(q.group()).isEqualTo("STEM");
        assertThat(q.question()).isEqualTo("Which layer, if any, routes \"packets\"?");
        assertThat(q.options()).containsExactly("transport", "network\n(layer 3)", "link", "physical");
        assertThat(q.answer()).isEqualTo(1);
        assertThat(qs.get(0).answerLetter()).isEqualTo('A');

        MultipleChoiceExample ex = q.toExample();
        assertThat(ex.category()).isEqualTo("STEM");
        assertThat(ex.answer()).isEqualTo(1);
        assertThat(ex.numOptions()).isEqualTo(4);
        assertThat(ex.prompt()).isEqualTo("Which layer, if any, routes \"packets\"?\nA. transport\nB. network\n(layer 3)"
                + "\nC. link\nD. physical\nAnswer:");
    }

    @Test
    void headerColumnsMayComeInAnyOrder() throws IOException {
        List<MultipleChoiceQuestion> qs = read("law_dev.csv", "answer,D,C,B,A,question\nD,d,c,b,a,q?\n");
        assertThat(qs.get(0).options()).containsExactly("a", "b", "c", "d");
        assertThat(qs.get(0).answer()).isEqualTo(3);
        assertThat(qs.get(0).group()).isEqualTo("Humanities");
    }

    @Test
    void readsTheMmluLayout() throws IOException {
        List<MultipleChoiceQuestion> qs = read("high_school_us_history_test.csv", """
                "This question refers to the following information.
                ""Give me liberty, or give me death!""
                Who said it?",Patrick Henry,"Washington, George",Jefferson,Adams,A
                Find 2 + 2.,3,4,5,6,B
                """);
        assertThat(qs).hasSize(2);
        assertThat(qs.get(0).question()).isEqualTo(
                "This question refers to the following information.\n\"Give me liberty, or give me death!\"\nWho said it?");
        assertThat(qs.get(0).options()).containsExactly("Patrick Henry", "Washington, George", "Jefferson", "Adams");
        assertThat(qs.get(1).answer()).isEqualTo(1);
        assertThat(qs).allSatisfy(q -> assertThat(q.group()).isEqualTo("Humanities"));
        assertThat(qs.get(1).toExample().prompt()).isEqualTo("Find 2 + 2.\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:");
    }

    @Test
    void unknownSubjectsAreOther() throws IOException {
        assertThat(read("my_quiz_test.csv", "q,a,b,c,d,C\n").get(0).toExample().category()).isEqualTo("Other");
    }

    @Test
    void mmluAndCevalPromptStyles() {
        MultipleChoiceQuestion q = new MultipleChoiceQuestion("abstract_algebra", "Q?", List.of("1", "2", "3", "4"), 0);
        assertThat(q.toExample(MultipleChoicePrompt.MMLU).prompt()).isEqualTo(
                "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
                        + "Q?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer:");
        MultipleChoiceQuestion c = new MultipleChoiceQuestion("computer_network", "问?", List.of("1", "2", "3", "4"), 0);
        assertThat(c.toExample(MultipleChoicePrompt.CEVAL).prompt()).isEqualTo(
                "以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n\n问?\nA. 1\nB. 2\nC. 3\nD. 4\n答案：");
    }

    @Test
    void wrongColumnCountsNameTheRecordsLine() {
        DatasetFormatException mmlu = failure("virology_test.csv", "q,a,b,c,d,A\n\"multi\nline\",a,b,c,d,A\nq,a,b,c,d,e,A\n");
        assertThat(mmlu.file()).isEqualTo("virology_test.csv");
        assertThat(mmlu.line()).isEqualTo(4);
        assertThat(mmlu.reason()).isEqualTo(
                "expected 6 columns (question,A,B,C,D,answer) as in MMLU, found 7 (a comma in an unquoted field?)");
        DatasetFormatException ceval = failure("law_val.csv", "id,question,A,B,C,D,answer\n0,q,a,b,c,d,A\n1,q,a,b,c,A\n");
        assertThat(ceval.line()).isEqualTo(3);
        assertThat(ceval.reason()).isEqualTo("expected 7 columns as in the header, found 6");
    }

    @Test
    void badAnswersAreNamed() {
        DatasetFormatException e = failure("law_val.csv", "id,question,A,B,C,D,answer\n0,q,a,b,c,d,E\n");
        assertThat(e.getMessage()).isEqualTo("law_val.csv:2: the answer (1 characters) is not one of A, B, C, D");
        assertThat(failure("law_test.csv", "id,question,A,B,C,D,answer\n0,q,a,b,c,d,\n").reason())
                .startsWith("the answer is empty");
        assertThat(failure("x_test.csv", "q,a,b,c,d,AB\n").reason()).isEqualTo("the answer (2 characters) is not one of A, B, C, D");
    }

    @Test
    void headerProblemsAreNamed() {
        assertThat(failure("law_test.csv", "id,question,A,B,C,D\n0,q,a,b,c,d\n").reason())
                .startsWith("the header has no 'answer' column");
        assertThat(failure("law_val.csv", "id,question,A,B,D,answer\n0,q,a,b,d,A\n").reason())
                .startsWith("the header has no 'C' column");
        assertThat(failure("law_val.csv", "id,question,A,B,C,D,answer\n0, ,a,b,c,d,A\n").reason())
                .isEqualTo("the question is empty");
    }

    @Test
    void readsFilesAndDirectories(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("virology_test.csv"), "q1,a,b,c,d,A\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("astronomy_test.csv"), "q2,a,b,c,d,B\nq3,a,b,c,d,C\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("notes.txt"), "not a csv", StandardCharsets.UTF_8);
        List<MultipleChoiceQuestion> all = MultipleChoiceCsv.readDirectory(dir);
        assertThat(all).extracting(MultipleChoiceQuestion::subject)
                .containsExactly("astronomy", "astronomy", "virology");
        assertThat(all).extracting(MultipleChoiceQuestion::group).containsExactly("STEM", "STEM", "Other");

        Path bad = dir.resolve("bad_test.csv");
        Files.write(bad, new byte[] {'q', ',', 'a', '\n', 'x', (byte) 0xc3, '(', '\n'});
        assertThatThrownBy(() -> MultipleChoiceCsv.read(bad)).isInstanceOf(DatasetFormatException.class)
                .hasMessage(bad + ":2: not valid UTF-8 (byte offset 5)");
    }
}
