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
}
