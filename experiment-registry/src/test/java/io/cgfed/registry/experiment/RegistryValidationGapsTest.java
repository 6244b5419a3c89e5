package io.cgfed.registry.experiment;

import io.cgfed.registry.RegistryHttpTestSupport;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bad requests that must get a 400 problem, never a 500: paging out of range, values PostgreSQL
 * refuses, path variables that do not convert.
 */
class RegistryValidationGapsTest extends RegistryHttpTestSupport {

    @Test
    void anOutOfRangePageIsA400Problem() throws Exception {
        problem(send("GET", "/api/v1/experiments?limit=0", null), 400);
        problem(send("GET", "/api/v1/experiments?limit=5000", null), 400);
        problem(send("GET", "/api/v1/experiments?offset=-1", null), 400);
    }

    @Test
    void aNulCharacterIsA400Problem() throws Exception {
        ObjectNode name = experiment(UUID.randomUUID(), "CREATED", spec(), Map.of());
        name.put("name", "a\u0000b");
        problem(send("POST", "/api/v1/experiments", name), 400);
        ObjectNode spec = experiment(UUID.randomUUID(), "CREATED", Map.of("note", "a\u0000b"), Map.of());
        problem(send("POST", "/api/v1/experiments", spec), 400);
    }

    @Test
    void anOutOfRangeTimestampIsA400Problem() throws Exception {
        ObjectNode e = experiment(UUID.randomUUID(), "CREATED", spec(), Map.of());
        e.put("createdAt", "+300000-01-01T00:00:00Z");
        problem(send("POST", "/api/v1/experiments", e), 400);

        UUID id = created();
        ObjectNode r = round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of());
        r.put("recordedAt", "+300000-01-01T00:00:00Z");
        problem(send("PUT", "/api/v1/experiments/" + id + "/rounds/1", r), 400);
    }

    /** Strict request bodies (issue 15, as at the coordinator): unknown fields, floats as integers, numbers as strings. */
    @Test
    void anUnknownFieldAFloatCountOrANumberAsAStringIsA400NamingTheField() throws Exception {
        ObjectNode e = experiment(UUID.randomUUID(), "CREATED", spec(), Map.of());
        e.put("statsu", "RUNNING");
        assertThat(fields(problem(send("POST", "/api/v1/experiments", e), 400))).containsExactly("statsu");

        UUID id = created();
        ObjectNode r = round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of());
        r.put("uploadBytes", 10.5);
        assertThat(fields(problem(send("PUT", rounds(id, 1), r), 400))).containsExactly("uploadBytes");
        ObjectNode s = round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of());
        s.put("accuracy", "0.5");
        assertThat(fields(problem(send("PUT", rounds(id, 1), s), 400))).containsExactly("accuracy");
        assertThat(send("GET", "/api/v1/experiments/" + id + "/rounds", null).body()).as("nothing stored").isEqualTo("[]");
    }

    @Test
    void anUnconvertiblePathVariableIsA400Problem() throws Exception {
        problem(send("GET", "/api/v1/experiments/not-a-uuid", null), 400);
        UUID id = created();
        problem(send("PUT", "/api/v1/experiments/" + id + "/rounds/abc",
                round(1, 2, 1.0, 1.0, 0.5, 10, 20, 30, Map.of())), 400);
    }
}
