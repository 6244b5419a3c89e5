package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CodecRoundTripTest {

    static NamedTensors update(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        NamedTensors u = new NamedTensors();
        u.put("layers.0.q.lora_A.weight", gaussian(random, 4, 16));
        u.put("layers.0.q.lora_B.weight", gaussian(random, 16, 4));
        u.put("layers.0.v.lora_A.weight", gaussian(random, 4, 16));
        return u;
    }

    static FloatTensor gaussian(SplittableRandom random, int... shape) {
        float[] d = new float[(int) FloatTensor.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            double u1 = Math.max(random.nextDouble(), 1e-300);
            d[i] = (float) (0.01 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return new FloatTensor(shape, d);
    }

    @Test
    void noneCodecRoundTripIsExact() {
        NamedTensors u = update(1);
        Codec codec = Codecs.create("none", Map.of());
        NamedTensors back = codec.decode(codec.encode(u), TensorSpec.manifestOf(u));
        assertThat(back.names()).containsExactlyElementsOf(u.names());
        for (String name : u.names()) {
            assertThat(back.get(name).shape()).isEqualTo(u.get(name).shape());
            assertThat(back.get(name).data()).containsExactly(u.get(name).data());
        }
    }

    @Test
    void noneCodecKeepsSpecialFloatBitsExactly() {
        float[] special = {0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, -1e-30f, 123456.789f};
        NamedTensors u = new NamedTensors().put("x", new FloatTensor(new int[] {special.length}, special));
        Codec codec = new NoneCodec();
        float[] back = codec.decode(codec.encode(u), TensorSpec.manifestOf(u)).get("x").data();
        for (int i = 0; i < special.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(special[i]));
        }
    }

    @Test
    void fp16RoundTripIsWithinHalfPrecision() {
        NamedTensors u = update(2);
        Codec codec = Codecs.create("fp16", null);
        NamedTensors back = codec.decode(codec.encode(u), TensorSpec.manifestOf(u));
        assertThat(back.names()).containsExactlyElementsOf(u.names());
        float[] x = u.flatten();
        float[] y = back.flatten();
        assertThat(y).hasSameSizeAs(x);
        for (int i = 0; i < x.length; i++) {
            // relative error of round-to-nearest fp16 is at most 2^-11; below 2^-14 (subnormals)
            // the absolute error is at most half the subnormal step 2^-25
            double bound = Math.max(Math.abs(x[i]) * 0x1p-11, 0x1p-25);
            assertThat(Math.abs((double) y[i] - x[i])).as("value %d: %s -> %s", i, x[i], y[i])
                    .isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void fp16RoundTripOfRepresentableValuesIsExact() {
        float[] exact = {0f, 1f, -2f, 0.5f, 65504f, 0x1p-24f, -0.125f};
        NamedTensors u = new NamedTensors().put("x", new FloatTensor(new int[] {exact.length}, exact));
        Codec codec = new Fp16Codec();
        assertThat(codec.decode(codec.encode(u), TensorSpec.manifestOf(u)).get("x").data()).containsExactly(exact);
    }

    @Test
    void noneBodyHasFourBytesPerValue() {
        NamedTensors u = update(3);
        assertThat(new NoneCodec().encode(u)).hasSize((int) (4 * u.numel()));
    }

    @Test
    void fp16BodyHasTwoBytesPerValue() {
        NamedTensors u = update(3);
        assertThat(new Fp16Codec().encode(u)).hasSize((int) (2 * u.numel()));
    }

    @Test
    void noneDecodeWithWrongBodyLengthThrows() {
        NamedTensors u = update(4);
        List<TensorSpec> manifest = TensorSpec.manifestOf(u);
        byte[] body = new NoneCodec().encode(u);
        byte[] shorter = java.util.Arrays.copyOf(body, body.length - 4);
        byte[] longer = java.util.Arrays.copyOf(body, body.length + 1);
        assertThatThrownBy(() -> new NoneCodec().decode(shorter, manifest))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("codec none")
                .hasMessageContaining(String.valueOf(body.length));
        assertThatThrownBy(() -> new NoneCodec().decode(longer, manifest))
                .isInstanceOf(PayloadFormatException.class);
    }

    @Test
    void fp16DecodeWithWrongBodyLengthThrows() {
        NamedTensors u = update(5);
        List<TensorSpec> manifest = TensorSpec.manifestOf(u);
        byte[] body = new Fp16Codec().encode(u);
        assertThatThrownBy(() -> new Fp16Codec().decode(java.util.Arrays.copyOf(body, body.length - 1), manifest))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("codec fp16")
                .hasMessageContaining(String.valueOf(body.length));
        // a none-sized body is twice too long for fp16
        assertThatThrownBy(() -> new Fp16Codec().decode(new NoneCodec().encode(u), manifest))
                .isInstanceOf(PayloadFormatException.class);
    }

    @Test
    void codecsKnowNoneAndFp16ByName() {
        assertThat(Codecs.names()).contains("none", "fp16");
        assertThat(Codecs.exists("fp16")).isTrue();
        assertThat(Codecs.exists("zip")).isFalse();
        assertThat(Codecs.create("none", null).name()).isEqualTo("none");
        assertThat(Codecs.create("fp16", Map.of()).name()).isEqualTo("fp16");
    }

    @Test
    void creatingAnUnknownCodecListsTheKnownNames() {
        assertThatThrownBy(() -> Codecs.create("gzip", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown codec 'gzip'")
                .hasMessageContaining("none")
                .hasMessageContaining("fp16");
    }
}
