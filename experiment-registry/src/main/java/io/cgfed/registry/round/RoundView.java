package io.cgfed.registry.round;

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
 * @param aggregateCosine audit mode: cosine of the averaged reconstructions to the averaged raw updates
 * @param codecVersion    the learned codec's version the round's updates used
 * @param clientRows      one row per client that uploaded, by client index
 * @param metrics         everything the coordinator sent, as sent
 */
public record RoundView(int round, int clients, Double trainLoss, Double evalLoss, Double accuracy, long uploadBytes,
                        long rawUpdateBytes, Double ratioToFp32, long durationMs, Double meanCosine, Double meanSnrDb,
                        Double aggregateCosine, Integer codecVersion, List<ClientRow> clientRows,
                        Map<String, Object> metrics, Instant recordedAt) {

    /**
     * What one client sent in a round.
     *
     * @param localLoss       the client's mean local training loss
     * @param uploadBytes     bytes of its encoded update on the wire
     * @param rawBytes        bytes of its update uncompressed
     * @param cosine          reconstruction cosine of its update
     * @param snrDb           reconstruction SNR in dB
     * @param relativeL2Error reconstruction error relative to the update's norm
     * @param trainMs         local training time
     */
    public record ClientRow(Integer client, Long samples, Double localLoss, Long uploadBytes, Long rawBytes,
                            Double cosine, Double snrDb, Double relativeL2Error, Double trainMs) {
    }

    public static RoundView of(RoundRecord r) {
        Map<String, Object> m = r.metrics() == null ? Map.of() : r.metrics();
        List<ClientRow> rows = new ArrayList<>();
        if (m.get("clients") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> c) {
                    rows.add(new ClientRow(integer(c.get("client")), longOf(c.get("samples")), number(c.get("trainLoss")),
                            longOf(c.get("wireBytes")), longOf(c.get("rawBytes")), number(c.get("cosine")),
                            number(c.get("snrDb")), number(c.get("relativeL2Error")), number(c.get("trainMs"))));
                }
            }
        }
        rows.sort(java.util.Comparator.comparing(ClientRow::client, java.util.Comparator.nullsLast(Integer::compare)));
        return new RoundView(r.round(), r.clients(), r.trainLoss(), r.evalLoss(), r.accuracy(), r.uploadBytes(),
                r.rawUpdateBytes(), r.rawUpdateBytes() > 0 ? (double) r.uploadBytes() / r.rawUpdateBytes() : null,
                r.durationMs(), mean(rows.stream().map(ClientRow::cosine).toList()),
                mean(rows.stream().map(ClientRow::snrDb).toList()), number(m.get("aggregateCosine")),
                integer(m.get("codecVersion")), rows, m, r.recordedAt());
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
