package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.tensor.NamedTensors;
import org.junit.jupiter.api.Test;

/** The DJL model against {@link ReferenceLlama}, Hugging Face's LLaMA in double precision. */
class ReferenceLlamaTest {
    private static final double TOLERANCE = 1e-4;

    private static double compare(String what, LlamaConfig config, long seed) {
        NamedTensors base = RandomLlama.weights(config, seed);
        NamedTensors adapter = RandomLlama.adapter(config, seed + 100);
        double[][][] expected = ReferenceLlama.logits(config, base, adapter, RandomLlama.LORA, RandomLlama.TOKENS);
        float[][][] actual = RandomLlama.logits(config, WeightSource.of(base), adapter, RandomLlama.TOKENS);
        double diff = RandomLlama.maxAbsDiff(actual, expected);
        System.out.printf("%s: max |logit difference| %.3g over logits up to %.3g%n",
                what, diff, RandomLlama.maxAbs(expected));
        assertThat(diff).as(what).isLessThan(TOLERANCE);
        // the comparison has teeth: logits spread over several units, and LoRA moves them
        assertThat(RandomLlama.maxAbs(expected)).isGreaterThan(1.0);
        double[][][] withoutLora = ReferenceLlama.logits(config, base, null, null, RandomLlama.TOKENS);
        assertThat(RandomLlama.maxAbsDiff(actual, withoutLora)).isGreaterThan(100 * TOLERANCE);
        return diff;
    }

    @Test
    void gqaModelWithLoraOnAttentionAndMlpMatchesHuggingFace() {
        compare("GQA 4/2 heads, untied, LoRA q,v,o,gate,down", RandomLlama.GQA, 21);
    }

    @Test
    void tiedEmbeddingsMatchHuggingFace() {
        compare("GQA 4/2 heads, tied embeddings, theta 5e5", RandomLlama.TIED, 22);
    }

    @Test
    void multiHeadAttentionWithoutGroupsMatchesHuggingFace() {
        compare("MHA 4/4 heads", new LlamaConfig(RandomLlama.VOCAB, 32, 48, 1, 4, 4, 1e-5, 10000.0, 16, false), 23);
    }

    @Test
    void oneKeyValueHeadForAllQueryHeadsMatchesHuggingFace() {
        compare("MQA 4/1 heads", new LlamaConfig(RandomLlama.VOCAB, 32, 48, 1, 4, 1, 1e-5, 10000.0, 16, false), 24);
    }
}
