package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** POST /api/v1/experiments: what a spec must satisfy, and what a valid one creates. */
class ExperimentSubmissionTest extends CoordinatorApiTestBase {

    @Test
    void specWithoutRoundsIsRejectedNamingTheField() {
        ObjectNode spec = spec("no-rounds");
        spec.remove("rounds");

        JsonNode p = assertProblem(post("/api/v1/experiments", spec), 400);

        assertThat(p.get("errors")).hasSize(1);
        assertThat(p.get("errors").get(0).get("field").asString()).isEqualTo("rounds");
        assertThat(p.get("errors").get(0).get("message").asString()).isNotBlank();
        assertThat(p.get("detail").asString()).startsWith("rounds:");
        assertNothingStored("no-rounds");
    }

    @Test
    void unknownCodecIsRejectedNamingCodecName() {
        ObjectNode spec = spec("unknown-codec");
        ((ObjectNode) spec.get("codec")).put("name", "zstd-magic");

        JsonNode p = assertProblem(post("/api/v1/experiments", spec), 400);

        assertThat(p.get("errors").get(0).get("field").asString()).isEqualTo("codec.name");
        assertThat(p.get("detail").asString()).contains("zstd-magic").contains("fp16");
        assertNothingStored("unknown-codec");
    }

    @Test
    void minClientsAboveTheClientsSelectedPerRoundIsRejected() {
        ObjectNode spec = spec("quorum-too-high");
        spec.put("clients", 2);
        spec.put("minClients", 3);

        JsonNode p = assertProblem(post("/api/v1/experiments", spec), 400);

        assertThat(p.get("errors").get(0).get("field").asString()).isEqualTo("minClients");
        assertNothingStored("quorum-too-high");
    }

    @Test
    void otherCrossFieldRulesNameTheirField() {
        ObjectNode unknownModel = spec("unknown-model");
        ((ObjectNode) unknownModel.get("model")).put("name", "gpt-17");
        assertThat(assertProblem(post("/api/v1/experiments", unknownModel), 400)
                .get("errors").get(0).get("field").asString()).isEqualTo("model.name");

        ObjectNode badTarget = spec("bad-target");
        ((ObjectNode) badTarget.get("lora")).putArray("targets").add("q").add("lm_head");
        assertThat(assertProblem(post("/api/v1/experiments", badTarget), 400)
                .get("errors").get(0).get("field").asString()).isEqualTo("lora.targets");

        ObjectNode tooFewExamples = spec("too-few-examples");
        ((ObjectNode) tooFewExamples.get("dataset")).put("trainExamples", 1);
        assertThat(assertProblem(post("/api/v1/experiments", tooFewExamples), 400)
                .get("errors").get(0).get("field").asString()).isEqualTo("dataset.trainExamples");
    }

    @Test
    void loraDropoutIsOptionalAndMustBeBelowOne() {
        ObjectNode withDropout = spec("lora-dropout");
        ((ObjectNode) withDropout.get("lora")).put("dropout", 0.1);
        HttpResponse<String> r = post("/api/v1/experiments", withDropout);
        assertStatus(r, 201);
        assertThat(json(r).at("/spec/lora/dropout").asDouble()).isEqualTo(0.1);

        for (double bad : new double[] {1.0, -0.5}) {
            ObjectNode spec = spec("bad-dropout");
            ((ObjectNode) spec.get("lora")).put("dropout", bad);
            JsonNode p = assertProblem(post("/api/v1/experiments", spec), 400);
            assertThat(p.get("errors").get(0).get("field").asString()).as("dropout %s", bad).isEqualTo("lora.dropout");
        }
        assertNothingStored("bad-dropout");
    }

    @Test
    void malformedJsonIsAProblemNotAServerError() {
        HttpResponse<String> r = post("/api/v1/experiments", "{\"name\": \"broken\", \"rounds\": ");

        JsonNode p = assertProblem(r, 400);
        assertThat(p.get("title").asString()).isEqualTo("Invalid request");
        assertNothingStored("broken");
    }

    @Test
    void wrongTypeForAFieldNamesTheField() {
        ObjectNode spec = spec("wrong-type");
        spec.put("rounds", "many");

        JsonNode p = assertProblem(post("/api/v1/experiments", spec), 400);

        assertThat(p.get("errors").get(0).get("field").asString()).isEqualTo("rounds");
    }

    @Test
    void validSpecIsCreatedPendingWithLocation() {
        ObjectNode spec = spec("valid-spec");

        HttpResponse<String> r = post("/api/v1/experiments", spec);

        assertStatus(r, 201);
        JsonNode created = json(r);
        UUID id = UUID.fromString(created.get("id").asString());
        assertThat(r.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).endsWith("/api/v1/experiments/" + id));
        assertThat(created.get("status").asString()).isEqualTo("PENDING");
        assertThat(created.get("name").asString()).isEqualTo("valid-spec");
        assertThat(created.get("rounds").asInt()).isEqualTo(1);
        assertThat(created.get("codec").asString()).isEqualTo("fp16");
        assertThat(created.get("currentRound").asInt()).isZero();
        assertThat(created.get("roundSummaries")).isEmpty();
        assertThat(created.get("adapterVersions")).isEmpty();
        // defaults are filled in and echoed back
        assertThat(created.at("/spec/fractionPerRound").asDouble()).isEqualTo(1.0);
        assertThat(created.at("/spec/roundDeadlineSeconds").asInt()).isEqualTo(600);
        assertThat(created.at("/spec/dataset/partition").asString()).isEqualTo("iid");
        assertThat(created.at("/spec/lora/dropout").asDouble()).isZero();

        // no worker is live (see the base class), so it waits
        sleep(300);
        JsonNode fetched = experiment(id);
        assertThat(fetched.get("status").asString()).isEqualTo("PENDING");
        assertThat(fetched.get("spec")).isEqualTo(created.get("spec"));
        assertThat(fetched.get("startedAt").isNull()).isTrue();
        assertThat(json(get("/api/v1/experiments")).findValuesAsString("id")).contains(id.toString());
    }

    private void assertNothingStored(String name) {
        assertThat(json(get("/api/v1/experiments")).findValuesAsString("name")).doesNotContain(name);
    }
}
