package io.cgfed.core.codec.rotq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.codec.DeltaWQuality;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeltaWWeightsTest {
    private static final int RANK = 8;

    /** LoRA factors of q and v on two layers of width 64: A (r x 64) of {@code aScale}, B (64 x r) of {@code bScale}. */
    static NamedTensors lora(long seed, double aScale, double bScale) {
        SplittableRandom r = new SplittableRandom(seed);
        NamedTensors t = new NamedTensors();
        for (int layer = 0; layer < 2; layer++) {
            for (String target : List.of("q_proj", "v_proj")) {
                String prefix = "model.layers." + layer + ".self_attn." + target + ".";
                t.put(prefix + "lora_A.weight", gaussian(r, new int[] {RANK, 64}, aScale));
                t.put(prefix + "lora_B.weight", gaussian(r, new int[] {64, RANK}, bScale));
            }
        }
        return t;
    }

    private static FloatTensor gaussian(SplittableRandom r, int[] shape, double sigma) {
        float[] d = new float[shape[0] * shape[1]];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (sigma * RotqCodecTest.gaussian(r));
        }
        return new FloatTensor(shape, d);
    }

    private static Codec codec(String weighting) {
        return Codecs.create("rotq", Map.of("compression", 64, "quantiser", "entropy", "weighting", weighting)).seeded(5);
    }

    @Test
    void earlyInTrainingTheBitsGoToBWhichAloneMovesTheWeights() {
        // the global adapter as training starts: A random, B zero; the update moves B more than A
        NamedTensors global = lora(1, 0.1, 0);
        NamedTensors update = lora(2, 0.001, 0.003);
        int[] codes = DeltaWWeights.codes(global, update);
        List<String> names = List.copyOf(update.names());
        for (int t = 0; t < codes.length; t++) {
            // B's weight ||A'||^2 / r is 0.1^2 / 0.003^2 = 1,111 times A's (||B'||^2 / r): g_A / g_B = 2^-5.06, code 10
            assertThat(codes[t]).as(names.get(t)).isEqualTo(names.get(t).endsWith("lora_B.weight") ? 0 : 10);
        }
        assertThat(DeltaWWeights.codes(lora(3, 0.1, 0.1), lora(4, 0.002, 0.002))).as("A and B alike: alike gains")
                .containsOnly(0);
    }

    @Test
    void weighingByTheWeightsGivesASmallerWeightErrorAtTheSameBytes() {
        // as training starts: B zero, so dW = s dB (A + dA) and the bits dA takes from dB are lost to dW; here
        // 1.87 dB unweighted, 3.92 weighted (dB's relative error 0.65 -> 0.40)
        NamedTensors global = lora(1, 0.1, 0);
        NamedTensors update = lora(2, 0.002, 0.002);
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        Codec plain = codec("none").withReference(global);
        Codec weighted = codec("deltaW").withReference(global);
        byte[] plainBody = plain.encode(update);
        byte[] weightedBody = weighted.encode(update);
        long budget = update.numel() * 4 / 64;
        assertThat((long) weightedBody.length).isLessThanOrEqualTo(budget);
        assertThat((weightedBody[3] & RotqCodec.FLAG_WEIGHTED) != 0).isTrue();
        assertThat((plainBody[3] & RotqCodec.FLAG_WEIGHTED) != 0).as("none: no weights sent").isFalse();
        // the decoder needs no adapter: the codes are in the body
        NamedTensors fromWeighted = codec("deltaW").decode(weightedBody, manifest);
        NamedTensors fromPlain = codec("none").decode(plainBody, manifest);
        double weightedSnr = DeltaWQuality.of(global, update, fromWeighted, 2.0, 64).snrDb();
        double plainSnr = DeltaWQuality.of(global, update, fromPlain, 2.0, 64).snrDb();
        assertThat(weightedSnr).as("dW SNR weighted %.2f dB against plain %.2f dB", weightedSnr, plainSnr)
                .isGreaterThan(plainSnr + 1.5);
    }

    @Test
    void withoutAReferenceOrWithLloydNothingIsWeighed() {
        NamedTensors global = lora(1, 0.1, 0);
        NamedTensors update = lora(2, 0.001, 0.003);
        assertThat(codec("deltaW").encode(update)[3] & RotqCodec.FLAG_WEIGHTED).isZero();
        Codec lloyd = Codecs.create("rotq", Map.of("compression", 64)).seeded(5);
        assertThat(lloyd.withReference(global)).isSameAs(lloyd);
    }

    @Test
    void malformedWeightsAreRefused() {
        NamedTensors global = lora(1, 0.1, 0.005);
        NamedTensors update = lora(2, 0.002, 0.002);
        Codec c = codec("deltaW").withReference(global);
        byte[] body = c.encode(update);
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        assertThatThrownBy(() -> c.decode(java.util.Arrays.copyOf(body, 6), manifest))
                .isInstanceOf(PayloadFormatException.class);
        // seven tensors: the fourth byte's high nibble is padding and must be zero
        List<TensorSpec> seven = manifest.subList(0, 7);
        byte[] padded = body.clone();
        padded[EntropyBody.HEADER + 3] |= (byte) 0x10;
        assertThatThrownBy(() -> c.decode(padded, seven)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("padding");
        assertThatThrownBy(() -> c.decode(java.util.Arrays.copyOf(body, body.length - 3), manifest))
                .isInstanceOf(PayloadFormatException.class);
    }
}
