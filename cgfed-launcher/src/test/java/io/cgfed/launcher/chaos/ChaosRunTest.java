package io.cgfed.launcher.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChaosRunTest {
    @Test
    void aHostilePatchIsLaidOverTheSpecKeepingTheRest() {
        String merged = ChaosRun.merge("{\"name\":\"x\",\"dataset\":{\"name\":\"demo-mc\",\"trainExamples\":400},\"clients\":2}",
                "{\"dataset\":{\"path\":\"/etc/passwd\"},\"clients\":3.5}");
        assertThat(merged).isEqualTo("{\"name\":\"x\",\"dataset\":{\"name\":\"demo-mc\",\"trainExamples\":400,"
                + "\"path\":\"/etc/passwd\"},\"clients\":3.5}");
    }

    @Test
    void theKillPhaseIsNamedFromTheLatestRoundsStatus() {
        assertThat(ChaosRun.phase("PENDING", null, null, 0, 0)).isEqualTo("baseline");
        assertThat(ChaosRun.phase("RUNNING", 0, "EVALUATING", 0, 0)).isEqualTo("baseline");
        assertThat(ChaosRun.phase("RUNNING", 0, "CLOSED", 0, 0)).isEqualTo("between rounds");
        assertThat(ChaosRun.phase("RUNNING", 2, "OPEN", 0, 2)).isEqualTo("training");
        assertThat(ChaosRun.phase("RUNNING", 2, "OPEN", 1, 2)).isEqualTo("upload");
        assertThat(ChaosRun.phase("RUNNING", 2, "OPEN", 2, 2)).isEqualTo("collection closing");
        assertThat(ChaosRun.phase("RUNNING", 2, "AGGREGATING", 2, 2)).isEqualTo("aggregation");
        assertThat(ChaosRun.phase("RUNNING", 2, "EVALUATING", 2, 2)).isEqualTo("evaluation");
        assertThat(ChaosRun.phase("RUNNING", 1, "TRAINING_CODEC", 0, 2)).isEqualTo("codec training");
        assertThat(ChaosRun.phase("COMPLETED", 3, "CLOSED", 2, 2)).isEqualTo("after the end");
    }
}
