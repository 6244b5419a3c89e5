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

    @Test
    void aStreamIsReadOnePayloadAtATimeWithTheChecksOfTheByteReader() throws IOException {
        Random random = new Random(4);
        byte[] big = new byte[150_000];
        random.nextBytes(big);
        List<byte[]> payloads = List.of(new byte[] {9}, big, new byte[0]);
        byte[] batch = PayloadBatch.write(payloads);
        List<byte[]> got = new java.util.ArrayList<>();
        List<Integer> indices = new java.util.ArrayList<>();

        int n = PayloadBatch.read(new java.io.ByteArrayInputStream(batch), 10, (i, p) -> {
            indices.add(i);
            got.add(p);
        });

        assertThat(n).isEqualTo(3);
        assertThat(indices).containsExactly(0, 1, 2);
        assertThat(got).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(got.get(i)).isEqualTo(payloads.get(i));
        }
    }

    @Test
    void aBrokenStreamFailsAsAFormatErrorWithoutReservingWhatALengthClaims() {
        byte[] batch = PayloadBatch.write(List.of(new byte[] {1, 2, 3}, new byte[] {4, 5}));
        PayloadBatch.Sink ignore = (i, p) -> { };
        // truncated inside the second payload, trailing bytes, too many payloads, wrong magic
        assertFormatError(java.util.Arrays.copyOf(batch, batch.length - 1), 10, ignore, "exceeds");
        assertFormatError(java.util.Arrays.copyOf(batch, batch.length + 3), 10, ignore, "3 trailing bytes");
        assertFormatError(batch, 1, ignore, "allowed 1..1");
        byte[] wrong = batch.clone();
        wrong[0] = 'X';
        assertFormatError(wrong, 10, ignore, "magic");
        // a payload declaring 2 GiB - 17 bytes in a 30-byte body: refused after reading what is there
        java.nio.ByteBuffer lying = java.nio.ByteBuffer.allocate(8 + 8 + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        lying.put(new byte[] {'C', 'G', 'F', 'B'}).putInt(1).putLong(Integer.MAX_VALUE - 17L).putInt(7);
        assertFormatError(lying.array(), 10, ignore, "exceeds the 4 bytes left");
        java.nio.ByteBuffer negative = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        negative.put(new byte[] {'C', 'G', 'F', 'B'}).putInt(1).putLong(-5);
        assertFormatError(negative.array(), 10, ignore, "declares -5 bytes");
    }

    @Test
    void whatTheSinkRefusesEndsTheRead() {
        byte[] batch = PayloadBatch.write(List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}));
        List<Integer> seen = new java.util.ArrayList<>();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PayloadBatch.read(new java.io.ByteArrayInputStream(batch), 10,
                        (i, p) -> {
                            seen.add(i);
                            if (i == 1) {
                                throw new PayloadFormatException("payload 1 is bad");
                            }
                        }))
                .isInstanceOf(PayloadFormatException.class).hasMessage("payload 1 is bad");
        assertThat(seen).containsExactly(0, 1);
    }

    private static void assertFormatError(byte[] batch, int max, PayloadBatch.Sink sink, String message) {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> PayloadBatch.read(new java.io.ByteArrayInputStream(batch), max, sink))
                .isInstanceOf(PayloadFormatException.class).hasMessageContaining(message);
    }
}
