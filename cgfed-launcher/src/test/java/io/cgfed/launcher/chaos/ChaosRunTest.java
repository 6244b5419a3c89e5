package io.cgfed.launcher.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChaosRunTest {
    @Test
    void aHostilePatchIsLaidOverTheSpecKeepingTheRest() {
        String merged = HostileSpecs.merge("{\"name\":\"x\",\"dataset\":{\"name\":\"demo-mc\",\"trainExamples\":400},\"clients\":2}",
                "{\"dataset\":{\"path\":\"/etc/passwd\"},\"clients\":3.5}");
        assertThat(merged).isEqualTo("{\"name\":\"x\",\"dataset\":{\"name\":\"demo-mc\",\"trainExamples\":400,"
                + "\"path\":\"/etc/passwd\"},\"clients\":3.5}");
    }

    @Test
    void theKillPhaseIsNamedFromTheLatestRoundsStatus() {
        assertThat(KillPhase.of("PENDING", null, null, 0, 0)).isEqualTo("baseline");
        assertThat(KillPhase.of("RUNNING", 0, "EVALUATING", 0, 0)).isEqualTo("baseline");
        assertThat(KillPhase.of("RUNNING", 0, "CLOSED", 0, 0)).isEqualTo("between rounds");
        assertThat(KillPhase.of("RUNNING", 2, "OPEN", 0, 2)).isEqualTo("training");
        assertThat(KillPhase.of("RUNNING", 2, "OPEN", 1, 2)).isEqualTo("upload");
        assertThat(KillPhase.of("RUNNING", 2, "OPEN", 2, 2)).isEqualTo("collection closing");
        assertThat(KillPhase.of("RUNNING", 2, "AGGREGATING", 2, 2)).isEqualTo("aggregation");
        assertThat(KillPhase.of("RUNNING", 2, "EVALUATING", 2, 2)).isEqualTo("evaluation");
        assertThat(KillPhase.of("RUNNING", 1, "TRAINING_CODEC", 0, 2)).isEqualTo("codec training");
        assertThat(KillPhase.of("COMPLETED", 3, "CLOSED", 2, 2)).isEqualTo("after the end");
    }
}
