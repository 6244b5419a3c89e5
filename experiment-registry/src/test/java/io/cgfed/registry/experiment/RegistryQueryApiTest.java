package io.cgfed.registry.experiment;

import io.cgfed.registry.RegistryHttpTestSupport;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Filtering, sorting and paging the list; per-client rows of a round; comparing experiments; the OpenAPI document. */
class RegistryQueryApiTest extends RegistryHttpTestSupport {

    /** Posts an experiment with its own name tag, codec and status, and rounds 0..n with the given accuracies. */
    UUID run(String tag, String codec, String status, double... accuracies) throws Exception {
        UUID id = UUID.randomUUID();
        ObjectNode e = experiment(id, status, spec(), Map.of("finalAccuracy", accuracies[accuracies.length - 1]));
        e.put("name", tag + "-" + codec);
        e.put("codec", codec);
        assertThat(send("POST", "/api/v1/experiments", e).statusCode()).isEqualTo(200);
        for (int r = 0; r < accuracies.length; r++) {
            List<Map<String, Object>> clients = new ArrayList<>();
            if (r > 0) {
                for (int c = 1; c >= 0; c--) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("client", c);
                    row.put("samples", 100 + c);
                    row.put("wireBytes", 500);
                    row.put("rawBytes", 1000);
                    row.put("trainLoss", 1.5 - c * 0.1);
                    row.put("cosine", 0.9 + c * 0.05);
                    row.put("relativeL2Error", 0.1);
                    row.put("snrDb", 20.0 + c);
                    row.put("deltaWCosine", 0.8 + c * 0.1);
                    row.put("deltaWSnrDb", 4.0 + c);
                    row.put("trainMs", 123.0);
                    clients.add(row);
                }
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("clients", clients);
            assertThat(send("PUT", rounds(id, r), round(r, clients.size(), r == 0 ? null : 1.0, 2.0 - r * 0.1,
                    accuracies[r], r == 0 ? 0 : 1000, r == 0 ? 0 : 2000, 10, metrics)).statusCode()).isEqualTo(204);
        }
        return id;
    }

    static Map<String, Object> fields(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    static List<String> names(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).forEach(e -> out.add(e.path("name").asString()));
        return out;
    }

    @Test
    void filtersSortsAndPages() throws Exception {
        String tag = "q" + UUID.randomUUID().toString().substring(0, 8);
        run(tag, "fp16", "COMPLETED", 0.25, 0.5);
        run(tag, "int8", "RUNNING", 0.25, 0.7);
        run(tag, "topk", "COMPLETED", 0.25, 0.6);

        assertThat(names(send("GET", "/api/v1/experiments?name=" + tag.toUpperCase() + "&sort=name", null)))
                .containsExactly(tag + "-fp16", tag + "-int8", tag + "-topk");
        assertThat(names(send("GET", "/api/v1/experiments?name=" + tag + "&status=completed", null)))
                .containsExactlyInAnyOrder(tag + "-fp16", tag + "-topk");
        assertThat(names(send("GET", "/api/v1/experiments?name=" + tag + "&codec=INT8,topk&sort=name&order=desc", null)))
                .containsExactly(tag + "-topk", tag + "-int8");
        assertThat(names(send("GET", "/api/v1/experiments?name=" + tag + "&sort=finalAccuracy", null)))
                .containsExactly(tag + "-int8", tag + "-topk", tag + "-fp16");
        HttpResponse<String> page = send("GET", "/api/v1/experiments?name=" + tag + "&sort=finalAccuracy&order=asc"
                + "&limit=1&offset=1", null);
        assertThat(names(page)).containsExactly(tag + "-topk");
        assertThat(page.headers().firstValue("X-Total-Count")).hasValue("3");
        assertThat(names(send("GET", "/api/v1/experiments?name=" + tag + "&status=FAILED", null))).isEmpty();
        // a summary whose number is not one sorts last instead of failing the list
        ObjectNode odd = experiment(UUID.randomUUID(), "FAILED", spec(), Map.of("finalAccuracy", "n/a"));
        odd.put("name", tag + "-odd");
        assertThat(send("POST", "/api/v1/experiments", odd).statusCode()).isEqualTo(200);
        assertThat(names(send("GET", "/api/v1/experiments?name=" + tag + "&sort=finalAccuracy", null)))
                .containsExactly(tag + "-int8", tag + "-topk", tag + "-fp16", tag + "-odd");
    }

    @Test
    void badListParametersAre400ProblemsNamingTheParameter() throws Exception {
        JsonNode sort = problem(send("GET", "/api/v1/experiments?sort=colour", null), 400);
        assertThat(sort.path("detail").asString()).contains("colour").contains("finalAccuracy");
        assertThat(fields(sort)).contains("sort");
        assertThat(fields(problem(send("GET", "/api/v1/experiments?order=up", null), 400))).contains("order");
        assertThat(fields(problem(send("GET", "/api/v1/experiments?status=RUN%27NING", null), 400))).contains("status");
        assertThat(fields(problem(send("GET", "/api/v1/experiments?codec=,", null), 400))).contains("codec");
        assertThat(fields(problem(send("GET", "/api/v1/experiments?name=" + "x".repeat(201), null), 400))).contains("name");
        problem(send("GET", "/api/v1/experiments?limit=abc", null), 400);
    }

    @Test
    void roundsExposeClientRowsInAStableShape() throws Exception {
        UUID id = run("rows" + UUID.randomUUID(), "fp16", "RUNNING", 0.25, 0.5);

        JsonNode rounds = JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/rounds", null).body());
        JsonNode r0 = rounds.get(0);
        assertThat(r0.path("clientRows").isArray()).isTrue();
        assertThat(r0.path("clientRows")).isEmpty();
        assertThat(r0.has("meanCosine")).isTrue();
        assertThat(r0.path("meanCosine").isNull()).isTrue();
        assertThat(r0.path("ratioToFp32").isNull()).isTrue();
        JsonNode r1 = rounds.get(1);
        assertThat(r1.path("ratioToFp32").asDouble()).isEqualTo(0.5);
        assertThat(r1.path("meanCosine").asDouble()).isCloseTo(0.925, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r1.path("meanSnrDb").asDouble()).isEqualTo(20.5);
        assertThat(r1.path("meanDeltaWCosine").asDouble()).isCloseTo(0.85, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r1.path("meanDeltaWSnrDb").asDouble()).isEqualTo(4.5);
        JsonNode rows = r1.path("clientRows");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).propertyNames()).containsExactly("client", "outcome", "reason", "worker", "samples",
                "localLoss", "uploadBytes", "rawBytes", "cosine", "snrDb", "relativeL2Error", "deltaWCosine", "deltaWSnrDb",
                "trainMs", "timeMs", "tasks");
        assertThat(rows.get(0).path("outcome").asString()).as("a record from before outcomes: it uploaded")
                .isEqualTo("ON_TIME");
        assertThat(r1.path("phases").propertyNames()).containsExactly("collectingMs", "aggregationMs",
                "codecTrainingMs", "evaluationMs", "totalMs");
        assertThat(r1.path("categoryAccuracy").isNull()).isTrue();
        assertThat(rows.get(0).path("client").asInt()).isZero();
        assertThat(rows.get(0).path("samples").asLong()).isEqualTo(100);
        assertThat(rows.get(0).path("localLoss").asDouble()).isEqualTo(1.5);
        assertThat(rows.get(0).path("uploadBytes").asLong()).isEqualTo(500);
        assertThat(rows.get(1).path("cosine").asDouble()).isCloseTo(0.95, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(rows.get(1).path("snrDb").asDouble()).isEqualTo(21.0);
        assertThat(r1.path("metrics").path("clients")).hasSize(2);
    }

    @Test
    void roundsExposePhasesClientOutcomesAndAccuracyByCEvalGroup() throws Exception {
        UUID id = UUID.randomUUID();
        assertThat(send("POST", "/api/v1/experiments", experiment(id, "COMPLETED", spec(), Map.of())).statusCode())
                .isEqualTo(200);
        Map<String, Object> metrics = new LinkedHashMap<>();
        String worker = UUID.randomUUID().toString();
        metrics.put("clients", List.of(
                fields("client", 2, "outcome", "FAILED", "reason", "task failed: CUDA out of memory", "worker", worker,
                        "tasks", 1),
                fields("client", 0, "outcome", "ON_TIME", "worker", worker, "samples", 30, "trainLoss", 1.25,
                        "wireBytes", 400, "rawBytes", 1600, "cosine", 0.99, "snrDb", 30.0, "timeMs", 850, "tasks", 1),
                fields("client", 1, "outcome", "LATE", "reason", "its task was handed to another worker (2 tasks)",
                        "worker", worker, "samples", 20, "trainLoss", 1.5, "wireBytes", 400, "rawBytes", 1600,
                        "cosine", 0.97, "snrDb", 28.0, "timeMs", 65000, "tasks", 2),
                fields("client", 3, "outcome", "LATE", "reason", "uploaded after the round had closed for it",
                        "worker", worker, "timeMs", 70000, "tasks", 1)));
        Map<String, Object> phases = new LinkedHashMap<>();
        phases.put("collectingMs", 1200);
        phases.put("aggregationMs", 80);
        phases.put("codecTrainingMs", 450);
        phases.put("evaluationMs", 300);
        phases.put("totalMs", 2100);
        metrics.put("phases", phases);
        // subjects fold into their C-Eval groups; group names stay themselves
        metrics.put("accuracyByCategory", Map.of("computer_network", 0.5, "STEM", 1.0, "high_school_history", 0.25,
                "Social Science", 0.75));
        metrics.put("examplesByCategory", Map.of("computer_network", 10, "STEM", 10, "high_school_history", 4,
                "Social Science", 8));
        assertThat(send("PUT", rounds(id, 1), round(1, 2, 1.35, 1.9, 0.6875, 800, 3200, 2100, metrics)).statusCode())
                .isEqualTo(204);

        JsonNode r1 = JSON.readTree(send("GET", "/api/v1/experiments/" + id + "/rounds", null).body()).get(0);
        JsonNode p = r1.path("phases");
        assertThat(p.path("collectingMs").asLong()).isEqualTo(1200);
        assertThat(p.path("aggregationMs").asLong()).isEqualTo(80);
        assertThat(p.path("codecTrainingMs").asLong()).isEqualTo(450);
        assertThat(p.path("evaluationMs").asLong()).isEqualTo(300);
        assertThat(p.path("totalMs").asLong()).isEqualTo(2100);
        assertThat(r1.path("outcomes").path("onTime").asInt()).isEqualTo(1);
        assertThat(r1.path("outcomes").path("late").asInt()).isEqualTo(2);
        assertThat(r1.path("outcomes").path("failed").asInt()).isEqualTo(1);
        JsonNode rows = r1.path("clientRows");
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0).path("outcome").asString()).isEqualTo("ON_TIME");
        assertThat(rows.get(0).path("timeMs").asLong()).isEqualTo(850);
        assertThat(rows.get(1).path("outcome").asString()).isEqualTo("LATE");
        assertThat(rows.get(1).path("tasks").asInt()).isEqualTo(2);
        assertThat(rows.get(2).path("outcome").asString()).isEqualTo("FAILED");
        assertThat(rows.get(2).path("reason").asString()).contains("CUDA out of memory");
        assertThat(rows.get(2).path("samples").isNull()).isTrue();
        assertThat(rows.get(3).path("worker").asString()).isEqualTo(worker);
        // the means are over the clients that sent a reconstruction
        assertThat(r1.path("meanCosine").asDouble()).isCloseTo(0.98, org.assertj.core.data.Offset.offset(1e-9));

        JsonNode groups = r1.path("categoryAccuracy");
        assertThat(groups.propertyNames()).containsExactly("stem", "socialScience", "humanities", "other", "average",
                "averageOfGroups", "examples");
        assertThat(groups.path("stem").asDouble()).isEqualTo(0.75); // (5 + 10) / 20
        assertThat(groups.path("socialScience").asDouble()).isEqualTo(0.75);
        assertThat(groups.path("humanities").asDouble()).isEqualTo(0.25);
        assertThat(groups.path("other").isNull()).as("no examples").isTrue();
        assertThat(groups.path("average").asDouble()).isEqualTo(22.0 / 32);
        assertThat(groups.path("averageOfGroups").asDouble()).isCloseTo((0.75 + 0.25 + 0.75) / 3,
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(groups.path("examples").path("STEM").asInt()).isEqualTo(20);
        assertThat(groups.path("examples").path("Other").asInt()).isZero();
    }

    @Test
    void comparesAsJsonAndCsv() throws Exception {
        String tag = "cmp" + UUID.randomUUID().toString().substring(0, 8);
        UUID a = run(tag, "fp16", "COMPLETED", 0.25, 0.5, 0.45);
        UUID b = run(tag, "int8", "COMPLETED", 0.25, 0.6);

        HttpResponse<String> json = send("GET", "/api/v1/compare?ids=" + a + "," + b, null);
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
        JsonNode rows = JSON.readTree(json.body());
        assertThat(rows).hasSize(2);
        JsonNode first = rows.get(0);
        assertThat(first.path("id").asString()).isEqualTo(a.toString());
        assertThat(first.path("codec").asString()).isEqualTo("fp16");
        assertThat(first.path("rounds").asInt()).isEqualTo(2);
        assertThat(first.path("finalAccuracy").asDouble()).isEqualTo(0.45);
        assertThat(first.path("bestAccuracy").asDouble()).isEqualTo(0.5);
        assertThat(first.path("finalEvalLoss").asDouble()).isCloseTo(1.8, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(first.path("uploadBytes").asLong()).isEqualTo(2000);
        assertThat(first.path("rawUpdateBytes").asLong()).isEqualTo(4000);
        assertThat(first.path("ratioToFp32").asDouble()).isEqualTo(0.5);
        assertThat(first.path("meanCosine").asDouble()).isCloseTo(0.925, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(rows.get(1).path("codec").asString()).isEqualTo("int8");

        for (HttpResponse<String> csv : List.of(get("/api/v1/compare?ids=" + b + "," + a, "text/csv"),
                get("/api/v1/compare?ids=" + b + "," + a + "&format=csv", null))) {
            assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
            assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
            String[] lines = csv.body().split("\r\n");
            assertThat(lines).hasSize(3);
            assertThat(lines[0]).isEqualTo("id,name,status,codec,rounds,finalEvalLoss,finalAccuracy,bestAccuracy,"
                    + "uploadBytes,rawUpdateBytes,ratioToFp32,meanCosine,meanSnrDb,meanDeltaWCosine,meanDeltaWSnrDb,strategy");
            assertThat(lines[1]).startsWith(b + "," + tag + "-int8,COMPLETED,int8,1,1.9,0.6,0.6,1000,2000,0.5,");
            assertThat(lines[2]).startsWith(a + ",");
            assertThat(lines[1]).endsWith(",fedavg");
        }
    }

    @Test
    void comparingUnknownOrBadIdsIsAProblem() throws Exception {
        UUID known = created();
        UUID unknown = UUID.randomUUID();
        JsonNode p = problem(send("GET", "/api/v1/compare?ids=" + known + "," + unknown, null), 404);
        assertThat(p.path("detail").asString()).contains(unknown.toString()).doesNotContain(known.toString());
        problem(get("/api/v1/compare?ids=" + unknown + "&format=csv", "text/csv"), 404);
        assertThat(problem(send("GET", "/api/v1/compare?ids=nope", null), 400).path("detail").asString()).contains("nope");
        problem(send("GET", "/api/v1/compare", null), 400);
        problem(send("GET", "/api/v1/compare?ids=" + known + "&format=xml", null), 400);
    }

    @Test
    void servesTheOpenApiDocumentAndSwaggerUiWithoutAKey() throws Exception {
        HttpResponse<String> doc = get("/v3/api-docs", null);
        assertThat(doc.statusCode()).as(doc.body()).isEqualTo(200);
        JsonNode api = JSON.readTree(doc.body());
        assertThat(api.path("openapi").asString()).startsWith("3.");
        assertThat(api.path("paths").has("/api/v1/experiments")).isTrue();
        assertThat(api.path("paths").has("/api/v1/compare")).isTrue();
        assertThat(api.path("paths").has("/api/v1/experiments/{id}/rounds")).isTrue();
        HttpResponse<String> ui = get("/swagger-ui/index.html", null);
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).containsIgnoringCase("swagger");
    }

    HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
