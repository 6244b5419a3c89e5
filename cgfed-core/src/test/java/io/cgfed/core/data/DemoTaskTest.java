package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DemoTaskTest {

    @Test
    void samplesAreDeterministicUnderTheSeed() {
        assertThat(new DemoTask(7).trainingPool(200)).isEqualTo(new DemoTask(7).trainingPool(200));
        assertThat(new DemoTask(7).heldOut(200)).isEqualTo(new DemoTask(7).heldOut(200));
    }

    @Test
    void differentSeedsGiveDifferentTasks() {
        assertThat(new DemoTask(7).trainingPool(200)).isNotEqualTo(new DemoTask(8).trainingPool(200));
    }

    @Test
    void answersAreBalancedOverTheFourLetters() {
        List<MultipleChoiceExample> sample = new DemoTask(3).trainingPool(20_000);
        Map<Character, Long> counts = sample.stream()
                .collect(Collectors.groupingBy(MultipleChoiceExample::answerLetter, Collectors.counting()));
        assertThat(counts).containsOnlyKeys('A', 'B', 'C', 'D');
        for (long c : counts.values()) {
            assertThat(c / 20_000.0).isBetween(0.22, 0.28);
        }
    }

    @Test
    void everyExampleHasFourOptions() {
        for (MultipleChoiceExample ex : new DemoTask(3).trainingPool(500)) {
            assertThat(ex.numOptions()).isEqualTo(4);
            assertThat(ex.answer()).isBetween(0, 3);
        }
    }

    @Test
    void trainingAndHeldOutSamplesDiffer() {
        DemoTask task = new DemoTask(7);
        List<MultipleChoiceExample> train = task.trainingPool(300);
        List<MultipleChoiceExample> heldOut = task.heldOut(300);
        assertThat(heldOut).isNotEqualTo(train);
        Set<String> trainPrompts = train.stream().map(MultipleChoiceExample::prompt).collect(Collectors.toSet());
        long shared = heldOut.stream().filter(e -> trainPrompts.contains(e.prompt())).count();
        // 36 keys x 22^2 fillers: about 5 of 300 held-out prompts collide with the training pool by chance
        assertThat(shared).isLessThan(30);
    }

    @Test
    void categoriesAreTheFourNames() {
        assertThat(DemoTask.CATEGORIES).containsExactly("STEM", "Social Science", "Humanities", "Other");
        Set<String> seen = new HashSet<>();
        new DemoTask(1).trainingPool(1000).forEach(e -> seen.add(e.category()));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(DemoTask.CATEGORIES);
    }

    @Test
    void promptsNameTheirCategoryTwoFillersAndAKey() {
        Map<String, String> tagOf = Map.of("STEM", "STEM", "Social Science", "SOC", "Humanities", "HUM", "Other", "OTH");
        for (MultipleChoiceExample ex : new DemoTask(1).trainingPool(500)) {
            assertThat(ex.prompt()).matches("(STEM|SOC|HUM|OTH) [E-Z]{2} [a-z0-9]:");
            assertThat(ex.prompt()).startsWith(tagOf.get(ex.category()) + " ");
        }
    }

    @Test
    void eachKeyAlwaysHasTheSameAnswer() {
        Map<Character, Integer> answerOfKey = new HashMap<>();
        DemoTask task = new DemoTask(5);
        for (List<MultipleChoiceExample> set : List.of(task.trainingPool(2000), task.heldOut(2000))) {
            for (MultipleChoiceExample ex : set) {
                char key = ex.prompt().charAt(ex.prompt().length() - 2);
                Integer previous = answerOfKey.putIfAbsent(key, ex.answer());
                if (previous != null) {
                    assertThat(ex.answer()).as("answer of key %s", key).isEqualTo(previous);
                }
            }
        }
        assertThat(answerOfKey).hasSize(36);
        // the hidden table is balanced: nine keys per letter
        assertThat(answerOfKey.values().stream().collect(Collectors.groupingBy(a -> a, Collectors.counting())))
                .containsOnly(Map.entry(0, 9L), Map.entry(1, 9L), Map.entry(2, 9L), Map.entry(3, 9L));
    }
}
