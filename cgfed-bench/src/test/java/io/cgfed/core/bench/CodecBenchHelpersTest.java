package io.cgfed.core.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.codec.Codecs;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecBenchHelpersTest {
    @Test
    void gainRecoveredIsTheShareOfTheUncompressedImprovement() {
        assertThat(GainRecovered.loss(1.0, 0.6, 0.5)).isCloseTo(0.8, within(1e-12));
        assertThat(GainRecovered.loss(1.0, 1.2, 0.5)).isCloseTo(-0.4, within(1e-12));
        assertThat(GainRecovered.accuracy(0.5, 0.7, 0.75)).isCloseTo(0.8, within(1e-12));
        assertThat(GainRecovered.loss(1.0, 0.9, 1.0)).isNaN();
    }

    @Test
    void aPredictionBothSidesHoldLiftsRotqAtTheSameBodyBytes() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] p = new float[7168];
        float[] u = new float[7168];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
            u[i] = (float) (0.8 * p[i] + 0.6 * r.nextGaussian()); // cosine 0.8 with the prediction
        }
        NamedTensors prediction = new NamedTensors().put("x", new FloatTensor(new int[] {7168}, p));
        NamedTensors update = new NamedTensors().put("x", new FloatTensor(new int[] {7168}, u));
        assertThat(prediction.scaled(2).get("x").data()[5]).isEqualTo(2 * p[5]);
        var manifest = io.cgfed.core.tensor.TensorSpec.manifestOf(update);
        io.cgfed.core.codec.Codec plain = Codecs.create("rotq", Map.of("compression", 64)).seeded(9);
        io.cgfed.core.codec.Codec predicted = new PredictedCodec(Codecs.create("rotq", Map.of("compression", 64)),
                prediction).seeded(9);
        byte[] a = plain.encode(update);
        byte[] b = predicted.encode(update);
        assertThat(b.length).isEqualTo(a.length);
        double plainCos = io.cgfed.core.codec.ReconstructionQuality.of(update, plain.decode(a, manifest)).cosine();
        double predictedCos = io.cgfed.core.codec.ReconstructionQuality.of(update, predicted.decode(b, manifest)).cosine();
        assertThat(predictedCos).isGreaterThan(plainCos + 0.2);
        // without a prediction it is the inner codec with a zero coefficient
        assertThat(new PredictedCodec(Codecs.create("rotq", Map.of()), null).encode(update)).hasSize(a.length);
    }

    @Test
    void topkFitsTheByteBudgetExactly() {
        // tiny-llama r8 on q,k,v,o: 7,168 values, 28,672 fp32 bytes; 1/64 is 448 bytes = 4 + 6 x 74
        assertThat(ByteBudget.bytes(7168, 64)).isEqualTo(448);
        assertThat(ByteBudget.topkKept(7168, 64)).isEqualTo(74);
        NamedTensors update = new NamedTensors().put("x", new FloatTensor(new int[] {7168}, ramp(7168)));
        byte[] body = Codecs.create("topk", Map.of("fraction", ByteBudget.topkFraction(7168, 64))).encode(update);
        assertThat(body.length).isEqualTo(4 + 6 * 74).isLessThanOrEqualTo(448);
        assertThat(ByteBudget.topkKept(10, 64)).isEqualTo(1);
    }

    @Test
    void seedTablePrintsMeanAndSampleStd() {
        SeedTable t = new SeedTable("t", List.of("a", "b"), List.of("%.2f", "%.1f"));
        t.add("row", "a", 1.0).add("row", "a", 3.0).add("row", "b", 5.0).note("skipped one", "skipped: why");
        assertThat(t.cell("row", 0)).isEqualTo("2.00 ± 1.41");
        assertThat(t.cell("row", 1)).isEqualTo("5.0");
        assertThat(t.markdown()).contains("| row | 2.00 ± 1.41 | 5.0 |").contains("| skipped one | skipped: why |");
        assertThat(new SeedTable("u", List.of("snr"), List.of("%.1f")).add("none", "snr", Double.POSITIVE_INFINITY)
                .cell("none", 0)).isEqualTo("inf");
        assertThatThrownBy(() -> t.add("row", "c", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cgaeVariantsParseLabelsSettingsAndRefit() {
        List<CgaeVariant> v = CgaeVariant.parseAll("linear c64: compression=64; refit: compression=64, refit=true, "
                + "adaptMemory=0.25; mlp: architecture=mlp, tile=64", 32);
        assertThat(v).hasSize(3);
        assertThat(v.get(0).settings()).isEqualTo(Map.of("tile", 32, "compression", 64));
        assertThat(v.get(1).refit()).isTrue();
        assertThat(v.get(1).settings()).containsEntry("adaptMemory", 0.25).doesNotContainKey("refit");
        assertThat(v.get(2).architecture()).isEqualTo("mlp");
        assertThat(v.get(2).settings()).containsEntry("tile", 64);
        assertThatThrownBy(() -> CgaeVariant.parseAll("no label", 32)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aggregateCosineComparesTheMeansNotTheUpdates() {
        NamedTensors[] raw = {vec(1, 0), vec(0, 1)};
        NamedTensors[] rec = {vec(1, 0), vec(0, -1)};   // one update perfect, one reversed
        assertThat(CodecQuality.aggregateCosine(raw, rec, 0, 2)).isCloseTo(0.0, within(1e-9));
        assertThat(CodecQuality.aggregateCosine(raw, rec, 0, 1)).isCloseTo(1.0, within(1e-9));
    }

    private static NamedTensors vec(float a, float b) {
        return new NamedTensors().put("v", new FloatTensor(new int[] {2}, new float[] {a, b}));
    }

    private static float[] ramp(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.sin(i * 0.37) * 0.01f;
        }
        return x;
    }
}
