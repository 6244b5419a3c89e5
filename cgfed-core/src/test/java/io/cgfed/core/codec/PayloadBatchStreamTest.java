package io.cgfed.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PayloadBatchStreamTest {
    @Test
    void streamedBatchIsByteForByteTheBuiltOneInSmallWrites() throws IOException {
        Random random = new Random(3);
        byte[] big = new byte[200_000];
        random.nextBytes(big);
        List<byte[]> payloads = List.of(new byte[] {1, 2, 3}, big, new byte[0], new byte[65_536]);
        int[] largestWrite = {0};
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                largestWrite[0] = Math.max(largestWrite[0], 1);
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                largestWrite[0] = Math.max(largestWrite[0], len);
                sink.write(b, off, len);
            }
        };

        PayloadBatch.writeTo(payloads, out);

        byte[] built = PayloadBatch.write(payloads);
        assertThat(sink.toByteArray()).isEqualTo(built);
        assertThat(PayloadBatch.size(payloads)).isEqualTo(built.length);
        assertThat(largestWrite[0]).isLessThanOrEqualTo(64 * 1024);
        assertThat(PayloadBatch.read(sink.toByteArray(), 10)).hasSize(4);
    }
}
