package io.cgfed.worker.task;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TaskTimingsTest {
    @Test
    void theLastTrainingTaskSaysWhereItsTimeWentAndItsTokensPerSecond() {
        TaskTimings t = new TaskTimings();
        assertThat(t.lastTrainTask()).isNull();
        t.trained(new TaskTimings.Train("e1", 3, 4.5, 0.1, 8.0, 2048, 4, 0.2, "float16", true));
        assertThat(t.lastTrainTask()).containsEntry("round", 3).containsEntry("trainTokensPerSecond", 256.0)
                .containsEntry("baseStorage", "float16").containsEntry("activationCheckpointing", true)
                .containsEntry("uploadSeconds", null);
        t.uploaded(0.25);
        assertThat(t.lastTrainTask()).containsEntry("uploadSeconds", 0.25).containsEntry("modelSeconds", 4.5);
        // a new task forgets the last one's upload until its own is sent
        t.trained(new TaskTimings.Train("e1", 4, 0.0, 0.1, 0.0, 0, 1, 0.2, "float32", false));
        assertThat(t.lastTrainTask()).containsEntry("uploadSeconds", null).containsEntry("trainTokensPerSecond", null);
    }
}
