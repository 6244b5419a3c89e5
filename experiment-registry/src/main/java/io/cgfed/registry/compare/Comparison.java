package io.cgfed.registry.compare;

import java.util.UUID;

/**
 * One experiment's line in a comparison, computed from its recorded rounds.
 *
 * @param rounds         training rounds recorded (round 0, the baseline evaluation, not counted)
 * @param finalEvalLoss  eval loss after the last recorded round
 * @param finalAccuracy  accuracy after the last recorded round
 * @param bestAccuracy   the best accuracy of any recorded round
 * @param uploadBytes    bytes the clients uploaded, all rounds together
 * @param rawUpdateBytes the same updates uncompressed (fp32)
 * @param ratioToFp32    uploadBytes / rawUpdateBytes (null when nothing was uploaded)
 * @param meanCosine     mean reconstruction cosine over every client update of every round
 * @param meanSnrDb      mean reconstruction SNR in dB over the same
 * @param meanDeltaWCosine mean cosine of the weight change each reconstructed update makes (dW = s((B + dB)(A + dA)
 *                       - BA) over the targets) against the true one
 * @param meanDeltaWSnrDb  the same as an SNR in dB
 * @param strategy       the federated strategy and its settings as the spec gave them ("fedavg" when it named none),
 *                       e.g. {@code krum {"byzantine":1}}
 */
public record Comparison(UUID id, String name, String status, String codec, int rounds, Double finalEvalLoss,
                         Double finalAccuracy, Double bestAccuracy, long uploadBytes, long rawUpdateBytes,
                         Double ratioToFp32, Double meanCosine, Double meanSnrDb, Double meanDeltaWCosine,
                         Double meanDeltaWSnrDb, String strategy) {
    static final String CSV_HEADER = "id,name,status,codec,rounds,finalEvalLoss,finalAccuracy,bestAccuracy,uploadBytes,"
            + "rawUpdateBytes,ratioToFp32,meanCosine,meanSnrDb,meanDeltaWCosine,meanDeltaWSnrDb,strategy";

    String csv() {
        return String.join(",", id.toString(), quote(name), quote(status), quote(codec), String.valueOf(rounds),
                num(finalEvalLoss), num(finalAccuracy), num(bestAccuracy), String.valueOf(uploadBytes),
                String.valueOf(rawUpdateBytes), num(ratioToFp32), num(meanCosine), num(meanSnrDb), num(meanDeltaWCosine),
                num(meanDeltaWSnrDb), quote(strategy));
    }

    private static String num(Double d) {
        return d == null ? "" : String.valueOf(d);
    }

    /** RFC 4180, a leading formula character defused ({@link io.cgfed.core.data.Csv#spreadsheetField}). */
    static String quote(String s) {
        return io.cgfed.core.data.Csv.spreadsheetField(s);
    }
}
