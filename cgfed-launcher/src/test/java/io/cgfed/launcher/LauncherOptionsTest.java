package io.cgfed.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LauncherOptionsTest {

    @Test
    void demoDefaultsAreThreeClientsThreeRoundsFp16OnFreePorts() {
        LauncherOptions o = LauncherOptions.parse(new String[] {"demo"});
        assertThat(o.clients).isEqualTo(3);
        assertThat(o.rounds).isEqualTo(3);
        assertThat(o.codec).isEqualTo("fp16");
        assertThat(o.portBase).isZero();
    }

    @Test
    void flagsOverrideTheDefaults() {
        LauncherOptions o = LauncherOptions.parse(
                new String[] {"demo", "--codec", "none", "--clients", "5", "--rounds", "2"});
        assertThat(o.codec).isEqualTo("none");
        assertThat(o.clients).isEqualTo(5);
        assertThat(o.rounds).isEqualTo(2);
    }

    @Test
    void errorFeedbackIsAFlagThatReachesTheSpec() {
        LauncherOptions o = LauncherOptions.parse(new String[] {"demo", "--codec", "topk", "--error-feedback"});
        assertThat(o.errorFeedback).isTrue();
        assertThat(DemoRun.demoSpec(o.codec, o.errorFeedback, 3, 3).get("codec"))
                .isEqualTo(java.util.Map.of("name", "topk", "settings", java.util.Map.of(), "errorFeedback", true));
    }

    @Test
    void upUsesFixedPortsFrom8080() {
        assertThat(LauncherOptions.parse(new String[] {"up"}).portBase).isEqualTo(8080);
    }

    @Test
    void badValuesAreRefusedWithTheFlagNamed() {
        assertThatThrownBy(() -> LauncherOptions.parse(new String[] {"demo", "--clients", "zero"}))
                .hasMessageContaining("--clients");
        assertThatThrownBy(() -> LauncherOptions.parse(new String[] {"demo", "--rounds"}))
                .hasMessageContaining("--rounds");
        assertThatThrownBy(() -> LauncherOptions.parse(new String[] {"demo", "--bogus", "1"}))
                .hasMessageContaining("--bogus");
    }

    @Test
    void theDemoSpecIsTheDocumentedOne() {
        var spec = DemoRun.demoSpec("fp16", 3, 3);
        assertThat(spec).containsEntry("clients", 3).containsEntry("rounds", 3).containsEntry("minClients", 3);
        assertThat(spec.get("codec")).isEqualTo(java.util.Map.of("name", "fp16", "settings", java.util.Map.of()));
    }
}
