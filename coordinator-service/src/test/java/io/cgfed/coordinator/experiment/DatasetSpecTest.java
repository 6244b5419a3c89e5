package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
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

        ObjectNode evalPath = spec("eval-path-inside");
        ((ObjectNode) evalPath.get("dataset")).put("name", "multiple-choice").put("path", "/data/ceval/dev")
                .put("evalPath", "/data/ceval/val");
        assertStatus(post("/api/v1/experiments", evalPath), 201);

        ObjectNode share = spec("tgap-too-large");
        ((ObjectNode) share.get("dataset")).put("tgapFraction", 1.0);
        assertThat(assertProblem(post("/api/v1/experiments", share), 400).get("errors").get(0).get("field").asString())
                .isEqualTo("dataset.tgapFraction");
    }

    @Test
    void aFileOutsideTheAllowedRootsIsRefusedAtSubmitNamingTheFieldAndTheRootsNeverItsContent() throws Exception {
        java.nio.file.Path secret = java.nio.file.Files.createTempFile("cgfed-secret-", ".csv");
        java.nio.file.Files.writeString(secret, "4f9c2b7e1a0d8c6f5e3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c\n");
        String[][] hostile = {
                {"path", "/etc/passwd"},
                {"path", "/proc/self/environ"},
                {"path", "../../x"},
                {"path", "/data/../etc/passwd"},
                {"path", secret.toString()},
                {"evalPath", "/etc/shadow"},
        };
        long before = jdbc.queryForObject("SELECT count(*) FROM experiments", Long.class);
        for (String[] h : hostile) {
            ObjectNode spec = spec("hostile-path");
            ((ObjectNode) spec.get("dataset")).put("name", "multiple-choice").put("path", "/data/ceval/dev").put(h[0], h[1]);
            tools.jackson.databind.JsonNode problem = assertProblem(post("/api/v1/experiments", spec), 400);
            assertThat(problem.get("errors").get(0).get("field").asString()).as(h[1]).isEqualTo("dataset." + h[0]);
            assertThat(problem.toString()).as(h[1]).contains(h[1].startsWith("/") ? "outside" : "absolute")
                    .doesNotContain("4f9c2b7e");
            if (h[1].startsWith("/")) {
                assertThat(problem.toString()).contains("/data").contains("CGFED_DATA_ROOTS");
            }
        }
        // a checkpoint outside the model roots is not even opened
        ObjectNode model = spec("hostile-checkpoint");
        ((ObjectNode) model.get("model")).put("name", "/etc");
        assertThat(assertProblem(post("/api/v1/experiments", model), 400).get("errors").get(0).get("field").asString())
                .isEqualTo("model.name");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM experiments", Long.class)).as("nothing stored")
                .isEqualTo(before);
    }
}
