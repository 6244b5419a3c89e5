package io.cgfed.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.text.ByteTokenizer;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.data.TokenBatch;
import io.cgfed.core.model.GradMode;
import io.cgfed.core.data.InstructionExample;
import io.cgfed.core.data.SequenceBatch;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.text.TextTokenizer;
import io.cgfed.core.model.NativeArrays;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held-out evaluation: loss of the answer letter, and multiple-choice accuracy by comparing the
 * log-likelihoods of the option letters (as C-Eval and MMLU are scored), per category and overall.
 */
public final class Evaluator {
    private final TextTokenizer tokenizer;
    private final int batchSize;
    private final int maxSequenceLength;

    /** For the built-in byte-level models. */
    public Evaluator(int batchSize) {
        this(batchSize, new ByteTokenizer());
    }

    public Evaluator(int batchSize, TextTokenizer tokenizer) {
        this(batchSize, tokenizer, 0);
    }

    /** maxSequenceLength: sequences cut to that many tokens (0: the model's context), as in training. */
    public Evaluator(int batchSize, TextTokenizer tokenizer, int maxSequenceLength) {
        this.batchSize = batchSize;
        this.tokenizer = tokenizer;
        this.maxSequenceLength = maxSequenceLength;
    }

    private int cap(LlamaModel model) {
        int context = model.config().maxPositionEmbeddings();
        return maxSequenceLength <= 0 ? context : Math.min(maxSequenceLength, context);
    }

    public EvalResult evaluate(LlamaModel model, List<MultipleChoiceExample> examples) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no evaluation examples");
        }
        GradMode.off();
        double lossSum = 0;
        int correct = 0;
        Map<String, int[]> perCategory = new LinkedHashMap<>();
        for (int start = 0; start < examples.size(); start += batchSize) {
            List<MultipleChoiceExample> chunk = examples.subList(start, Math.min(examples.size(), start + batchSize));
            TokenBatch tb = TokenBatch.of(chunk, tokenizer, cap(model));
            float[] logProbs = lastPositionLogProbs(model, tb);
            int vocab = model.config().vocabSize();
            for (int b = 0; b < tb.batch(); b++) {
                MultipleChoiceExample ex = chunk.get(b);
                int row = b * vocab;
                lossSum -= logProbs[row + tokenizer.answerToken(ex.answerLetter())];
                int best = 0;
                for (int o = 1; o < ex.numOptions(); o++) {
                    if (logProbs[row + tokenizer.answerToken((char) ('A' + o))]
                            > logProbs[row + tokenizer.answerToken((char) ('A' + best))]) {
                        best = o;
                    }
                }
                boolean hit = best == ex.answer();
                correct += hit ? 1 : 0;
                int[] c = perCategory.computeIfAbsent(ex.category(), k -> new int[2]);
                c[0] += hit ? 1 : 0;
                c[1]++;
            }
        }
        Map<String, Double> accuracy = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        perCategory.forEach((k, c) -> {
            accuracy.put(k, (double) c[0] / c[1]);
            counts.put(k, c[1]);
        });
        double loss = lossSum / examples.size();
        return new EvalResult(loss, Math.exp(loss), (double) correct / examples.size(), accuracy, examples.size(),
                counts);
    }

    /**
     * Held-out loss of instruction examples: mean cross-entropy over response tokens (and EOS), and
     * its perplexity; there is no accuracy (NaN) for free-form responses.
     */
    public EvalResult evaluateInstructions(LlamaModel model, List<InstructionExample> examples) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no evaluation examples");
        }
        GradMode.off();
        double logProbSum = 0;
        long tokens = 0;
        for (int start = 0; start < examples.size(); start += batchSize) {
            List<InstructionExample> chunk = examples.subList(start, Math.min(examples.size(), start + batchSize));
            SequenceBatch sb = SequenceBatch.ofInstructions(chunk, tokenizer, cap(model));
            try (NDManager step = model.manager().newSubManager()) {
                Shape shape = new Shape(sb.batch(), sb.seq());
                NDArray targets = NativeArrays.of(step, sb.targets(), shape);
                NDArray mask = NativeArrays.of(step, sb.lossMask(), shape);
                logProbSum += model.targetLogProbs(NativeArrays.of(step, sb.tokens(), shape), targets).mul(mask).sum()
                        .getFloat();
            }
            tokens += sb.lossTokenCount();
        }
        double loss = -logProbSum / Math.max(1, tokens);
        return new EvalResult(loss, Math.exp(loss), Double.NaN, Map.of(), examples.size(), Map.of());
    }

    /** Log-softmax over the vocabulary at each example's last prompt position: (batch x vocab). */
    private static float[] lastPositionLogProbs(LlamaModel model, TokenBatch tb) {
        try (NDManager step = model.manager().newSubManager()) {
            NDArray tokens = NativeArrays.of(step, tb.tokens(), new Shape(tb.batch(), tb.seq()));
            long[] index = new long[tb.batch()];
            for (int b = 0; b < index.length; b++) {
                index[b] = tb.lastIndex()[b];
            }
            // the head at the last prompt positions only, not over every position's vocabulary
            return model.logitsAt(tokens, index).logSoftmax(-1).toFloatArray();
        }
    }

    /** Held-out loss (and its perplexity), accuracy overall and per category, examples per category. */
    public record EvalResult(double loss, double perplexity, double accuracy, Map<String, Double> accuracyByCategory,
                             int examples, Map<String, Integer> examplesByCategory) {
        public List<String> categories() {
            return new ArrayList<>(accuracyByCategory.keySet());
        }
    }
}
