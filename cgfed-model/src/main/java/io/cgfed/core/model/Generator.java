package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Text continuation with a KV cache: the prompt is run once, then one position per new token.
 * Temperature 0 is greedy; otherwise tokens are sampled from softmax(logits / temperature), limited
 * to the {@code topK} most likely when topK > 0, reproducibly under the seed.
 */
public final class Generator {
    private final LlamaModel model;

    public Generator(LlamaModel model) {
        this.model = model;
    }

    public record Settings(int maxNewTokens, double temperature, int topK, long seed, int[] stopTokens) {
        public Settings {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("maxNewTokens must not be negative");
            }
            if (temperature < 0) {
                throw new IllegalArgumentException("temperature must not be negative");
            }
            stopTokens = stopTokens == null ? new int[0] : stopTokens.clone();
        }

        public static Settings greedy(int maxNewTokens, int... stopTokens) {
            return new Settings(maxNewTokens, 0, 0, 0, stopTokens);
        }
    }

    /** The new tokens (not the prompt), ending early at a stop token (which is included). */
    public int[] generate(int[] prompt, Settings settings) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        int room = model.config().maxPositionEmbeddings() - prompt.length;
        int budget = Math.min(settings.maxNewTokens(), Math.max(0, room));
        GradMode.off();
        SplittableRandom random = new SplittableRandom(settings.seed());
        List<Integer> out = new ArrayList<>();
        try (KvCache cache = new KvCache(model)) {
            float[] logits = lastLogits(prompt, cache);
            for (int n = 0; n < budget; n++) {
                int next = settings.temperature() == 0 ? argmax(logits) : sample(logits, settings, random);
                out.add(next);
                if (Arrays.stream(settings.stopTokens()).anyMatch(s -> s == next) || n == budget - 1) {
                    break;
                }
                logits = lastLogits(new int[] {next}, cache);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private float[] lastLogits(int[] tokens, KvCache cache) {
        try (NDManager step = model.manager().newSubManager()) {
            long[] ids = Arrays.stream(tokens).asLongStream().toArray();
            NDArray logits = model.forward(NativeArrays.of(step, ids, new Shape(1, ids.length)), cache);
            return logits.get("0, -1, :").toFloatArray();
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static int sample(float[] logits, Settings s, SplittableRandom random) {
        float[] scaled = new float[logits.length];
        float threshold = Float.NEGATIVE_INFINITY;
        if (s.topK() > 0 && s.topK() < logits.length) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            threshold = sorted[sorted.length - s.topK()];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            scaled[i] = logits[i] < threshold ? 0f : (float) Math.exp((logits[i] - max) / s.temperature());
            sum += scaled[i];
        }
        double r = random.nextDouble() * sum;
        for (int i = 0; i < scaled.length; i++) {
            r -= scaled[i];
            if (r <= 0) {
                return i;
            }
        }
        return argmax(logits);
    }
}
