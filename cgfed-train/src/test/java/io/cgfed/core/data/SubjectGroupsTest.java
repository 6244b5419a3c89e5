package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SubjectGroupsTest {

    private static Map<String, Long> groupSizes(String benchmark) {
        return SubjectGroups.subjects(benchmark).stream()
                .collect(Collectors.groupingBy(SubjectGroups::groupOf, Collectors.counting()));
    }

    @Test
    void cevalHas52SubjectsInItsFourGroups() {
        assertThat(SubjectGroups.subjects(SubjectGroups.CEVAL)).hasSize(52);
        assertThat(groupSizes(SubjectGroups.CEVAL)).containsOnly(Map.entry("STEM", 20L),
                Map.entry("Social Science", 10L), Map.entry("Humanities", 11L), Map.entry("Other", 11L));
    }

    @Test
    void mmluHas57SubjectsInTheFourGroups() {
        assertThat(SubjectGroups.subjects(SubjectGroups.MMLU)).hasSize(57);
        assertThat(groupSizes(SubjectGroups.MMLU)).containsOnly(Map.entry("STEM", 18L),
                Map.entry("Social Science", 12L), Map.entry("Humanities", 13L), Map.entry("Other", 14L));
    }

    @Test
    void examplesFromBothBenchmarks() {
        assertThat(SubjectGroups.groupOf("computer_network")).isEqualTo("STEM");
        assertThat(SubjectGroups.groupOf("mao_zedong_thought")).isEqualTo("Social Science");
        assertThat(SubjectGroups.groupOf("legal_professional")).isEqualTo("Humanities");
        assertThat(SubjectGroups.groupOf("physician")).isEqualTo("Other");
        assertThat(SubjectGroups.groupOf("abstract_algebra")).isEqualTo("STEM");
        assertThat(SubjectGroups.groupOf("anatomy")).isEqualTo("Other"); // MMLU files anatomy under health
        assertThat(SubjectGroups.groupOf("high_school_us_history")).isEqualTo("Humanities");
        assertThat(SubjectGroups.groupOf("sociology")).isEqualTo("Social Science");
        assertThat(SubjectGroups.groupOf("professional_accounting")).isEqualTo("Other");
        // named by both benchmarks, same group
        assertThat(SubjectGroups.groupOf("high_school_geography")).isEqualTo("Social Science");
        assertThat(SubjectGroups.groupOf("college_physics")).isEqualTo("STEM");
    }

    @Test
    void caseSpacesGroupNamesAndUnknownSubjects() {
        assertThat(SubjectGroups.groupOf("High School Physics")).isEqualTo("STEM");
        assertThat(SubjectGroups.groupOf("social science")).isEqualTo("Social Science");
        assertThat(SubjectGroups.groupOf("Humanities")).isEqualTo("Humanities");
        assertThat(SubjectGroups.groupOf("underwater_basket_weaving")).isEqualTo("Other");
        assertThat(SubjectGroups.isKnown("underwater_basket_weaving")).isFalse();
        assertThat(SubjectGroups.isKnown("virology")).isTrue();
    }

    @Test
    void cevalSubjectsHaveTheirChineseNames() {
        assertThat(SubjectGroups.chineseName("computer_network")).contains("计算机网络");
        assertThat(SubjectGroups.chineseName("abstract_algebra")).isEmpty();
        Set<String> ceval = SubjectGroups.subjects(SubjectGroups.CEVAL);
        assertThat(ceval).allSatisfy(s -> assertThat(SubjectGroups.chineseName(s)).isPresent());
    }
}
