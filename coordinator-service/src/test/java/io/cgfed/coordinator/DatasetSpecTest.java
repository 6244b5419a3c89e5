package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class DatasetSpecTest extends CoordinatorApiTestBase {

    @Test
    void partitionsAndDatasetsAreCheckedNamingTheField() {
        for (String ok : new String[] {"iid", "dirichlet:0.5", "local"}) {
            ObjectNode spec = spec("partition-" + ok);
            ((ObjectNode) spec.get("dataset")).put("partition", ok);
            assertStatus(post("/api/v1/experiments", spec), 201);
        }
        ObjectNode zipf = spec("partition-zipf");
        ((ObjectNode) zipf.get("dataset")).put("partition", "zipf");
        assertThat(assertProblem(post("/api/v1/experiments", zipf), 400).get("errors").get(0).get("field").asString())
                .isEqualTo("dataset.partition");

        ObjectNode csv = spec("csv-without-path");
        ((ObjectNode) csv.get("dataset")).put("name", "multiple-choice");
        assertThat(assertProblem(post("/api/v1/experiments", csv), 400).get("errors").get(0).get("field").asString())
                .isEqualTo("dataset.path");
        ((ObjectNode) csv.get("dataset")).put("path", "/data/ceval/dev").put("tgapFraction", 0.3);
        assertStatus(post("/api/v1/experiments", csv), 201);

        ObjectNode instructions = spec("dolly");
        ((ObjectNode) instructions.get("dataset")).put("name", "instructions").put("partition", "dirichlet:0.5");
        assertThat(assertProblem(post("/api/v1/experiments", instructions), 400).get("errors").get(0).get("field")
                .asString()).isEqualTo("dataset.path");
        ((ObjectNode) instructions.get("dataset")).put("path", "/data/dolly/databricks-dolly-15k.jsonl");
        assertStatus(post("/api/v1/experiments", instructions), 201);

        ObjectNode share = spec("tgap-too-large");
        ((ObjectNode) share.get("dataset")).put("tgapFraction", 1.0);
        assertThat(assertProblem(post("/api/v1/experiments", share), 400).get("errors").get(0).get("field").asString())
                .isEqualTo("dataset.tgapFraction");
    }
}
