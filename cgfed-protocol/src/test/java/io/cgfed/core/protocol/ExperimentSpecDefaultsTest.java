package io.cgfed.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ExperimentSpecDefaultsTest {

    @Test
    void optionalFieldsGetTheirDocumentedDefaultsFromJsonAndFromCode() {
        ExperimentSpec spec = JsonMapper.builder().build().readValue("""
                {"name":"d","model":{"name":"tiny-llama"},"dataset":{"name":"demo-mc","trainExamples":10,"evalExamples":5},
                 "clients":4,"rounds":2,"training":{"localSteps":3,"batchSize":8,"learningRate":0.01},
                 "lora":{"rank":2,"alpha":4,"targets":["q"]},"codec":{"name":"none"}}""", ExperimentSpec.class);
        assertThat(spec.fractionPerRound()).isEqualTo(1.0);
        assertThat(spec.roundDeadlineSeconds()).isEqualTo(600);
        assertThat(spec.seed()).isZero();
        assertThat(spec.quorum()).isEqualTo(4);
        assertThat(spec.dataset().partition()).isEqualTo("iid");
        ExperimentSpec.Training t = spec.training();
        assertThat(t.microBatchSize()).isEqualTo(8);
        assertThat(t.warmupSteps()).isZero();
        assertThat(t.weightDecay()).isZero();
        assertThat(t.maxGradNorm()).isEqualTo(1.0);
        assertThat(spec.lora().dropout()).isZero();
        ExperimentSpec.Training fromCode = new ExperimentSpec.Training(5, 4, 0.01, null, null, null);
        assertThat(fromCode.warmupSteps()).isZero();
        assertThat(fromCode.microBatchSize()).isEqualTo(4);
        assertThat(fromCode.maxGradNorm()).isEqualTo(1.0);
    }
}
