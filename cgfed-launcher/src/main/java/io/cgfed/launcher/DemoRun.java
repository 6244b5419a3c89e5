package io.cgfed.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Submits the demo experiment, prints a line per closed round, then the results table and one
 * JSON summary line.
 */
public final class DemoRun {
    private final CoordinatorApi api;
    private final PrintStream out;

    public DemoRun(CoordinatorApi api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /** The demo: a tiny LLaMA learning a generated multiple-choice task, split IID across clients. */
    public static Map<String, Object> demoSpec(String codec, int clients, int rounds) {
        return demoSpec(codec, false, clients, rounds);
    }

    /** The demo with or without client-side error feedback for the codec. */
    public static Map<String, Object> demoSpec(String codec, boolean errorFeedback, int clients, int rounds) {
        return demoSpec(codec, errorFeedback, null, clients, rounds);
    }

    /** The demo, optionally with client-side differential privacy: {epsilon, delta, clipNorm}. */
    public static Map<String, Object> demoSpec(String codec, boolean errorFeedback, Map<String, Object> privacy,
                                               int clients, int rounds) {
        return demoSpec(codec, Map.of(), errorFeedback, privacy, false, clients, rounds);
    }

    /**
     * The demo with codec settings and audit mode. A learned codec ({@code cgae}) gets a D1 share of 30 %
     * for TGAP (the pool grows so that each client keeps 400 examples for the rounds) and 4 collect
     * rounds unless the settings say otherwise.
     */
    public static Map<String, Object> demoSpec(String codec, Map<String, Object> codecSettings, boolean errorFeedback,
                                               Map<String, Object> privacy, boolean audit, int clients, int rounds) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", "demo-" + codec);
        spec.put("model", Map.of("name", "tiny-llama", "seed", 1));
        boolean learned = "cgae".equals(codec); // the learned codec (the launcher does not load the engine)
        Map<String, Object> dataset = new LinkedHashMap<>(Map.of("name", "demo-mc", "seed", 7,
                "trainExamples", learned ? (int) Math.ceil(400 * clients / 0.7) : 400 * clients, "evalExamples", 200,
                "partition", "iid"));
        if (learned) {
            dataset.put("tgapFraction", 0.3);
        }
        spec.put("dataset", dataset);
        spec.put("clients", clients);
        spec.put("fractionPerRound", 1.0);
        spec.put("minClients", clients);
        spec.put("rounds", rounds);
        spec.put("training", Map.of("localSteps", 100, "batchSize", 16, "learningRate", 0.01, "warmupSteps", 0,
                "weightDecay", 0.0, "maxGradNorm", 1.0));
        spec.put("lora", Map.of("rank", 8, "alpha", 16, "targets", List.of("q", "k", "v", "o")));
        Map<String, Object> codecSpec = new LinkedHashMap<>();
        codecSpec.put("name", codec);
        Map<String, Object> settings = new LinkedHashMap<>(codecSettings);
        if (learned) {
            settings.putIfAbsent("collectRounds", 4);
        }
        codecSpec.put("settings", settings);
        if (audit) {
            codecSpec.put("audit", true);
        }
        if (errorFeedback) {
            codecSpec.put("errorFeedback", true);
        }
        if (privacy != null) {
            codecSpec.put("privacy", privacy);
        }
        spec.put("codec", codecSpec);
        spec.put("roundDeadlineSeconds", 300);
        spec.put("seed", 42);
        return spec;
    }

    /** Runs the experiment to its end; returns the final experiment view. */
    public JsonNode run(Map<String, Object> spec, Duration timeout) throws IOException, InterruptedException {
        JsonNode submitted = api.submit(spec);
        String id = submitted.get("id").asString();
        out.println("submitted experiment " + id + " (" + spec.get("clients") + " clients, " + spec.get("rounds")
                + " rounds, codec " + ((Map<?, ?>) spec.get("codec")).get("name") + ")");
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int printed = -1;
        while (true) {
            JsonNode e = api.experiment(id);
            for (JsonNode r : e.get("roundSummaries")) {
                int round = r.get("round").asInt();
                if (round > printed && "CLOSED".equals(r.get("status").asString())) {
                    out.println(progressLine(r, e.get("rounds").asInt()));
                    printed = round;
                }
            }
            String status = e.get("status").asString();
            if (!status.equals("PENDING") && !status.equals("RUNNING")) {
                return e;
            }
            if (status.equals("PENDING") && System.nanoTime() - start > Duration.ofMinutes(2).toNanos()) {
                throw new IOException("experiment " + id + " is still PENDING after 2 minutes: no worker took it");
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("experiment " + id + " did not finish within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(500);
        }
    }

    private static String progressLine(JsonNode r, int rounds) {
        int round = r.get("round").asInt();
        if (round == 0) {
            return String.format(Locale.ROOT, "round 0/%d  baseline        eval loss %.4f  accuracy %.3f", rounds,
                    r.get("evalLoss").asDouble(), r.get("accuracy").asDouble());
        }
        return String.format(Locale.ROOT, "round %d/%d  train loss %.4f  eval loss %.4f  accuracy %.3f  uploads %d  "
                        + "upload %s (raw %s)  %.1f s", round, rounds, r.get("trainLoss").asDouble(),
                r.get("evalLoss").asDouble(), r.get("accuracy").asDouble(), r.get("uploads").asInt(),
                bytes(r.get("uploadBytes").asLong()), bytes(r.get("rawUpdateBytes").asLong()),
                r.get("durationMs").asLong() / 1000.0);
    }

    public void printTable(JsonNode e) {
        out.println();
        out.println("| round | train loss | eval loss | accuracy | uploads | upload bytes | raw update bytes | seconds |");
        out.println("|------:|-----------:|----------:|---------:|--------:|-------------:|-----------------:|--------:|");
        for (JsonNode r : e.get("roundSummaries")) {
            if (!"CLOSED".equals(r.get("status").asString())) {
                continue;
            }
            out.printf(Locale.ROOT, "| %5d | %10s | %9.4f | %8.3f | %7d | %12d | %16d | %7.1f |%n",
                    r.get("round").asInt(),
                    r.get("trainLoss").isNull() ? "-" : String.format(Locale.ROOT, "%.4f", r.get("trainLoss").asDouble()),
                    r.get("evalLoss").asDouble(), r.get("accuracy").asDouble(), r.get("uploads").asInt(),
                    r.get("uploadBytes").asLong(), r.get("rawUpdateBytes").asLong(), r.get("durationMs").asLong() / 1000.0);
        }
        JsonNode last = null;
        for (JsonNode r : e.get("roundSummaries")) {
            if ("CLOSED".equals(r.get("status").asString())) {
                last = r;
            }
        }
        if (last != null && last.get("cevalTable").isString()) {
            out.println("accuracy by category after round " + last.get("round").asInt() + ":");
            out.println();
            out.print(last.get("cevalTable").asString());
        }
        out.println();
    }

    /** The machine-readable last line of {@code ./cgfed demo}. */
    public static Map<String, Object> summary(JsonNode e, double wallSeconds) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("status", e.get("status").asString());
        s.put("experimentId", e.get("id").asString());
        s.put("codec", e.get("codec").asString());
        s.put("clients", e.get("spec").get("clients").asInt());
        s.put("rounds", e.get("rounds").asInt());
        long up = 0;
        long raw = 0;
        Double baselineLoss = null;
        Double baselineAcc = null;
        Double finalLoss = null;
        Double finalAcc = null;
        int closed = 0;
        for (JsonNode r : e.get("roundSummaries")) {
            if (!"CLOSED".equals(r.get("status").asString())) {
                continue;
            }
            up += r.get("uploadBytes").asLong();
            raw += r.get("rawUpdateBytes").asLong();
            if (r.get("round").asInt() == 0) {
                baselineLoss = r.get("evalLoss").asDouble();
                baselineAcc = r.get("accuracy").asDouble();
            } else {
                closed++;
            }
            finalLoss = r.get("evalLoss").asDouble();
            finalAcc = r.get("accuracy").asDouble();
        }
        s.put("roundsCompleted", closed);
        s.put("uploadBytes", up);
        s.put("rawUpdateBytes", raw);
        s.put("baselineEvalLoss", baselineLoss);
        s.put("baselineAccuracy", baselineAcc);
        s.put("finalEvalLoss", finalLoss);
        s.put("finalAccuracy", finalAcc);
        s.put("adapterVersions", e.get("adapterVersions").size());
        s.put("wallSeconds", Math.round(wallSeconds * 10) / 10.0);
        if (!e.get("failureReason").isNull()) {
            s.put("failureReason", e.get("failureReason").asString());
        }
        return s;
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.2f MiB", b / (1024.0 * 1024));
    }
}
