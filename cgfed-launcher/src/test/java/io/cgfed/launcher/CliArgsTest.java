package io.cgfed.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher's one option parser, which every command uses. */
class CliArgsTest {
    private static final List<CliArgs.Option> OPTIONS = List.of(CliArgs.value("--rounds", "N", "rounds"),
            CliArgs.value("--set", "KEY=VALUE", "a setting (repeatable)"), CliArgs.flag("--audit", "audit mode"));

    @Test
    void optionsComeBackInOrderFlagsWithoutValuesRepeatsKept() {
        CliArgs.Parsed p = CliArgs.parse(new String[] {"--set", "a=1", "--audit", "--rounds", "3", "--set", "b=2"}, OPTIONS);
        assertThat(p.help()).isFalse();
        assertThat(p.given()).containsExactly(Map.entry("--set", "a=1"), new java.util.AbstractMap.SimpleEntry<>("--audit", null),
                Map.entry("--rounds", "3"), Map.entry("--set", "b=2"));
        assertThat(p.has("--audit")).isTrue();
    }

    @Test
    void anUnknownOptionOrAMissingValueIsAnErrorNamingIt() {
        assertThatThrownBy(() -> CliArgs.parse(new String[] {"--round", "3"}, OPTIONS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --round");
        assertThatThrownBy(() -> CliArgs.parse(new String[] {"--rounds"}, OPTIONS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rounds needs a value (N)");
        assertThatThrownBy(() -> CliArgs.positive("--rounds", "0")).hasMessageContaining("--rounds needs a positive integer");
    }

    @Test
    void helpIsAskedForAndTheUsageListsEveryOption() {
        assertThat(CliArgs.parse(new String[] {"--rounds", "3", "--help"}, OPTIONS).help()).isTrue();
        assertThat(CliArgs.parse(new String[] {"-h"}, OPTIONS).help()).isTrue();
        String usage = CliArgs.usage("demo [options]", OPTIONS);
        assertThat(usage).startsWith("usage: cgfed demo [options]\n").contains("--rounds N", "--set KEY=VALUE", "--audit",
                "--help");
    }
}
