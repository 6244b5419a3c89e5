package io.cgfed.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    private static NamedTensors sample() {
        SplittableRandom random = new SplittableRandom(3);
        NamedTensors t = new NamedTensors();
        // deliberately not in alphabetical order: the file must keep insertion order
        t.put("zeta.weight", tensor(random, 3, 4));
        t.put("alpha.bias", tensor(random, 5));
        t.put("mid.scalarish", new FloatTensor(new int[] {1, 1}, new float[] {-7.25f}));
        return t;
    }

    private static FloatTensor tensor(SplittableRandom random, int... shape) {
        float[] d = new float[(int) FloatTensor.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return new FloatTensor(shape, d);
    }

    /** A safetensors file from a header string and raw data, as the format defines it. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).put(data);
        return buf.array();
    }

    @Test
    void f32RoundTripIsExactAndKeepsOrderAndMetadata() {
        NamedTensors original = sample();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("round", "3");
        byte[] bytes = SafeTensors.write(original, DType.F32, metadata);

        SafeTensors.Parsed parsed = SafeTensors.parse(bytes);

        assertThat(parsed.tensors().names()).containsExactly("zeta.weight", "alpha.bias", "mid.scalarish");
        assertThat(parsed.metadata()).containsExactlyEntriesOf(metadata);
        for (String name : original.names()) {
            assertThat(parsed.tensors().get(name).shape()).isEqualTo(original.get(name).shape());
            assertThat(parsed.tensors().get(name).data()).containsExactly(original.get(name).data());
        }
    }

    @Test
    void f32FileHasHeaderPaddedToEightBytesAndFourBytesPerValue() {
        NamedTensors original = sample();
        byte[] bytes = SafeTensors.write(original);
        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLen % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + headerLen + 4 * original.numel());
    }

    @Test
    void f16RoundTripIsWithinHalfPrecisionAndKeepsOrderAndMetadata() {
        NamedTensors original = sample();
        byte[] bytes = SafeTensors.write(original, DType.F16, Map.of("dtype", "f16"));

        SafeTensors.Parsed parsed = SafeTensors.parse(bytes);

        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(bytes.length).isEqualTo(8 + headerLen + 2 * original.numel());
        assertThat(parsed.metadata()).containsExactly(Map.entry("dtype", "f16"));
        assertThat(parsed.tensors().names()).containsExactlyElementsOf(original.names());
        for (String name : original.names()) {
            float[] x = original.get(name).data();
            float[] y = parsed.tensors().get(name).data();
            assertThat(parsed.tensors().get(name).shape()).isEqualTo(original.get(name).shape());
            for (int i = 0; i < x.length; i++) {
                assertThat(y[i]).isEqualTo(Half.toFloat(Half.fromFloat(x[i])));
                assertThat((double) y[i]).isCloseTo(x[i], within(Math.abs(x[i]) * 0x1p-11 + 0x1p-25));
            }
        }
    }

    @Test
    void bf16RoundTripRoundsEachValueToTheNearestBf16() {
        NamedTensors original = sample();
        byte[] bytes = SafeTensors.write(original, DType.BF16, Map.of());

        SafeTensors.Parsed parsed = SafeTensors.parse(bytes);

        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(bytes.length).isEqualTo(8 + headerLen + 2 * original.numel());
        assertThat(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8)).contains("\"BF16\"");
        assertThat(parsed.tensors().names()).containsExactlyElementsOf(original.names());
        for (String name : original.names()) {
            float[] x = original.get(name).data();
            float[] y = parsed.tensors().get(name).data();
            for (int i = 0; i < x.length; i++) {
                assertThat(y[i]).isEqualTo(Half.bf16ToFloat(Half.floatToBf16(x[i])));
                assertThat((double) y[i]).isCloseTo(x[i], within(Math.abs(x[i]) * 0x1p-8));
            }
        }
    }

    @Test
    void roundTripThroughAFileOnDisk(@TempDir Path dir) throws Exception {
        NamedTensors original = sample();
        Path file = dir.resolve("adapter.safetensors");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(original, out);
        Files.write(file, out.toByteArray());

        NamedTensors read = SafeTensors.read(file);

        assertThat(read.names()).containsExactlyElementsOf(original.names());
        assertThat(read.flatten()).containsExactly(original.flatten());
    }

    @Test
    void handBuiltBf16FileWidensToFloat32() {
        // bf16 bits: 1.0, -2.0, 3.140625, 0.0 | -0.5, +inf
        short[] values = {0x3f80, (short) 0xc000, 0x4049, 0x0000, (short) 0xbf00, 0x7f80};
        ByteBuffer data = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            data.putShort(v);
        }
        String header = "{\"__metadata__\":{\"source\":\"hand\"},"
                + "\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]}}";

        SafeTensors.Parsed parsed = SafeTensors.parse(file(header, data.array()));

        assertThat(parsed.metadata()).containsExactly(Map.entry("source", "hand"));
        assertThat(parsed.tensors().names()).containsExactly("w", "b");
        assertThat(parsed.tensors().get("w").shape()).containsExactly(2, 2);
        assertThat(parsed.tensors().get("w").data()).containsExactly(1f, -2f, 3.140625f, 0f);
        assertThat(parsed.tensors().get("b").data()).containsExactly(-0.5f, Float.POSITIVE_INFINITY);
    }

    @Test
    void tensorsAreOrderedByTheirDataOffsetsNotTheHeaderOrder() {
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1f).putFloat(2f).putFloat(3f);
        String header = "{\"second\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"first\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

        NamedTensors read = SafeTensors.read(file(header, data.array()));

        assertThat(read.names()).containsExactly("first", "second");
        assertThat(read.get("first").data()).containsExactly(1f, 2f);
        assertThat(read.get("second").data()).containsExactly(3f);
    }

    @Test
    void fileShorterThanTheHeaderLengthIsRejected() {
        assertThatThrownBy(() -> SafeTensors.read(new byte[5]))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("5 bytes")
                .hasMessageContaining("8-byte header length");
        assertThatThrownBy(() -> SafeTensors.read(new byte[0]))
                .isInstanceOf(TensorFormatException.class);
    }

    @Test
    void headerLengthBeyondTheFileIsRejected() {
        byte[] bytes = file("{}", new byte[0]);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        assertThatThrownBy(() -> SafeTensors.read(bytes))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("header length 1000")
                .hasMessageContaining("10-byte file");
    }

    @Test
    void negativeHeaderLengthIsRejected() {
        byte[] bytes = file("{}", new byte[0]);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        assertThatThrownBy(() -> SafeTensors.read(bytes))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("header length -1");
    }

    @Test
    void offsetsThatDoNotMatchTheShapeAreRejected() {
        // shape [2, 2] of F32 needs 16 bytes, the offsets span 12
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}";
        assertThatThrownBy(() -> SafeTensors.read(file(header, new byte[16])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("'w'")
                .hasMessageContaining("offsets [0, 12]")
                .hasMessageContaining("do not fit its shape");
    }

    @Test
    void offsetsBeyondTheDataAreRejected() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertThatThrownBy(() -> SafeTensors.read(file(header, new byte[8])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("'w'")
                .hasMessageContaining("8 data bytes");
    }

    @Test
    void reversedOffsetsAreRejected() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}";
        assertThatThrownBy(() -> SafeTensors.read(file(header, new byte[8])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("'w'");
    }

    @Test
    void missingDataOffsetsAreRejected() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}";
        assertThatThrownBy(() -> SafeTensors.read(file(header, new byte[4])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("'w'")
                .hasMessageContaining("data_offsets");
    }

    @Test
    void negativeDimensionIsRejected() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}";
        assertThatThrownBy(() -> SafeTensors.read(file(header, new byte[4])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("'w'")
                .hasMessageContaining("bad dimension");
    }

    @Test
    void shapeWhoseByteSizeOverflowsALongIsRejectedAsAFormatError() {
        // 2^30 * 2^30 * 4 = 2^62 values; times 4 bytes wraps a long to 0, matching offsets [0, 0]
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1073741824,1073741824,4],\"data_offsets\":[0,0]}}";
        assertThatThrownBy(() -> SafeTensors.read(file(header, new byte[0])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("'w'");
    }

    @Test
    void unknownDtypeIsRejected() {
        String header = "{\"w\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}";
        assertThatThrownBy(() -> SafeTensors.read(file(header, new byte[4])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("unsupported dtype 'I8'");
    }

    @Test
    void nonJsonHeaderIsRejected() {
        assertThatThrownBy(() -> SafeTensors.read(file("not json at all", new byte[0])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void jsonHeaderThatIsNotAnObjectIsRejected() {
        assertThatThrownBy(() -> SafeTensors.read(file("[1,2,3]", new byte[0])))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("not a JSON object");
    }

    @Test
    void emptyHeaderObjectReadsAsNoTensors() {
        SafeTensors.Parsed parsed = SafeTensors.parse(file("{}", new byte[0]));
        assertThat(parsed.tensors().size()).isZero();
        assertThat(parsed.metadata()).isEmpty();
    }
}
