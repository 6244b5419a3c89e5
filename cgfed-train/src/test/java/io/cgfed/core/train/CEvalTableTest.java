package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.train.CEvalTable.Column;
import io.cgfed.core.train.CEvalTable.Tally;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CEvalTableTest {

    private static Map<String, Tally> tallies(Object... nameCorrectTotal) {
        Map<String, Tally> m = new LinkedHashMap<>();
        for (int i = 0; i < nameCorrectTotal.length; i += 3) {
            m.put((String) nameCorrectTotal[i], new Tally((Integer) nameCorrectTotal[i + 1], (Integer) nameCorrectTotal[i + 2]));
        }
        return m;
    }

    @Test
    void rowsPerGroupThenBothAverages() {
        // STEM 30/100, Social Science 10/20, Humanities 15/30, Other 40/50
        Column c = new Column("fp16", tallies("STEM", 30, 100, "Social Science", 10, 20, "Humanities", 15, 30,
                "Other", 40, 50));
        assertThat(CEvalTable.markdown(List.of(c))).isEqualTo("""
                | Group | fp16 | Examples |
                | --- | ---: | ---: |
                | STEM | 30.0 | 100 |
                | Social Science | 50.0 | 20 |
                | Humanities | 50.0 | 30 |
                | Other | 80.0 | 50 |
                | Average (examples) | 47.5 | 200 |
                | Average (groups) | 52.5 |  |
                """);
        // over examples: 95/200 = 47.5; over groups: (30 + 50 + 50 + 80) / 4 = 52.5
    }

    @Test
    void subjectsFoldIntoTheirGroupsAndEmptyGroupsShowADash() {
        Column c = new Column("none", tallies("computer_network", 3, 4, "abstract_algebra", 1, 4,
                "high_school_us_history", 2, 2, "underwater_basket_weaving", 0, 0));
        assertThat(CEvalTable.markdown(List.of(c))).isEqualTo("""
                | Group | none | Examples |
                | --- | ---: | ---: |
                | STEM | 50.0 | 8 |
                | Social Science | - | 0 |
                | Humanities | 100.0 | 2 |
                | Other | - | 0 |
                | Average (examples) | 60.0 | 10 |
                | Average (groups) | 75.0 |  |
                """);
    }

    @Test
    void severalColumnsAndCountsOnlyWhenTheyAgree() {
        Column a = new Column("round 0", tallies("STEM", 1, 4, "Other", 1, 4));
        Column b = new Column("round 2", tallies("STEM", 3, 4, "Other", 4, 4));
        String same = CEvalTable.markdown(List.of(a, b));
        assertThat(same).startsWith("| Group | round 0 | round 2 | Examples |\n| --- | ---: | ---: | ---: |\n");
        assertThat(same).contains("| STEM | 25.0 | 75.0 | 4 |\n");
        assertThat(same).contains("| Average (examples) | 25.0 | 87.5 | 8 |\n");

        Column other = new Column("a|b", tallies("STEM", 1, 5, "Other", 1, 4));
        String differ = CEvalTable.markdown(List.of(a, other));
        assertThat(differ).startsWith("| Group | round 0 | a\\|b |\n");
        assertThat(differ).contains("| STEM | 25.0 | 20.0 |\n");
    }

    @Test
    void columnsFromAccuraciesAndCounts() {
        Column c = Column.of("x", Map.of("STEM", 0.75, "Other", 1 / 3.0), Map.of("STEM", 4, "Other", 3));
        assertThat(c.byCategory()).containsEntry("STEM", new Tally(3, 4)).containsEntry("Other", new Tally(1, 3));
        assertThatThrownBy(() -> Column.of("x", Map.of("STEM", 0.5), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STEM");
        assertThatThrownBy(() -> new Tally(3, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CEvalTable.markdown(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tableOfARealEvaluation() {
        LlamaConfig config = ModelCatalog.config("micro-llama");
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V));
        List<MultipleChoiceExample> heldOut = new DemoTask(3).heldOut(40);
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, ModelCatalog.baseWeights("micro-llama", 1), lora)) {
            model.loadAdapter(LoraAdapter.initialise(config, lora, 2));
            Evaluator.EvalResult r = new Evaluator(16).evaluate(model, heldOut);
            assertThat(r.examplesByCategory().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
            assertThat(r.examplesByCategory().keySet()).isEqualTo(r.accuracyByCategory().keySet());
            String table = CEvalTable.markdown(r);
            assertThat(table).contains("| Average (examples) | "
                    + String.format(java.util.Locale.ROOT, "%.1f", 100 * r.accuracy()) + " | 40 |");
            assertThat(table.lines()).hasSize(8);
        }
    }
}
