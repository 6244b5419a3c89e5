package io.cgfed.core.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Several update payloads in one body, as the coordinator sends a round to the codec-service:
 * {@code "CGFB" | u32 count | count x (u64 length | payload bytes)}, little-endian.
 */
public final class PayloadBatch {
    private static final byte[] MAGIC = {'C', 'G', 'F', 'B'};

    private PayloadBatch() {
    }

    public static byte[] write(List<byte[]> payloads) {
        long size = 8;
        for (byte[] p : payloads) {
            size += 8 + p.length;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("batch too large for one body: " + size + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(payloads.size());
        for (byte[] p : payloads) {
            buf.putLong(p.length).put(p);
        }
        return buf.array();
    }

    public static List<byte[]> read(byte[] bytes, int maxPayloads) {
        if (bytes.length < 8) {
            throw new PayloadFormatException("batch of " + bytes.length + " bytes is too short");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (byte m : MAGIC) {
            if (buf.get() != m) {
                throw new PayloadFormatException("batch does not start with the magic bytes CGFB");
            }
        }
        long count = Integer.toUnsignedLong(buf.getInt());
        if (count == 0 || count > maxPayloads) {
            throw new PayloadFormatException("batch holds " + count + " payloads; allowed 1.." + maxPayloads);
        }
        List<byte[]> out = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            if (buf.remaining() < 8) {
                throw new PayloadFormatException("batch ends before payload " + i);
            }
            long len = buf.getLong();
            if (len < 0 || len > buf.remaining()) {
                throw new PayloadFormatException("payload " + i + " length " + len + " exceeds the " + buf.remaining()
                        + " bytes left");
            }
            byte[] p = new byte[(int) len];
            buf.get(p);
            out.add(p);
        }
        if (buf.hasRemaining()) {
            throw new PayloadFormatException("batch has " + buf.remaining() + " trailing bytes");
        }
        return out;
    }
}
