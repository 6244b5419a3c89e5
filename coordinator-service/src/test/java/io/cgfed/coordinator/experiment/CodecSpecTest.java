package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class CodecSpecTest extends CoordinatorApiTestBase {

    @Test
    void baselineCodecsAreAcceptedWithTheirSettingsAndBadSettingsNamed() {
        for (String codec : new String[] {"int8", "topk", "qsgd"}) {
            ObjectNode spec = spec("codec-" + codec);
            ((ObjectNode) spec.get("codec")).put("name", codec);
            assertStatus(post("/api/v1/experiments", spec), 201);
        }
        ObjectNode bad = spec("topk-fraction-2");
        ObjectNode codec = (ObjectNode) bad.get("codec");
        codec.put("name", "topk");
        codec.putObject("settings").put("fraction", 2);
        var problem = assertProblem(post("/api/v1/experiments", bad), 400);
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("codec.settings");
        assertThat(problem.get("detail").asString()).contains("fraction");

        ObjectNode dp = spec("with-privacy");
        ((ObjectNode) dp.get("codec")).putObject("privacy").put("epsilon", 2.0).put("delta", 1e-5).put("clipNorm", 1.0);
        assertStatus(post("/api/v1/experiments", dp), 201);
        ((ObjectNode) dp.get("codec").get("privacy")).put("delta", 2.0);
        assertThat(assertProblem(post("/api/v1/experiments", dp), 400).get("errors").get(0).get("field").asString())
                .isEqualTo("codec.privacy.delta");
    }

    @Test
    void rotqIsAcceptedWithErrorFeedbackOnlyWhenItsScaleIsBiased() {
        ObjectNode mse = spec("rotq-mse-ef");
        ObjectNode codec = (ObjectNode) mse.get("codec");
        codec.put("name", "rotq").put("errorFeedback", true);
        codec.putObject("settings").put("compression", 64);
        assertStatus(post("/api/v1/experiments", mse), 201);

        ObjectNode unbiased = spec("rotq-unbiased-ef");
        codec = (ObjectNode) unbiased.get("codec");
        codec.put("name", "rotq").put("errorFeedback", true);
        codec.putObject("settings").put("compression", 64).put("bias", "unbiased");
        var problem = assertProblem(post("/api/v1/experiments", unbiased), 400);
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("codec.errorFeedback");
        assertThat(problem.get("detail").asString()).contains("unbiased");
        codec.put("errorFeedback", false);
        assertStatus(post("/api/v1/experiments", unbiased), 201);

        ObjectNode bad = spec("rotq-both-budgets");
        codec = (ObjectNode) bad.get("codec");
        codec.put("name", "rotq");
        codec.putObject("settings").put("compression", 64).put("bits", 0.5);
        problem = assertProblem(post("/api/v1/experiments", bad), 400);
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("codec.settings");
        assertThat(problem.get("detail").asString()).contains("bits").contains("compression");
        ((ObjectNode) codec.get("settings")).remove("bits");
        ((ObjectNode) codec.get("settings")).put("blockSiz", 1024);
        assertThat(assertProblem(post("/api/v1/experiments", bad), 400).get("detail").asString()).contains("blockSiz");
    }

    @Test
    void updateNoiseSigmaIsAcceptedKeptInTheSpecAndANegativeOneNamed() {
        ObjectNode noisy = spec("with-noise");
        ((ObjectNode) noisy.get("codec")).put("updateNoiseSigma", 0.05);
        var created = post("/api/v1/experiments", noisy);
        assertStatus(created, 201);
        assertThat(json(created).get("spec").get("codec").get("updateNoiseSigma").asDouble()).isEqualTo(0.05);

        ((ObjectNode) noisy.get("codec")).put("updateNoiseSigma", -0.1);
        assertThat(assertProblem(post("/api/v1/experiments", noisy), 400).get("errors").get(0).get("field").asString())
                .isEqualTo("codec.updateNoiseSigma");
    }
}
