package io.cgfed.coordinator.experiment;

import io.cgfed.coordinator.CoordinatorApiTestBase;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The hostile probe's specs (issue 15, D and the minor findings): each one is refused at submit with a 400
 * that names its field, and nothing is stored. Before, a spec with 2e9 training examples was accepted and
 * killed the worker that took it; "Infinity" and 1e308 learning rates, 3.5 clients (cut to 3), duplicate
 * LoRA targets, unknown fields and unknown codec settings were accepted.
 */
class HostileSpecTest extends CoordinatorApiTestBase {
    private void refused(String what, String field, Consumer<ObjectNode> change) {
        ObjectNode spec = spec("hostile-" + what);
        change.accept(spec);
        JsonNode problem = assertProblem(post("/api/v1/experiments", spec), 400);
        assertThat(problem.get("errors")).as("%s: %s", what, problem).isNotNull();
        assertThat(problem.get("errors").get(0).get("field").asString()).as("%s: %s", what, problem).isEqualTo(field);
    }

    private static ObjectNode at(ObjectNode spec, String child) {
        return (ObjectNode) spec.get(child);
    }

    @Test
    void everyHostileSpecIsRefusedNamingItsFieldAndNothingIsStored() {
        long before = jdbc.queryForObject("SELECT count(*) FROM experiments", Long.class);
        refused("train-examples", "dataset.trainExamples", s -> at(s, "dataset").put("trainExamples", 2_000_000_000));
        refused("eval-examples", "dataset.evalExamples", s -> at(s, "dataset").put("evalExamples", 50_000_000));
        refused("lr-infinity", "training.learningRate", s -> at(s, "training").put("learningRate", "Infinity"));
        refused("lr-huge", "training.learningRate", s -> at(s, "training").put("learningRate", 1e308));
        refused("lr-string", "training.learningRate", s -> at(s, "training").put("learningRate", "0.01"));
        refused("clients-fraction", "clients", s -> s.put("clients", 3.5));
        refused("steps-fraction", "training.localSteps", s -> at(s, "training").put("localSteps", 2.5));
        refused("duplicate-targets", "lora.targets", s -> at(s, "lora").putArray("targets").add("q").add("q"));
        refused("unknown-top-level", "learningrate", s -> s.put("learningrate", 0.01));
        refused("unknown-nested", "training.lerningRate", s -> at(s, "training").put("lerningRate", 0.01));
        refused("unknown-codec-setting", "codec.settings", s -> at(s, "codec").putObject("settings").put("levels", 8));
        refused("unknown-rotq-setting", "codec.settings", s -> at(s, "codec").put("name", "rotq").putObject("settings")
                .put("bitz", 1));
        refused("weight-decay", "training.weightDecay", s -> at(s, "training").put("weightDecay", 1e300));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM experiments", Long.class)).as("nothing stored")
                .isEqualTo(before);
        // the same spec without the hostile part goes in
        assertStatus(post("/api/v1/experiments", spec("hostile-none")), 201);
    }
}
