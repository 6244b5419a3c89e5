package io.cgfed.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsFileTest {
    @TempDir
    Path dir;

    private static NamedTensors sample() {
        SplittableRandom random = new SplittableRandom(5);
        NamedTensors t = new NamedTensors();
        for (String name : new String[] {"b.weight", "a.weight", "c.bias"}) {
            int rows = 3 + random.nextInt(40);
            float[] d = new float[rows * 17];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) random.nextGaussian();
            }
            t.put(name, new FloatTensor(new int[] {rows, 17}, d));
        }
        return t;
    }

    private Path write(NamedTensors t, DType dtype) throws Exception {
        Path file = dir.resolve(dtype + ".safetensors");
        Files.write(file, SafeTensors.write(t, dtype, Map.of("format", "pt")));
        return file;
    }

    @Test
    void readsEveryTensorAsTheInMemoryReaderDoesInEachDtype() throws Exception {
        for (DType dtype : DType.values()) {
            Path path = write(sample(), dtype);
            NamedTensors expected = SafeTensors.read(path);
            SafeTensorsFile file = SafeTensorsFile.open(path);
            assertThat(file.header().entries().keySet()).containsExactlyElementsOf(expected.names());
            assertThat(file.header().metadata()).containsEntry("format", "pt");
            for (String name : expected.names()) {
                FloatTensor t = file.read(name);
                assertThat(t.shape()).isEqualTo(expected.get(name).shape());
                assertThat(t.data()).as("%s %s", dtype, name).containsExactly(expected.get(name).data());
            }
        }
    }

    @Test
    void aRangeOfOneTensorReadsOnlyThoseBytes() throws Exception {
        NamedTensors t = sample();
        for (DType dtype : DType.values()) {
            SafeTensorsFile file = SafeTensorsFile.open(write(t, dtype));
            assertThat(file.bytesRead()).isZero();
            float[] all = SafeTensors.read(write(t, dtype)).get("a.weight").data();
            ByteBuffer buf = ByteBuffer.allocateDirect(4 * 10).order(ByteOrder.nativeOrder());
            file.readFloats("a.weight", 7, buf);
            assertThat(buf.hasRemaining()).isFalse();
            float[] got = new float[10];
            buf.flip().asFloatBuffer().get(got);
            assertThat(got).containsExactly(Arrays.copyOfRange(all, 7, 17));
            assertThat(file.bytesRead()).isEqualTo(10L * dtype.bytes());
            assertThat(file.largestReadBytes()).isEqualTo(10L * dtype.bytes());
        }
    }

    @Test
    void aBigEndianTargetBufferGetsTheSameValues() throws Exception {
        SafeTensorsFile file = SafeTensorsFile.open(write(sample(), DType.F32));
        float[] expected = file.read("c.bias").data();
        ByteBuffer buf = ByteBuffer.allocate(4 * expected.length).order(ByteOrder.BIG_ENDIAN);
        file.readFloats("c.bias", 0, buf);
        float[] got = new float[expected.length];
        buf.flip().asFloatBuffer().get(got);
        assertThat(got).containsExactly(expected);
    }

    @Test
    void errorsNameTheFileAndTheTensor() throws Exception {
        Path path = write(sample(), DType.F32);
        SafeTensorsFile file = SafeTensorsFile.open(path);
        assertThatThrownBy(() -> file.read("nope"))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(path.toString()).hasMessageContaining("'nope'");
        ByteBuffer tooMany = ByteBuffer.allocate(4 * 1000);
        assertThatThrownBy(() -> file.readFloats("c.bias", 0, tooMany))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'c.bias'").hasMessageContaining(path.toString());

        byte[] bytes = Files.readAllBytes(path);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> SafeTensorsFile.open(truncated))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(truncated.toString()).hasMessageContaining("do not fit");

        Path bogus = dir.resolve("bogus.safetensors");
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Files.write(bogus, header.array());
        assertThatThrownBy(() -> SafeTensorsFile.open(bogus))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(bogus.toString()).hasMessageContaining("header length");

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[5]);
        assertThatThrownBy(() -> SafeTensorsFile.open(tiny)).hasMessageContaining("shorter than");
    }
}
