package io.cgfed.core.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The sizes of {@link CodecBench}'s federation, from system properties (defaults in brackets):
 * {@code model} [tiny-llama], {@code clients} [6], {@code rounds} [20], {@code localSteps} [20],
 * {@code batch} [16], {@code lr} [0.01, as the demo], {@code partition} [dirichlet:0.5],
 * {@code examplesPerClient} [400], {@code evalExamples} [200], {@code rank} [8, on q, k, v, o, alpha 2 x rank],
 * {@code seeds} [0,1,2], {@code tile} [32: the cgae tile side unless a variant names one],
 * {@code budget} [64: the fp32 divisor of the top-k and cgae bodies the end metric compares],
 * {@code fromZero} [true: also top-k from round 0 without a TGAP window], {@code timeSeconds} [0.3 per
 * throughput measurement], {@code cgae} (variant list, see {@link CgaeVariant#parseAll}), {@code end} (the
 * codecs in the end-metric loop: {@code topk}, or a cgae variant's label with {@code /frozen},
 * {@code /clients} (refit every round from client contributions) or {@code /server} (refit every round
 * by the server from the updates it decoded)), {@code fromZeroCodecs} (labels of the quality table's baselines,
 * comma-separated, also run from round 0 with error feedback, as top-k is; none by default).
 */
public record CodecBenchSettings(String model, int clients, int rounds, int localSteps, int batchSize, double learningRate,
                                 String partition, int examplesPerClient, int evalExamples, int rank, List<Integer> seeds,
                                 int tile, int budget, boolean fromZero, double timeSeconds, String cgae, String end,
                                 String fromZeroCodecs) {
    /**
     * The learned-codec rows; "nc" = {@code centre=false} (the default since this benchmark showed centring
     * hurts; the rows without "nc" ask for {@code centre=true} explicitly), "rX" = {@code residualFraction=X}.
     */
    public static final String DEFAULT_CGAE = String.join(";",
            "linear c16: compression=16, centre=true",
            "linear c64: compression=64, centre=true",
            "linear c256: compression=256, centre=true",
            "linear c64 tile64: compression=64, tile=64, centre=true",
            "linear c64 shared: compression=64, bases=shared, centre=true",
            "mlp c64: architecture=mlp, compression=64",
            "resnet c64 tile64: architecture=resnet, compression=64, tile=64",
            "refit c64: compression=64, refit=true, centre=true",
            "linear c64 nc: compression=64, centre=false",
            "linear c64 nc r0.25: compression=64, centre=false, residualFraction=0.25",
            "linear c64 nc r0.5: compression=64, centre=false, residualFraction=0.5",
            "linear c64 nc r0.75: compression=64, centre=false, residualFraction=0.75",
            "refit c64 nc: compression=64, centre=false, refit=true");
    public static final String DEFAULT_END = "topk, linear c64/frozen, linear c64/clients, linear c64 nc/frozen, "
            + "linear c64 nc r0.5/frozen, linear c64 nc r0.75/server, rotq 1/64, rotq 1/64 entropy, rotq 1/64 entropy flat, "
            + "rotq 1/64 unbiased, rotq 1/256, rotq 1/256 entropy";

    public CodecBenchSettings {
        if (clients < 3) {
            throw new IllegalArgumentException("clients must be at least 3 (two are held out from TGAP)");
        }
        if (rounds < 4) {
            throw new IllegalArgumentException("rounds must be at least 4 (half of them are the TGAP window)");
        }
        if (localSteps < 1 || batchSize < 1 || !(learningRate > 0) || seeds.isEmpty() || budget < 16) {
            throw new IllegalArgumentException("localSteps, batch and lr must be positive, seeds non-empty, budget >= 16");
        }
    }

    public static CodecBenchSettings fromSystemProperties() {
        return new CodecBenchSettings(
                System.getProperty("model", "tiny-llama"),
                Integer.getInteger("clients", 6),
                Integer.getInteger("rounds", 20),
                Integer.getInteger("localSteps", 20),
                Integer.getInteger("batch", 16),
                Double.parseDouble(System.getProperty("lr", "0.01")),
                System.getProperty("partition", "dirichlet:0.5"),
                Integer.getInteger("examplesPerClient", 400),
                Integer.getInteger("evalExamples", 200),
                Integer.getInteger("rank", 8),
                parseSeeds(System.getProperty("seeds", "0,1,2")),
                Integer.getInteger("tile", 32),
                Integer.getInteger("budget", 64),
                Boolean.parseBoolean(System.getProperty("fromZero", "true")),
                Double.parseDouble(System.getProperty("timeSeconds", "0.3")),
                System.getProperty("cgae", DEFAULT_CGAE),
                System.getProperty("end", DEFAULT_END),
                System.getProperty("fromZeroCodecs", ""));
    }

    static List<Integer> parseSeeds(String text) {
        return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
    }

    /** The round the TGAP window ends and the compressed second half begins. */
    public int halfway() {
        return rounds / 2;
    }

    /** Clients whose first-half updates train the learned codecs: all but the last two. */
    public int trainingClients() {
        return clients - 2;
    }

    public String describe() {
        return String.format(Locale.ROOT, "model %s, LoRA r%d (alpha %d) on q,k,v,o, %d clients (%s, %d examples each), "
                        + "%d rounds (TGAP window 0-%d, compressed %d-%d), %d local AdamW steps of batch %d at lr %s, "
                        + "%d held-out eval examples, seeds %s, cgae tile %d, budget 1/%d of fp32",
                model, rank, 2 * rank, clients, partition, examplesPerClient, rounds, halfway() - 1, halfway(), rounds - 1,
                localSteps, batchSize, learningRate, evalExamples, seeds, tile, budget);
    }
}
