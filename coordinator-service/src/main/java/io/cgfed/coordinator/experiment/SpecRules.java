package io.cgfed.coordinator.experiment;

import io.cgfed.core.codec.Codecs;
import io.cgfed.core.data.ClientData;
import io.cgfed.core.data.DemoTask;
import io.cgfed.core.data.Partitioner;
import io.cgfed.core.privacy.GaussianMechanism;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.service.support.InvalidFieldException;
import java.util.List;

/** The rules of an experiment spec that span fields or need the platform's catalogues. */
public final class SpecRules {
    private static final java.util.Map<String, LlamaConfig> CONFIGS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.Map<String, Boolean> HALF = new java.util.concurrent.ConcurrentHashMap<>();

    private SpecRules() {
    }

    public static void check(ExperimentSpec spec) {
        if (!ModelCatalog.exists(spec.model().name()) && !ModelCatalog.isCheckpointPath(spec.model().name())) {
            throw new InvalidFieldException("model.name", "unknown model '" + spec.model().name() + "': neither built-in ("
                    + ModelCatalog.names() + ") nor the absolute path of a Hugging Face checkpoint directory");
        }
        try {
            modelConfig(spec);
        } catch (RuntimeException e) {
            throw new InvalidFieldException("model.name", e.getMessage());
        }
        ExperimentSpec.Dataset dataset = spec.dataset();
        boolean local = ClientData.LOCAL.equalsIgnoreCase(dataset.partition().strip());
        if (!List.of(DemoTask.NAME, ClientData.MULTIPLE_CHOICE, ClientData.INSTRUCTIONS).contains(dataset.name())) {
            throw new InvalidFieldException("dataset.name", "unknown dataset '" + dataset.name() + "' (known: "
                    + DemoTask.NAME + ", " + ClientData.MULTIPLE_CHOICE + ", " + ClientData.INSTRUCTIONS + ")");
        }
        if (!local) {
            try {
                Partitioner.parseScheme(dataset.partition());
            } catch (IllegalArgumentException e) {
                throw new InvalidFieldException("dataset.partition", e.getMessage() + ", or local");
            }
        }
        if (!dataset.name().equals(DemoTask.NAME) && dataset.path() == null && !local) {
            throw new InvalidFieldException("dataset.path", "dataset '" + dataset.name() + "' needs the path of its files");
        }
        if (!local && dataset.trainExamples() < spec.clients()) {
            throw new InvalidFieldException("dataset.trainExamples", "must be at least the number of clients ("
                    + spec.clients() + ")");
        }
        initialAdapter(spec); // read and checked now, read again when the experiment starts
        Integer maxSequence = spec.training().maxSequenceLength();
        if (maxSequence != null && maxSequence > modelConfig(spec).maxPositionEmbeddings()) {
            throw new InvalidFieldException("training.maxSequenceLength", "must not exceed the model's context of "
                    + modelConfig(spec).maxPositionEmbeddings() + " tokens");
        }
        if (spec.training().microBatchSize() > spec.training().batchSize()) {
            throw new InvalidFieldException("training.microBatchSize", "must not exceed training.batchSize ("
                    + spec.training().batchSize() + ")");
        }
        if (!Codecs.exists(spec.codec().name())) {
            throw new InvalidFieldException("codec.name", "unknown codec '" + spec.codec().name() + "' (known: "
                    + Codecs.names() + ")");
        }
        try {
            Codecs.validate(spec.codec().name(), spec.codec().settings());
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("codec.settings", e.getMessage());
        }
        if (spec.codec().errorFeedback()) {
            String refusal = Codecs.errorFeedbackRefusal(spec.codec().name(), spec.codec().settings());
            if (refusal != null) {
                throw new InvalidFieldException("codec.errorFeedback", refusal);
            }
        }
        if (Codecs.learned(spec.codec().name()) && !(spec.dataset().tgapFraction() > 0)) {
            throw new InvalidFieldException("dataset.tgapFraction", "codec '" + spec.codec().name()
                    + "' is trained (TGAP) on the D1 share of the data before the rounds: set a fraction such as 0.3");
        }
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        if (privacy != null) {
            try {
                GaussianMechanism.forBudget(privacy.epsilon(), privacy.delta(), privacy.clipNorm(), spec.rounds());
            } catch (IllegalArgumentException e) {
                throw new InvalidFieldException("codec.privacy.epsilon", e.getMessage());
            }
        }
        if (spec.quorum() > spec.clientsPerRound()) {
            throw new InvalidFieldException("minClients", "must not exceed the clients selected per round ("
                    + spec.clientsPerRound() + ")");
        }
        strategy(spec);
        loraConfig(spec);
        secureAggregation(spec);
    }

    /** The codecs whose values secure aggregation quantises and masks (a learned or sparse code is not summable). */
    public static final List<String> SECURE_CODECS = List.of("none", "fp16");

    /**
     * The spec's secure aggregation, checked against everything it cannot run with: a codec other than
     * {@code none} or {@code fp16}, audit mode, a strategy whose rule needs the individual updates, a
     * threshold below a majority of the neighbours or above them, a round of fewer than 3 clients, levels whose
     * sum would wrap modulo 2^32, quorum closing and round retries (a stage closes on its clients or its deadline;
     * a round cannot re-open half-way through the protocol). Each a 400 on the field, saying why.
     *
     * @return the neighbour degree and the threshold it runs with (null when it is off)
     */
    public static int[] secureAggregation(ExperimentSpec spec) {
        ExperimentSpec.SecureAggregation sa = spec.secureAggregation();
        if (!sa.enabled()) {
            return null;
        }
        if (!SECURE_CODECS.contains(spec.codec().name())) {
            throw new InvalidFieldException("codec.name", "secure aggregation masks the quantised values of an update "
                    + "sent as " + SECURE_CODECS + "; codec '" + spec.codec().name() + "' is not summable under masks");
        }
        if (spec.codec().audit()) {
            throw new InvalidFieldException("codec.audit", "audit mode sends the raw updates: it defeats secure aggregation");
        }
        if (strategy(spec).rule() != io.cgfed.core.aggregation.AggregationRule.MEAN) {
            throw new InvalidFieldException("aggregation.name", "strategy '" + spec.aggregation().name() + "' needs the "
                    + "individual updates, which secure aggregation hides: only the mean and the server optimisers over "
                    + "it (fedavg, fedavgm, fedadam, fedyogi, fedadagrad) run on a masked sum");
        }
        int n = spec.clientsPerRound();
        if (n < 3) {
            throw new InvalidFieldException("clients", "secure aggregation needs at least 3 clients a round (a sum of "
                    + "two tells each the other's update), got " + n);
        }
        if (spec.closeAtQuorum()) {
            throw new InvalidFieldException("closeAtQuorum", "not with secure aggregation: each stage closes when its "
                    + "clients have answered or at its deadline, and late clients count as dropped");
        }
        if (spec.roundRetries() > 0) {
            throw new InvalidFieldException("roundRetries", "not with secure aggregation: a round cannot re-open half-way "
                    + "through the protocol (dropouts up to the threshold are survived instead)");
        }
        if (sa.compression() != 0 && (sa.compression() < 2 || sa.compression() > 4096)) {
            throw new InvalidFieldException("secureAggregation.compression", "must be 0 (off) or in [2, 4096] (the update's "
                    + "fp32 bytes over the code's), got " + sa.compression());
        }
        if (sa.compression() != 0 && !spec.codec().name().equals("none")) {
            throw new InvalidFieldException("codec.name", "compressed secure aggregation is its own code (a shared rotation); "
                    + "the codec must be none, got '" + spec.codec().name() + "'");
        }
        int k = sa.neighbours() == 0 ? io.cgfed.core.secagg.NeighbourGraph.defaultDegree(n) : sa.neighbours();
        if (k < 2 || k > n - 1) {
            throw new InvalidFieldException("secureAggregation.neighbours", "must be in [2, " + (n - 1)
                    + "] (the other clients of a round of " + n + "), got " + k);
        }
        int majority = io.cgfed.core.secagg.SecAggConfig.defaultThreshold(k);
        int t = sa.threshold() == 0 ? majority : sa.threshold();
        if (t < majority || t > k) {
            throw new InvalidFieldException("secureAggregation.threshold", "must be in [" + majority + ", " + k
                    + "] (a majority of the " + k + " neighbours, so that a minority of colluders cannot rebuild a "
                    + "client's secrets), got " + t);
        }
        if (spec.quorum() < t) {
            throw new InvalidFieldException("minClients", "must be at least the secure aggregation threshold " + t);
        }
        ExperimentSpec.Privacy privacy = spec.codec().privacy();
        if (sa.bits() == 1 && (sa.compression() == 0 || privacy != null)) {
            throw new InvalidFieldException("secureAggregation.bits", sa.compression() == 0
                    ? "1-bit levels are compressed secure aggregation's (block scales): set secureAggregation.compression, "
                    + "or at least 2 bits"
                    : "distributed DP (codec.privacy) adds signed noise to levels of one scale for every client: at least "
                    + "2 bits");
        }
        try {
            if (sa.compression() != 0 && privacy == null) {
                // block scales: the code's own check of the levels' and scales' widths
                io.cgfed.core.codec.rotq.SecureCode.forRound(spec, 1, n, new byte[0]);
                if (!(sa.clipRange() > 0) || Double.isInfinite(sa.clipRange())) {
                    throw new io.cgfed.core.secagg.SecAggException("clipRange must be positive and finite, got "
                            + sa.clipRange());
                }
                return new int[] {k, t};
            }
            io.cgfed.core.secagg.Quantiser q = new io.cgfed.core.secagg.Quantiser(sa.clipRange(), sa.bits());
            if (q.maxClients() < n) {
                throw new InvalidFieldException("secureAggregation.bits", n + " clients' " + sa.bits() + "-bit levels wrap "
                        + "modulo 2^32 (at most " + q.maxClients() + " clients at this width)");
            }
        } catch (io.cgfed.core.secagg.SecAggException e) {
            throw new InvalidFieldException(e.getMessage().startsWith("clipRange") ? "secureAggregation.clipRange"
                    : "secureAggregation.bits", e.getMessage());
        }
        if (privacy != null) {
            // distributed DP: each client's Skellam share must fit the sampler, and the noisy sum 32 bits
            io.cgfed.core.secagg.Quantiser q = new io.cgfed.core.secagg.Quantiser(sa.clipRange(), sa.bits());
            double sigma = io.cgfed.core.codec.rotq.SecureCode.sigma(spec);
            double mu = io.cgfed.core.secagg.DistributedNoise.mu(sigma, privacy.clipNorm(), q.step(), n);
            double noiseStd = Math.sqrt(2 * mu * n);
            long top = (1L << (sa.bits() - 1)) - 1;
            if (mu > io.cgfed.core.secagg.DistributedNoise.MAX_MU || n * (double) top + 10 * noiseStd >= Integer.MAX_VALUE) {
                throw new InvalidFieldException("secureAggregation.bits", "the distributed DP noise (std " + Math.round(noiseStd)
                        + " levels on the sum) does not fit " + sa.bits() + "-bit levels of " + n + " clients in 32 bits: "
                        + "fewer bits or a larger clipRange");
            }
        }
        return new int[] {k, t};
    }

    /**
     * The spec's federated strategy, checked: an unknown name is a 400 on {@code aggregation.name}; an unknown
     * setting, a value out of range or a quorum too small for the rule (Krum: 2f + 3) on
     * {@code aggregation.settings}.
     */
    public static io.cgfed.core.aggregation.Strategy strategy(ExperimentSpec spec) {
        ExperimentSpec.Aggregation a = spec.aggregation();
        if (!io.cgfed.core.aggregation.Strategies.names().contains(a.name())) {
            throw new InvalidFieldException("aggregation.name", "unknown strategy '" + a.name() + "' (known: "
                    + String.join(", ", io.cgfed.core.aggregation.Strategies.names()) + ")");
        }
        if (a.name().equals(io.cgfed.core.aggregation.Strategies.LORA_SVD) && ExperimentSpec.Lora.FFA.equals(spec.lora().variant())) {
            throw new InvalidFieldException("aggregation.name", "lora-svd refactors A and B, which lora.variant ffa keeps "
                    + "frozen; with ffa the mean (fedavg) is already the exact mean of the clients' weight changes");
        }
        try {
            return io.cgfed.core.aggregation.Strategies.check(a.name(), a.settings(), spec.quorum());
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("aggregation.settings", e.getMessage());
        }
    }

    public static LlamaConfig modelConfig(ExperimentSpec spec) {
        // a checkpoint's config.json is read once per path (the coordinator needs only the architecture)
        return CONFIGS.computeIfAbsent(spec.model().name(), name -> ModelCatalog.resolve(name, 0).config());
    }

    /**
     * The experiment's update layout: the tensors every update of it holds, in order (the adapter's, without the
     * A factors under FFA-LoRA).
     */
    public static List<io.cgfed.core.tensor.TensorSpec> updateLayout(ExperimentSpec spec) {
        List<io.cgfed.core.tensor.TensorSpec> layout = new java.util.ArrayList<>();
        io.cgfed.core.model.LoraAdapter.updateShapes(modelConfig(spec), loraConfig(spec))
                .forEach((name, shape) -> layout.add(new io.cgfed.core.tensor.TensorSpec(name, shape)));
        return layout;
    }

    /**
     * The warm start's adapter, checked against the model's layers and shapes and the spec's LoRA settings;
     * null without one. A bad one is a 400 on {@code initialAdapter.path}.
     */
    public static io.cgfed.core.tensor.NamedTensors initialAdapter(ExperimentSpec spec) {
        if (spec.initialAdapter() == null) {
            return null;
        }
        try {
            return io.cgfed.core.model.PeftAdapter.readDirectory(java.nio.file.Path.of(spec.initialAdapter().path()),
                    modelConfig(spec)).requireMatches(loraConfig(spec)).tensors();
        } catch (java.io.IOException | RuntimeException e) {
            throw new InvalidFieldException("initialAdapter.path", e.getMessage());
        }
    }

    /** Whether the model is a checkpoint whose weights are F16 or BF16 (a worker holds it in float16 by default). */
    public static boolean halfPrecisionBase(ExperimentSpec spec) {
        return HALF.computeIfAbsent(spec.model().name(), name -> !ModelCatalog.exists(name)
                && ModelCatalog.resolve(name, 0).weights().storedAs() != ai.djl.ndarray.types.DataType.FLOAT32);
    }

    public static LoraConfig loraConfig(ExperimentSpec spec) {
        if (spec.lora().targets() != null && new java.util.HashSet<>(spec.lora().targets()).size() != spec.lora().targets().size()) {
            throw new InvalidFieldException("lora.targets", "names a target twice: " + spec.lora().targets());
        }
        double dropout = spec.lora().dropout();
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidFieldException("lora.dropout", "must be at least 0 and below 1");
        }
        if (!ExperimentSpec.Lora.VARIANTS.contains(spec.lora().variant())) {
            throw new InvalidFieldException("lora.variant", "unknown variant '" + spec.lora().variant() + "' (known: "
                    + String.join(", ", ExperimentSpec.Lora.VARIANTS) + ")");
        }
        try {
            return spec.lora().toConfig();
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("lora.targets", e.getMessage());
        }
    }
}
