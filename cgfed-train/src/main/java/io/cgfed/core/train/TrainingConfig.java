package io.cgfed.core.train;

/**
 * Local training settings of one client task. The learning rate warms up linearly over
 * {@code warmupSteps}, then decays linearly to zero at {@code steps}. A batch of {@code batchSize}
 * examples is processed in micro-batches of {@code microBatchSize} whose gradients accumulate into
 * one optimizer step (memory scales with the micro-batch, the update with the batch). With
 * {@code activationCheckpointing} the backward pass recomputes each decoder layer's forward and keeps
 * activations per layer only ({@link io.cgfed.core.model.LlamaModel#lossAndGradients}).
 * {@code maxSequenceLength} (0: the model's context) cuts longer examples.
 */
public record TrainingConfig(int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
                             double weightDecay, double maxGradNorm, long seed, boolean activationCheckpointing,
                             int maxSequenceLength, double proximalMu) {

    /** Without FedProx's proximal term. */
    public TrainingConfig(int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
                          double weightDecay, double maxGradNorm, long seed, boolean activationCheckpointing,
                          int maxSequenceLength) {
        this(steps, batchSize, microBatchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, seed,
                activationCheckpointing, maxSequenceLength, 0.0);
    }

    /** Sequences as long as the model's context. */
    public TrainingConfig(int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
                          double weightDecay, double maxGradNorm, long seed, boolean activationCheckpointing) {
        this(steps, batchSize, microBatchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, seed,
                activationCheckpointing, 0);
    }

    /** Without activation checkpointing. */
    public TrainingConfig(int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
                          double weightDecay, double maxGradNorm, long seed) {
        this(steps, batchSize, microBatchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, seed, false);
    }

    /** Without gradient accumulation: one micro-batch per batch. */
    public TrainingConfig(int steps, int batchSize, double learningRate, int warmupSteps, double weightDecay,
                          double maxGradNorm, long seed) {
        this(steps, batchSize, batchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, seed, false);
    }

    public TrainingConfig {
        if (microBatchSize <= 0 || microBatchSize > batchSize) {
            throw new IllegalArgumentException("microBatchSize must be in [1, batchSize]");
        }
        if (steps <= 0) {
            throw new IllegalArgumentException("steps must be positive");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be positive");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must not be negative");
        }
        if (!(proximalMu >= 0) || Double.isInfinite(proximalMu)) {
            throw new IllegalArgumentException("proximalMu must be >= 0 and finite");
        }
    }

    /** The same settings with activation checkpointing on or off. */
    public TrainingConfig withActivationCheckpointing(boolean on) {
        return new TrainingConfig(steps, batchSize, microBatchSize, learningRate, warmupSteps, weightDecay, maxGradNorm,
                seed, on, maxSequenceLength, proximalMu);
    }

    /** The longest sequence trained on for a model of this context (maxSequenceLength 0: the context). */
    public int sequenceCap(int modelContext) {
        return maxSequenceLength <= 0 ? modelContext : Math.min(maxSequenceLength, modelContext);
    }

    public double learningRateAt(int step) {
        if (warmupSteps > 0 && step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        int decaySteps = Math.max(1, steps - warmupSteps);
        return learningRate * Math.max(0.0, 1.0 - (double) (step - warmupSteps) / decaySteps);
    }
}
