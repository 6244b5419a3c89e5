package io.cgfed.coordinator.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The spec's {@code aggregation}: refused at submit with the field named, listed at /api/v1/strategies. */
class StrategySpecTest extends CoordinatorApiTestBase {
    private void assertRefused(ObjectNode aggregation, String field, String reason) {
        ObjectNode spec = spec("bad-strategy");
        spec.set("aggregation", aggregation);
        JsonNode problem = assertProblem(post("/api/v1/experiments", spec), 400);
        assertThat(problem.toString()).contains(field).contains(reason);
    }

    @Test
    void anUnknownStrategySettingValueOrTooSmallAQuorumIsA400NamingTheField() {
        assertRefused(JSON.createObjectNode().put("name", "fedsgd"), "aggregation.name", "unknown strategy 'fedsgd'");
        ObjectNode unknown = JSON.createObjectNode().put("name", "fedadam");
        unknown.putObject("settings").put("lr", 0.1);
        assertRefused(unknown, "aggregation.settings", "unknown setting 'lr'");
        ObjectNode range = JSON.createObjectNode().put("name", "fedyogi");
        range.putObject("settings").put("beta2", 1.0);
        assertRefused(range, "aggregation.settings", "beta2");
        // two clients, quorum two: Krum with f = 1 needs 2f + 3 = 5 updates a round
        ObjectNode krum = JSON.createObjectNode().put("name", "krum");
        krum.putObject("settings").put("byzantine", 1);
        assertRefused(krum, "aggregation.settings", "at least 5 updates");
        assertThat(json(get("/api/v1/experiments")).toString()).doesNotContain("bad-strategy");
    }

    @Test
    void anUnknownLoraVariantAndLoraSvdOverFfaAreRefused() {
        ObjectNode variant = spec("bad-variant");
        ((ObjectNode) variant.get("lora")).put("variant", "dora");
        assertThat(assertProblem(post("/api/v1/experiments", variant), 400).toString())
                .contains("lora.variant").contains("unknown variant 'dora'");
        ObjectNode both = spec("bad-svd-ffa");
        ((ObjectNode) both.get("lora")).put("variant", "ffa");
        both.putObject("aggregation").put("name", "lora-svd");
        assertThat(assertProblem(post("/api/v1/experiments", both), 400).toString())
                .contains("aggregation.name").contains("ffa");
        ObjectNode svd = JSON.createObjectNode().put("name", "lora-svd");
        svd.putObject("settings").put("powerIterations", 11);
        assertRefused(svd, "aggregation.settings", "powerIterations");
    }

    @Test
    void theCatalogueListsEveryStrategyWithItsDefaults() {
        JsonNode all = json(get("/api/v1/strategies"));
        List<String> names = new ArrayList<>();
        all.forEach(s -> names.add(s.get("name").asString()));
        assertThat(names).containsExactly("fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "median",
                "trimmed-mean", "krum", "multi-krum", "lora-svd");
        JsonNode adam = all.get(2);
        assertThat(adam.get("defaults").get("serverLearningRate").asDouble()).isEqualTo(0.1);
        assertThat(adam.get("serverOptimizer").asString()).isEqualTo("adam");
        assertThat(adam.get("streaming").asBoolean()).isTrue();
        JsonNode krum = all.get(7);
        assertThat(krum.get("streaming").asBoolean()).isFalse();
        assertThat(krum.get("minUpdatesByDefault").asInt()).isEqualTo(5);
    }
}
