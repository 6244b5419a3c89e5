package io.cgfed.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.text.ByteTokenizer;
import io.cgfed.core.data.InstructionExample;
import io.cgfed.core.data.LossBatch;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.data.SequenceBatch;
import io.cgfed.core.data.TokenBatch;
import io.cgfed.core.model.GradMode;
import io.cgfed.core.model.GradientCollectors;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.text.TextTokenizer;
import io.cgfed.core.model.NativeArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Trains a model's LoRA factors on a client's examples: shuffled mini-batches, AdamW, a fresh
 * optimizer per task (as FedIT-style clients do each round).
 */
public final class LocalTrainer {
    /** DJL allows one open GradientCollector per process: trainings (and codec trainings) in one JVM take turns. */
    private static final ReentrantLock ONE_TRAINING_PER_PROCESS = GradientCollectors.TURN;

    private final TextTokenizer tokenizer;

    /** For the built-in byte-level models. */
    public LocalTrainer() {
        this(new ByteTokenizer());
    }

    public LocalTrainer(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Multiple-choice examples: the loss is on the answer letter. */
    public TrainingResult train(LlamaModel model, List<MultipleChoiceExample> examples, TrainingConfig config) {
        int maxSeq = config.sequenceCap(model.config().maxPositionEmbeddings());
        return train(model, examples, config, batch -> TokenBatch.of(batch, tokenizer, maxSeq));
    }

    /**
     * Instruction examples in the Alpaca template: the loss is on the response (and EOS), sequences
     * cut to the model's context length.
     */
    public TrainingResult trainInstructions(LlamaModel model, List<InstructionExample> examples, TrainingConfig config) {
        int maxSeq = config.sequenceCap(model.config().maxPositionEmbeddings());
        return train(model, examples, config, batch -> SequenceBatch.ofInstructions(batch, tokenizer, maxSeq));
    }

    /** The longest model input (tokens) of these multiple-choice examples, as {@link #train} lays them out. */
    public int longestSequence(List<MultipleChoiceExample> examples, int maxSeq) {
        int prefix = tokenizer.bos() >= 0 ? 1 : 0;
        int longest = 1;
        for (MultipleChoiceExample e : examples) {
            longest = Math.max(longest, tokenizer.encode(e.prompt()).length + prefix);
        }
        return Math.min(longest, maxSeq);
    }

    /** The longest model input (tokens) of these instruction examples, as {@link #trainInstructions} cuts them. */
    public int longestInstructionSequence(List<InstructionExample> examples, int maxSeq) {
        int longest = 1;
        for (InstructionExample e : examples) {
            longest = Math.max(longest, SequenceBatch.ofInstructions(List.of(e), tokenizer, maxSeq).seq());
        }
        return longest;
    }

    private <T> TrainingResult train(LlamaModel model, List<T> examples, TrainingConfig config,
                                     Function<List<T>, LossBatch> toBatch) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        ONE_TRAINING_PER_PROCESS.lock();
        clearGradients(model);
        // dropout masks come from libtorch's generator: seeded per task for a reproducible run
        Engine.getInstance().setRandomSeed((int) (config.seed() ^ (config.seed() >>> 32)));
        model.setTraining(true);
        try (AdamW optimizer = new AdamW(model.manager(), config.weightDecay(), config.maxGradNorm());
             ProximalTerm proximal = ProximalTerm.of(model, config.proximalMu())) {
            SplittableRandom random = new SplittableRandom(config.seed());
            // its own stream, so that the batches are the same with and without checkpointing
            SplittableRandom dropoutSeeds = new SplittableRandom(~config.seed());
            List<T> order = new ArrayList<>(examples);
            int cursor = order.size();
            double lossSum = 0;
            double firstLoss = Double.NaN;
            double lastLoss = Double.NaN;
            long[] tokens = {0};
            for (int s = 0; s < config.steps(); s++) {
                List<T> batch = new ArrayList<>(config.batchSize());
                while (batch.size() < config.batchSize()) {
                    if (cursor >= order.size()) {
                        shuffle(order, random);
                        cursor = 0;
                    }
                    batch.add(order.get(cursor++));
                }
                List<LossBatch> micro = microBatches(batch, config.microBatchSize(), toBatch);
                for (LossBatch tb : micro) {
                    tokens[0] += (long) tb.batch() * tb.seq();
                }
                double loss = step(model, optimizer, proximal, micro, config.learningRateAt(s),
                        config.activationCheckpointing(), dropoutSeeds);
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss " + loss + " at step " + s);
                }
                if (s == 0) {
                    firstLoss = loss;
                }
                lastLoss = loss;
                lossSum += loss;
            }
            return new TrainingResult(config.steps(), examples.size(), lossSum / config.steps(), firstLoss, lastLoss,
                    tokens[0]);
        } finally {
            model.setTraining(false);
            ONE_TRAINING_PER_PROCESS.unlock();
        }
    }

    /** A failed earlier run may have left gradients behind: start from zero. */
    private static void clearGradients(LlamaModel model) {
        GradMode.off();
        for (NDArray p : model.loraParameters().values()) {
            if (p.hasGradient()) {
                try (NDArray g = p.getGradient()) {
                    AdamW.zero(g);
                }
            }
        }
    }

    private static <T> List<LossBatch> microBatches(List<T> batch, int size, Function<List<T>, LossBatch> toBatch) {
        List<LossBatch> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i += size) {
            out.add(toBatch.apply(batch.subList(i, Math.min(batch.size(), i + size))));
        }
        return out;
    }

    /**
     * One optimizer step over a batch given as micro-batches: gradients accumulate over them, each
     * micro-batch's mean loss weighted by its share of the batch's loss tokens, so the step equals the
     * full batch's. Returns the batch's mean loss.
     */
    private static double step(LlamaModel model, AdamW optimizer, ProximalTerm proximal, List<LossBatch> micro,
                               double lr, boolean checkpointing, SplittableRandom dropoutSeeds) {
        double tokensInBatch = 0;
        for (LossBatch tb : micro) {
            tokensInBatch += tb.lossTokenCount();
        }
        try (NDManager step = model.manager().newSubManager()) {
            double loss = 0;
            for (LossBatch tb : micro) {
                double share = tb.lossTokenCount() / Math.max(1, tokensInBatch);
                Shape shape = new Shape(tb.batch(), tb.seq());
                NDArray tokens = NativeArrays.of(step, tb.tokens(), shape);
                NDArray targets = NativeArrays.of(step, tb.targets(), shape);
                NDArray mask = NativeArrays.of(step, tb.lossMask(), shape);
                NDArray weight = NativeArrays.scalar(step, share);
                loss += model.lossAndGradients(tokens, targets, mask, weight, checkpointing, dropoutSeeds.nextLong());
            }
            proximal.addGradient(model);
            optimizer.step(model.loraParameters(), lr, step);
            return loss;
        }
    }



    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    /** What a local training run did: mean, first and last mini-batch loss, and the token positions it ran (padding included). */
    public record TrainingResult(int steps, int examples, double meanLoss, double firstLoss, double lastLoss,
                                 long tokens) {
        /** Without a token count. */
        public TrainingResult(int steps, int examples, double meanLoss, double firstLoss, double lastLoss) {
            this(steps, examples, meanLoss, firstLoss, lastLoss, 0);
        }
    }
}
