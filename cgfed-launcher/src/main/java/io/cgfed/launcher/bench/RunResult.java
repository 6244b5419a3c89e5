package io.cgfed.launcher.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What one benchmark experiment measured, read from the coordinator (status, rounds, accuracy by
 * category, bytes, round times) and the registry (per-client reconstruction quality, the comparison's
 * mean cosine and SNR).
 *
 * @param uploadBytesPerClientRound wire bytes of one client's update, averaged over every upload
 * @param ratioToFp32               upload bytes over the same updates in fp32
 * @param secondsPerRound           mean wall time of the training rounds (round open to evaluation back)
 * @param tgapSeconds               round 0's time: the baseline evaluation, and for the learned codec its TGAP
 * @param cleanCosine               noise sweep: cosine of the server's reconstruction against the clean update
 * @param cleanRelativeError        noise sweep: |reconstruction - clean| / |clean|
 * @param noisyInputCosine          noise sweep: cosine of the noisy input against the clean update
 * @param deltaWCosine              mean over client updates of the cosine of the weight change s((B+dB)(A+dA)-BA)
 *                                  the reconstruction makes against the true one
 * @param deltaWSnrDb               the same as an SNR in dB
 * @param aggregateDeltaWCosine     audit mode: mean over the training rounds of the cosine of the weight change the
 *                                  round applied to the exact mean of the clients' weight changes
 */
public record RunResult(BenchPlan.Run run, String experimentId, String status, String failureReason,
                        Double accuracy, Map<String, Double> accuracyByCategory, Double evalLoss, Double baselineAccuracy,
                        int roundsCompleted, long uploads, long uploadBytes, long rawUpdateBytes,
                        Double uploadBytesPerClientRound, Double ratioToFp32, Double cosine, Double snrDb,
                        Double deltaWCosine, Double deltaWSnrDb, Double secondsPerRound, Double tgapSeconds, Double cleanCosine, Double cleanRelativeError,
                        Double noisyInputCosine, Double aggregateDeltaWCosine, double wallSeconds) {

    public boolean completed() {
        return "COMPLETED".equals(status);
    }

    /** A run that never produced an experiment view (refused, timed out, or the platform failed). */
    public static RunResult failed(BenchPlan.Run run, String id, String reason, double wallSeconds) {
        return new RunResult(run, id, "FAILED", reason, null, Map.of(), null, null, 0, 0, 0, 0, null, null, null, null,
                null, null, null, null, null, null, null, null, wallSeconds);
    }

    /**
     * From the coordinator's experiment view, the registry's rounds of it and its line in the registry's
     * comparison (null where the registry had none).
     */
    public static RunResult of(BenchPlan.Run run, JsonNode experiment, JsonNode registryRounds, JsonNode comparison,
                               double wallSeconds) {
        String status = experiment.get("status").asString();
        JsonNode fr = experiment.get("failureReason");
        String failure = fr == null || fr.isNull() ? null : fr.asString();
        Double accuracy = null;
        Double loss = null;
        Double baseline = null;
        Map<String, Double> byCategory = new LinkedHashMap<>();
        int completed = 0;
        long uploads = 0;
        long up = 0;
        long raw = 0;
        double seconds = 0;
        Double tgap = null;
        double aggregateDeltaW = 0;
        int audited = 0;
        for (JsonNode r : experiment.get("roundSummaries")) {
            if (!"CLOSED".equals(r.get("status").asString())) {
                continue;
            }
            int round = r.get("round").asInt();
            double duration = r.get("durationMs").isNumber() ? r.get("durationMs").asDouble() / 1000.0 : 0;
            if (round == 0) {
                baseline = number(r.get("accuracy"));
                tgap = duration;
            } else {
                completed++;
                uploads += r.get("uploads").asLong();
                up += r.get("uploadBytes").asLong();
                raw += r.get("rawUpdateBytes").asLong();
                seconds += duration;
                Double dw = number(r.get("aggregateDeltaWCosine"));
                if (dw != null) {
                    aggregateDeltaW += dw;
                    audited++;
                }
            }
            accuracy = number(r.get("accuracy"));
            loss = number(r.get("evalLoss"));
            byCategory.clear();
            JsonNode cats = r.get("accuracyByCategory");
            if (cats != null && cats.isObject()) {
                for (var e : cats.properties()) {
                    byCategory.put(e.getKey(), e.getValue().asDouble());
                }
            }
        }
        Double cleanCos = null;
        Double cleanErr = null;
        Double noisyCos = null;
        if (registryRounds != null && registryRounds.isArray()) {
            cleanCos = clientMean(registryRounds, "cleanCosine");
            cleanErr = clientMean(registryRounds, "cleanRelativeL2Error");
            noisyCos = clientMean(registryRounds, "noisyInputCosine");
        }
        Double cosine = comparison == null ? null : number(comparison.get("meanCosine"));
        Double snr = comparison == null ? null : number(comparison.get("meanSnrDb"));
        Double dwCos = comparison == null ? null : number(comparison.get("meanDeltaWCosine"));
        Double dwSnr = comparison == null ? null : number(comparison.get("meanDeltaWSnrDb"));
        return new RunResult(run, experiment.get("id").asString(), status, failure, accuracy, Map.copyOf(byCategory), loss,
                baseline, completed, uploads, up, raw, uploads == 0 ? null : (double) up / uploads,
                raw == 0 ? null : (double) up / raw, cosine, snr, dwCos, dwSnr, completed == 0 ? null : seconds / completed, tgap,
                cleanCos, cleanErr, noisyCos, audited == 0 ? null : aggregateDeltaW / audited, wallSeconds);
    }

    /** The mean of a per-client metric over the training rounds the registry recorded. */
    static Double clientMean(JsonNode rounds, String metric) {
        double sum = 0;
        int n = 0;
        for (JsonNode r : rounds) {
            JsonNode clients = r.path("metrics").path("clients");
            if (!clients.isArray()) {
                continue;
            }
            for (JsonNode c : clients) {
                JsonNode v = c.get(metric);
                if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                    sum += v.asDouble();
                    n++;
                }
            }
        }
        return n == 0 ? null : sum / n;
    }

    private static Double number(JsonNode n) {
        return n == null || !n.isNumber() ? null : n.asDouble();
    }
}
