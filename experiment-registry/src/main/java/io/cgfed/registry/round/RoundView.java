package io.cgfed.registry.round;

import io.cgfed.core.protocol.RoundRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A round as the registry answers it: the recorded metrics, plus what is derived from them in a
 * fixed shape (every field present, null where the round has no value), so that readers need not know
 * the coordinator's metric names.
 *
 * @param ratioToFp32     upload bytes over the raw (fp32) update bytes; null when nothing was uploaded
 * @param meanCosine      mean reconstruction cosine of the clients' updates (what the server got
 *                        against what training produced)
 * @param meanSnrDb       mean reconstruction SNR in dB (999 stands for an exact reconstruction)
 * @param meanDeltaWCosine mean over the clients of the cosine of the weight change their reconstructed
 *                        update makes, s((B + dB)(A + dA) - BA) summed over targets, against the true one
 * @param meanDeltaWSnrDb the same as an SNR in dB
 * @param aggregateCosine audit mode: cosine of the averaged reconstructions to the averaged raw updates
 * @param aggregateDeltaWCosine audit mode: cosine of the weight change the round applied to the exact mean of
 *                        the clients' weight changes (the codec's and the aggregation's error together)
 * @param strategy        what the round's strategy did (its name; Krum's chosen clients, the trimmed share, the
 *                        server step's norm, lora-svd's tail energy), null for records without it
 * @param codecVersion    the learned codec's version the round's updates used
 * @param phases          milliseconds per phase of the round (null where it had no such phase)
 * @param categoryAccuracy accuracy per C-Eval group and both averages (null without a multiple-choice
 *                        evaluation by category)
 * @param outcomes        how many clients delivered on time, late, or failed
 * @param clientRows      one row per client the round gave a task (or, for records without outcomes,
 *                        that uploaded), by client index
 * @param metrics         everything the coordinator sent, as sent
 */
public record RoundView(int round, int clients, Double trainLoss, Double evalLoss, Double accuracy, long uploadBytes,
                        long rawUpdateBytes, Double ratioToFp32, long durationMs, Double meanCosine, Double meanSnrDb,
                        Double meanDeltaWCosine, Double meanDeltaWSnrDb, Double aggregateCosine, Double aggregateDeltaWCosine,
                        Map<String, Object> strategy, Integer codecVersion, Phases phases, CategoryAccuracy categoryAccuracy,
                        Outcomes outcomes, List<ClientRow> clientRows, Map<String, Object> metrics, Instant recordedAt) {

    /**
     * Where a round's time went, in milliseconds.
     *
     * @param collectingMs    open until it stopped taking uploads (waiting for the clients; TGAP collection)
     * @param aggregationMs   decoding the uploads, FedAvg and storing the new adapter
     * @param codecTrainingMs TGAP training of the codec (round 0) or the FAF refit/adaptation
     * @param evaluationMs    the new adapter until its evaluation was reported
     * @param totalMs         opened until closed
     */
    public record Phases(Long collectingMs, Long aggregationMs, Long codecTrainingMs, Long evaluationMs, Long totalMs) {
        static Phases of(Object o) {
            Map<?, ?> m = o instanceof Map<?, ?> map ? map : Map.of();
            return new Phases(longOf(m.get("collectingMs")), longOf(m.get("aggregationMs")),
                    longOf(m.get("codecTrainingMs")), longOf(m.get("evaluationMs")), longOf(m.get("totalMs")));
        }
    }

    /**
     * Accuracy by C-Eval group (categories or subjects folded into their groups), each null where the
     * group had no examples; average: correct over all examples; averageOfGroups: mean of the groups'.
     */
    public record CategoryAccuracy(Double stem, Double socialScience, Double humanities, Double other, Double average,
                                   Double averageOfGroups, Map<String, Integer> examples) {
        static CategoryAccuracy of(Object accuracy, Object examples) {
            if (!(accuracy instanceof Map<?, ?> acc) || acc.isEmpty() || !(examples instanceof Map<?, ?> ex)) {
                return null;
            }
            Map<String, Double> a = new java.util.LinkedHashMap<>();
            Map<String, Integer> n = new java.util.LinkedHashMap<>();
            acc.forEach((k, v) -> {
                Object count = ex.get(k);
                if (v instanceof Number d && count instanceof Number c && c.intValue() > 0) {
                    a.put(String.valueOf(k), d.doubleValue());
                    n.put(String.valueOf(k), c.intValue());
                }
            });
            if (a.isEmpty()) {
                return null;
            }
            // example-weighted, as CEvalTable's groups: a subject's accuracy counts its examples
            Map<String, double[]> byGroup = new java.util.LinkedHashMap<>(); // group -> {correct, examples}
            io.cgfed.core.data.SubjectGroups.GROUPS.forEach(g -> byGroup.put(g, new double[2]));
            double correct = 0;
            double all = 0;
            for (var e : a.entrySet()) {
                double[] t = byGroup.get(io.cgfed.core.data.SubjectGroups.groupOf(e.getKey()));
                int count = n.get(e.getKey());
                t[0] += e.getValue() * count;
                t[1] += count;
                correct += e.getValue() * count;
                all += count;
            }
            Map<String, Integer> perGroup = new java.util.LinkedHashMap<>();
            double groupSum = 0;
            int groups = 0;
            for (var e : byGroup.entrySet()) {
                perGroup.put(e.getKey(), (int) e.getValue()[1]);
                if (e.getValue()[1] > 0) {
                    groupSum += e.getValue()[0] / e.getValue()[1];
                    groups++;
                }
            }
            return new CategoryAccuracy(acc(byGroup.get(io.cgfed.core.data.SubjectGroups.STEM)),
                    acc(byGroup.get(io.cgfed.core.data.SubjectGroups.SOCIAL_SCIENCE)),
                    acc(byGroup.get(io.cgfed.core.data.SubjectGroups.HUMANITIES)),
                    acc(byGroup.get(io.cgfed.core.data.SubjectGroups.OTHER)), finite(correct / all),
                    finite(groups == 0 ? Double.NaN : groupSum / groups), perGroup);
        }

        private static Double acc(double[] t) {
            return t[1] == 0 ? null : t[0] / t[1];
        }

        private static Double finite(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    /** Clients of the round by outcome. */
    public record Outcomes(int onTime, int late, int failed) {
    }

    /**
     * What one client sent in a round.
     *
     * @param localLoss       the client's mean local training loss
     * @param uploadBytes     bytes of its encoded update on the wire
     * @param rawBytes        bytes of its update uncompressed
     * @param cosine          reconstruction cosine of its update
     * @param snrDb           reconstruction SNR in dB
     * @param relativeL2Error reconstruction error relative to the update's norm
     * @param deltaWCosine    cosine of the weight change its reconstruction makes against the true one
     * @param deltaWSnrDb     the same as an SNR in dB
     * @param trainMs         local training time
     * @param outcome         ON_TIME, LATE (after the deadline, after its round closed, or its task was handed
     *                        to another worker) or FAILED (the task failed or nothing was uploaded)
     * @param reason          why LATE or FAILED
     * @param worker          the worker that acted as the client
     * @param timeMs          from the client's first task being handed out to its upload
     * @param tasks           how many tasks the client was given in the round (more than one: reassigned)
     */
    public record ClientRow(Integer client, String outcome, String reason, String worker, Long samples, Double localLoss,
                            Long uploadBytes, Long rawBytes, Double cosine, Double snrDb, Double relativeL2Error,
                            Double deltaWCosine, Double deltaWSnrDb, Double trainMs, Long timeMs, Integer tasks) {
    }

    public static RoundView of(RoundRecord r) {
        Map<String, Object> m = r.metrics() == null ? Map.of() : r.metrics();
        List<ClientRow> rows = new ArrayList<>();
        if (m.get("clients") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> c) {
                    String outcome = c.get("outcome") instanceof String given ? given : "ON_TIME"; // records before outcomes
                    rows.add(new ClientRow(integer(c.get("client")), outcome, text(c.get("reason")), text(c.get("worker")),
                            longOf(c.get("samples")), number(c.get("trainLoss")),
                            longOf(c.get("wireBytes")), longOf(c.get("rawBytes")), number(c.get("cosine")),
                            number(c.get("snrDb")), number(c.get("relativeL2Error")), number(c.get("deltaWCosine")),
                            number(c.get("deltaWSnrDb")), number(c.get("trainMs")),
                            longOf(c.get("timeMs")), integer(c.get("tasks"))));
                }
            }
        }
        rows.sort(java.util.Comparator.comparing(ClientRow::client, java.util.Comparator.nullsLast(Integer::compare)));
        return new RoundView(r.round(), r.clients(), r.trainLoss(), r.evalLoss(), r.accuracy(), r.uploadBytes(),
                r.rawUpdateBytes(), r.rawUpdateBytes() > 0 ? (double) r.uploadBytes() / r.rawUpdateBytes() : null,
                r.durationMs(), mean(rows.stream().map(ClientRow::cosine).toList()),
                mean(rows.stream().map(ClientRow::snrDb).toList()), mean(rows.stream().map(ClientRow::deltaWCosine).toList()),
                mean(rows.stream().map(ClientRow::deltaWSnrDb).toList()), number(m.get("aggregateCosine")),
                number(m.get("aggregateDeltaWCosine")), strategyOf(m.get("strategy")),
                integer(m.get("codecVersion")), Phases.of(m.get("phases")),
                CategoryAccuracy.of(m.get("accuracyByCategory"), m.get("examplesByCategory")),
                new Outcomes(count(rows, "ON_TIME"), count(rows, "LATE"), count(rows, "FAILED")), rows, m, r.recordedAt());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> strategyOf(Object o) {
        return o instanceof Map<?, ?> map ? java.util.Collections.unmodifiableMap((Map<String, Object>) map) : null;
    }

    /** The mean of the values present; null when none is. */
    public static Double mean(List<Double> values) {
        double sum = 0;
        int n = 0;
        for (Double v : values) {
            if (v != null && Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? null : sum / n;
    }

    private static int count(List<ClientRow> rows, String outcome) {
        return (int) rows.stream().filter(c -> outcome.equals(c.outcome())).count();
    }

    private static String text(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static Double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    private static Long longOf(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    private static Integer integer(Object o) {
        return o instanceof Number n ? n.intValue() : null;
    }
}
