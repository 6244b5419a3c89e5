package io.cgfed.core.protocol;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import java.util.List;
import java.util.Map;

/**
 * What a user submits: the model, the data and its split, the federation (clients, fraction per
 * round, quorum, rounds, deadline), local training, LoRA, and the codec. Optional fields get
 * defaults here; rules that span fields are checked by the coordinator.
 *
 * <p>Fault handling: {@code roundRetries} (default 0) re-opens a round that is below its quorum at
 * its deadline that many times, with new tasks for the clients that did not upload, before the
 * experiment fails; {@code closeAtQuorum} (default false) closes a round as soon as
 * {@code minClients} uploads are in rather than waiting for every selected client (over-selection);
 * {@code taskTimeoutSeconds} (default none) hands a task that has run longer than this to another
 * worker, as the coordinator does for a task whose worker has stopped answering.
 */
public record ExperimentSpec(
        @NotBlank @Size(max = 200) String name,
        @NotNull @Valid Model model,
        @NotNull @Valid Dataset dataset,
        @NotNull @Min(1) @Max(100_000) Integer clients,
        @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double fractionPerRound,
        @Min(1) Integer minClients,
        @NotNull @Min(1) @Max(10_000) Integer rounds,
        @NotNull @Valid Training training,
        @NotNull @Valid Lora lora,
        @NotNull @Valid Codec codec,
        @Min(1) @Max(7 * 24 * 3600) Integer roundDeadlineSeconds,
        Long seed,
        @Min(0) @Max(100) Integer roundRetries,
        Boolean closeAtQuorum,
        @Min(1) @Max(7 * 24 * 3600) Integer taskTimeoutSeconds,
        @Valid InitialAdapter initialAdapter,
        @Valid Aggregation aggregation,
        @Valid SecureAggregation secureAggregation) {

    public ExperimentSpec {
        fractionPerRound = fractionPerRound == null ? 1.0 : fractionPerRound;
        roundDeadlineSeconds = roundDeadlineSeconds == null ? 600 : roundDeadlineSeconds;
        seed = seed == null ? 0L : seed;
        roundRetries = roundRetries == null ? 0 : roundRetries;
        closeAtQuorum = closeAtQuorum != null && closeAtQuorum;
        aggregation = aggregation == null ? Aggregation.FEDAVG : aggregation;
        secureAggregation = secureAggregation == null ? SecureAggregation.OFF : secureAggregation;
    }

    /** Without secure aggregation. */
    public ExperimentSpec(String name, Model model, Dataset dataset, Integer clients, Double fractionPerRound,
                          Integer minClients, Integer rounds, Training training, Lora lora, Codec codec,
                          Integer roundDeadlineSeconds, Long seed, Integer roundRetries, Boolean closeAtQuorum,
                          Integer taskTimeoutSeconds, InitialAdapter initialAdapter, Aggregation aggregation) {
        this(name, model, dataset, clients, fractionPerRound, minClients, rounds, training, lora, codec,
                roundDeadlineSeconds, seed, roundRetries, closeAtQuorum, taskTimeoutSeconds, initialAdapter, aggregation,
                null);
    }

    /**
     * Secure aggregation (SecAgg+, {@code io.cgfed.core.secagg}): the server sees only the sum of the round's
     * updates. {@code neighbours}: each client's degree in the masking graph (0: the default, O(log n));
     * {@code threshold}: shares needed to rebuild a client's secrets (0: a majority of its neighbours);
     * {@code clipRange} and {@code bits}: each update value is clipped to [-clipRange, clipRange] and quantised to
     * {@code bits}-bit levels (16 by default) with stochastic rounding before masking. {@code compression} (0:
     * off): compressed secure aggregation, each update sent as a shared rotation's kept coordinates at this
     * fraction of the update's fp32 bytes (rotq's {@code SummableRotation}; the codec must be {@code none}), the
     * masked levels packed to the bits their sum needs; there each block of the code carries its client's own
     * scale (its RMS, at most {@code clipRange}) and {@code bits} defaults to 1 (levels -1 and +1; the least the
     * levels get, widened where the budget keeps every coordinate), except with
     * distributed DP, which needs one scale for every client ({@code SecureCode}).
     */
    public record SecureAggregation(Boolean enabled, Integer threshold, Integer neighbours, Double clipRange,
                                    Integer bits, Integer compression) {
        public static final SecureAggregation OFF = new SecureAggregation(false, null, null, null, null, null);

        /** Without compression. */
        public SecureAggregation(Boolean enabled, Integer threshold, Integer neighbours, Double clipRange, Integer bits) {
            this(enabled, threshold, neighbours, clipRange, bits, null);
        }

        public SecureAggregation {
            enabled = enabled != null && enabled;
            threshold = threshold == null ? 0 : threshold;
            neighbours = neighbours == null ? 0 : neighbours;
            clipRange = clipRange == null ? 0.5 : clipRange;
            compression = compression == null ? 0 : compression;
            bits = bits == null ? (compression > 0 ? 1 : 16) : bits;
        }
    }

    /** With the default strategy (FedAvg). */
    public ExperimentSpec(String name, Model model, Dataset dataset, Integer clients, Double fractionPerRound,
                          Integer minClients, Integer rounds, Training training, Lora lora, Codec codec,
                          Integer roundDeadlineSeconds, Long seed, Integer roundRetries, Boolean closeAtQuorum,
                          Integer taskTimeoutSeconds, InitialAdapter initialAdapter) {
        this(name, model, dataset, clients, fractionPerRound, minClients, rounds, training, lora, codec,
                roundDeadlineSeconds, seed, roundRetries, closeAtQuorum, taskTimeoutSeconds, initialAdapter, null);
    }

    /** Without the fault-handling options (no retries, no early close, no task timeout). */
    public ExperimentSpec(String name, Model model, Dataset dataset, Integer clients, Double fractionPerRound,
                          Integer minClients, Integer rounds, Training training, Lora lora, Codec codec,
                          Integer roundDeadlineSeconds, Long seed) {
        this(name, model, dataset, clients, fractionPerRound, minClients, rounds, training, lora, codec,
                roundDeadlineSeconds, seed, null, null, null, null);
    }

    /** Without a warm start. */
    public ExperimentSpec(String name, Model model, Dataset dataset, Integer clients, Double fractionPerRound,
                          Integer minClients, Integer rounds, Training training, Lora lora, Codec codec,
                          Integer roundDeadlineSeconds, Long seed, Integer roundRetries, Boolean closeAtQuorum,
                          Integer taskTimeoutSeconds) {
        this(name, model, dataset, clients, fractionPerRound, minClients, rounds, training, lora, codec,
                roundDeadlineSeconds, seed, roundRetries, closeAtQuorum, taskTimeoutSeconds, null);
    }

    /**
     * A warm start: round 0 starts from this PEFT adapter directory ({@code adapter_config.json} and
     * {@code adapter_model.safetensors}; inside the coordinator's model roots) instead of a fresh
     * initialisation. Its rank, alpha and targets must be the spec's {@code lora}.
     */
    public record InitialAdapter(@NotBlank String path) {
    }

    /**
     * The federated strategy ({@code io.cgfed.core.aggregation.Strategies}): {@code fedavg} by default;
     * {@code fedavgm}, {@code fedadam}, {@code fedyogi}, {@code fedadagrad} (server optimisers over the mean),
     * {@code median}, {@code trimmed-mean}, {@code krum}, {@code multi-krum} (robust rules), each with its
     * settings ({@code GET /api/v1/strategies} lists them with their defaults).
     */
    public record Aggregation(String name, Map<String, Object> settings) {
        public static final Aggregation FEDAVG = new Aggregation("fedavg", Map.of());

        public Aggregation {
            name = name == null ? "fedavg" : name;
            settings = settings == null ? Map.of() : Map.copyOf(settings);
        }
    }

    /** Clients selected each round: ceil(fraction x clients), at least one. */
    public int clientsPerRound() {
        return Math.max(1, (int) Math.ceil(fractionPerRound * clients - 1e-9));
    }

    /** The quorum: at least this many uploads close a round at its deadline. */
    public int quorum() {
        return minClients == null ? clientsPerRound() : minClients;
    }

    /** A built-in model by name (a Hugging Face checkpoint directory comes with issue 3). */
    public record Model(@NotBlank String name, Long seed) {
        public Model {
            seed = seed == null ? 0L : seed;
        }
    }

    /**
     * The data. {@code name}: {@code demo-mc} (generated) or {@code multiple-choice} (CSV files in the
     * C-Eval or MMLU layout under {@code path}, a directory every worker can read; held-out questions
     * from {@code evalPath}, or else set aside from the pool). {@code trainExamples} caps the pool that
     * is split across clients, {@code evalExamples} the held-out set. {@code partition}: {@code iid},
     * {@code dirichlet:ALPHA} over categories, or {@code local} (each worker trains on the files in its
     * own data directory, which never leave it). {@code tgapFraction}: the share of the pool set aside as
     * D1 for codec pre-training; clients train on their shard of the rest (D2).
     */
    public record Dataset(@NotBlank String name, Long seed, @NotNull @Positive @Max(1_000_000) Integer trainExamples,
                          @NotNull @Positive @Max(100_000) Integer evalExamples, String partition, String path, String evalPath,
                          @DecimalMin("0.0") @DecimalMax(value = "1.0", inclusive = false) Double tgapFraction) {
        public Dataset {
            seed = seed == null ? 0L : seed;
            partition = partition == null ? "iid" : partition;
            tgapFraction = tgapFraction == null ? 0.0 : tgapFraction;
        }

        public Dataset(String name, Long seed, Integer trainExamples, Integer evalExamples, String partition) {
            this(name, seed, trainExamples, evalExamples, partition, null, null, null);
        }
    }

    /**
     * Local training per selected client and round; micro-batches accumulate into one step.
     * {@code maxSequenceLength} (optional; default the model's context) cuts every training and
     * evaluation sequence to that many tokens; with it the coordinator knows a task's whole memory
     * estimate at submit. {@code activationCheckpointing} (optional) keeps activations per decoder layer
     * and recomputes the rest in the backward pass; by default a worker turns it on when it holds the
     * base in half precision (whose widened weights would otherwise all stay alive for the backward).
     */
    public record Training(@NotNull @Min(1) @Max(1_000_000) Integer localSteps, @NotNull @Min(1) @Max(4096) Integer batchSize,
                           @Min(1) @Max(4096) Integer microBatchSize,
                           @NotNull @Positive @DecimalMax("10.0") Double learningRate, @Min(0) @Max(1_000_000) Integer warmupSteps,
                           @DecimalMin("0.0") @DecimalMax("100.0") Double weightDecay,
                           @DecimalMin("0.0") @DecimalMax("1000000.0") Double maxGradNorm,
                           @Min(1) @Max(1_048_576) Integer maxSequenceLength, Boolean activationCheckpointing,
                           @DecimalMin("0.0") @DecimalMax("1000.0") Double proximalMu) {
        public Training {
            proximalMu = proximalMu == null ? 0.0 : proximalMu;
            microBatchSize = microBatchSize == null ? batchSize : microBatchSize;
            warmupSteps = warmupSteps == null ? 0 : warmupSteps;
            weightDecay = weightDecay == null ? 0.0 : weightDecay;
            maxGradNorm = maxGradNorm == null ? 1.0 : maxGradNorm;
        }

        /** Without FedProx's proximal term. */
        public Training(Integer localSteps, Integer batchSize, Integer microBatchSize, Double learningRate,
                        Integer warmupSteps, Double weightDecay, Double maxGradNorm, Integer maxSequenceLength,
                        Boolean activationCheckpointing) {
            this(localSteps, batchSize, microBatchSize, learningRate, warmupSteps, weightDecay, maxGradNorm,
                    maxSequenceLength, activationCheckpointing, null);
        }

        /** Without a sequence cap or a checkpointing choice. */
        public Training(Integer localSteps, Integer batchSize, Integer microBatchSize, Double learningRate,
                        Integer warmupSteps, Double weightDecay, Double maxGradNorm) {
            this(localSteps, batchSize, microBatchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, null, null);
        }

        /** Without micro-batching (one micro-batch per batch). */
        public Training(Integer localSteps, Integer batchSize, Double learningRate, Integer warmupSteps,
                        Double weightDecay, Double maxGradNorm) {
            this(localSteps, batchSize, null, learningRate, warmupSteps, weightDecay, maxGradNorm, null, null);
        }

        /** The longest sequence a task may train on: the cap, within the model's context. */
        public int sequenceCap(int modelContext) {
            return maxSequenceLength == null ? modelContext : Math.min(maxSequenceLength, modelContext);
        }
    }

    /**
     * LoRA rank, alpha, target projections (q, k, v, o, gate, up, down), the dropout probability
     * on the LoRA branch during training (optional, 0.0 by default, 0 <= p < 1), and the variant:
     * {@code standard} (A and B train and travel; the default) or {@code ffa} (FFA-LoRA: A stays at its seeded
     * initialisation on every client, only B trains and travels, so updates are half the values and their mean
     * is the mean of the clients' weight changes).
     */
    public record Lora(@NotNull @Min(1) @Max(1024) Integer rank, @NotNull @Positive Double alpha,
                       @NotEmpty List<@NotBlank String> targets,
                       @DecimalMin("0.0") @DecimalMax(value = "1.0", inclusive = false) Double dropout,
                       String variant) {
        public static final String STANDARD = "standard";
        public static final String FFA = "ffa";
        public static final List<String> VARIANTS = List.of(STANDARD, FFA);

        public Lora {
            dropout = dropout == null ? 0.0 : dropout;
            variant = variant == null || variant.isBlank() ? STANDARD : variant;
        }

        /** Standard LoRA. */
        public Lora(Integer rank, Double alpha, List<String> targets, Double dropout) {
            this(rank, alpha, targets, dropout, null);
        }

        /** Without dropout. */
        public Lora(Integer rank, Double alpha, List<String> targets) {
            this(rank, alpha, targets, null, null);
        }

        /** @throws IllegalArgumentException for an unknown target name or variant, or a dropout outside [0, 1) */
        public LoraConfig toConfig() {
            if (!VARIANTS.contains(variant)) {
                throw new IllegalArgumentException("unknown LoRA variant '" + variant + "' (known: " + VARIANTS + ")");
            }
            return new LoraConfig(rank, alpha, targets.stream().map(LoraTarget::parse).toList(), dropout,
                    FFA.equals(variant));
        }
    }

    /**
     * The update codec by name, with its settings; {@code errorFeedback}: each client adds what the
     * codec lost in its previous round to its next update (default false); {@code privacy}: client-side
     * differential privacy before encoding (none by default); {@code audit}: workers also upload their
     * raw updates so that the platform can measure the codec's aggregate fidelity. Audit is for
     * measurement only and must never be used where the updates are private: the raw updates leave
     * the clients. {@code updateNoiseSigma}: a robustness experiment, not a privacy mechanism: each
     * client adds Gaussian noise of this standard deviation (per value, seeded per client and round) to
     * its update after training (and after differential privacy, if any) and before encoding; workers
     * then report how far the server's reconstruction is from the clean update (default 0: none).
     */
    public record Codec(@NotBlank String name, Map<String, Object> settings, Boolean errorFeedback,
                        @Valid Privacy privacy, Boolean audit,
                        @DecimalMin("0.0") @DecimalMax("1000.0") Double updateNoiseSigma) {
        public Codec {
            settings = settings == null ? Map.of() : Map.copyOf(settings);
            errorFeedback = errorFeedback != null && errorFeedback;
            audit = audit != null && audit;
            updateNoiseSigma = updateNoiseSigma == null ? 0.0 : updateNoiseSigma;
        }

        public Codec(String name, Map<String, Object> settings, Boolean errorFeedback, Privacy privacy, Boolean audit) {
            this(name, settings, errorFeedback, privacy, audit, null);
        }

        public Codec(String name, Map<String, Object> settings, Boolean errorFeedback, Privacy privacy) {
            this(name, settings, errorFeedback, privacy, null, null);
        }

        public Codec(String name, Map<String, Object> settings) {
            this(name, settings, null, null);
        }
    }

    /**
     * Client-side (epsilon, delta)-differential privacy over the whole run: each update is clipped to
     * L2 norm {@code clipNorm} and gets Gaussian noise calibrated by an RDP accountant for a client
     * that takes part in every round.
     */
    public record Privacy(@NotNull @Positive Double epsilon, @NotNull @Positive @DecimalMax(value = "1.0", inclusive = false) Double delta,
                          @NotNull @Positive Double clipNorm) {
    }
}
