package io.cgfed.core.codec.rotq;

import io.cgfed.core.codec.PayloadFormatException;

/** Reads what {@link BitWriter} packed; the caller has checked the length, so reads never run past it. */
final class BitReader {
    private final byte[] in;
    private int pos;
    private int acc;
    private int available;

    BitReader(byte[] in, int offset) {
        this.in = in;
        this.pos = offset;
    }

    int read(int bits) {
        if (available < bits) {
            acc |= (in[pos++] & 0xff) << available;
            available += 8;
        }
        int v = acc & ((1 << bits) - 1);
        acc >>>= bits;
        available -= bits;
        return v;
    }

    /** Refuses set bits in the unused tail of the last byte: a writer never sets them. */
    void requireZeroPadding() {
        if (acc != 0 || pos != in.length) {
            throw new PayloadFormatException("codec rotq: the level stream has stray bits after its last level");
        }
    }
}
