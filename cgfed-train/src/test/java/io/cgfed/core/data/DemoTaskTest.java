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
        // 4 tags x 24 keys x 22^2 fillers: about 2 of 300 held-out prompts collide with the training pool by chance
        assertThat(shared).isLessThan(15);
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
            assertThat(ex.prompt()).matches("(STEM|SOC|HUM|OTH) [E-Z]{2} [a-x]:");
            assertThat(ex.prompt()).startsWith(tagOf.get(ex.category()) + " ");
        }
    }

    @Test
    void eachCategoryAndKeyAlwaysHasTheSameAnswer() {
        Map<String, Integer> answerOf = answerTable(new DemoTask(5));
        assertThat(answerOf).hasSize(4 * 24);
        // each category's column of the hidden table is balanced: six keys per letter
        for (String tag : List.of("STEM", "SOC", "HUM", "OTH")) {
            Map<Integer, Long> letters = answerOf.entrySet().stream().filter(e -> e.getKey().startsWith(tag + " "))
                    .collect(Collectors.groupingBy(Map.Entry::getValue, Collectors.counting()));
            assertThat(letters).as(tag)
                    .containsOnly(Map.entry(0, 6L), Map.entry(1, 6L), Map.entry(2, 6L), Map.entry(3, 6L));
        }
    }

    @Test
    void theAnswerNeedsBothTheCategoryAndTheKey() {
        Map<String, Integer> answerOf = answerTable(new DemoTask(5));
        // the best guess from the key alone (its most frequent answer over the four categories)
        Map<String, Map<Integer, Long>> byKey = answerOf.entrySet().stream().collect(Collectors.groupingBy(
                e -> e.getKey().substring(e.getKey().indexOf(' ') + 1),
                Collectors.groupingBy(Map.Entry::getValue, Collectors.counting())));
        assertThat(byKey).hasSize(24);
        long keyOnlyHits = byKey.values().stream().mapToLong(m -> m.values().stream().max(Long::compare).orElseThrow())
                .sum();
        // some key has different answers under different tags, and the key alone gets at most about half right
        assertThat(byKey.values()).anySatisfy(m -> assertThat(m).hasSizeGreaterThan(1));
        assertThat(keyOnlyHits / 96.0).isLessThan(0.6);
    }

    /** "TAG key" -> answer, read off training and held-out samples; fails if one pair had two answers. */
    private static Map<String, Integer> answerTable(DemoTask task) {
        Map<String, Integer> answerOf = new HashMap<>();
        for (List<MultipleChoiceExample> set : List.of(task.trainingPool(4000), task.heldOut(4000))) {
            for (MultipleChoiceExample ex : set) {
                String p = ex.prompt();
                String pair = p.substring(0, p.indexOf(' ')) + " " + p.charAt(p.length() - 2);
                Integer previous = answerOf.putIfAbsent(pair, ex.answer());
                if (previous != null) {
                    assertThat(ex.answer()).as("answer of %s", pair).isEqualTo(previous);
                }
            }
        }
        return answerOf;
    }
}
