package io.cgfed.core.codec.rotq;

/** Packs fields of 1 to 8 bits into a byte array, least significant bit first; {@link #finish} writes the tail. */
final class BitWriter {
    private final byte[] out;
    private int pos;
    private long acc;
    private int filled;

    BitWriter(byte[] out, int offset) {
        this.out = out;
        this.pos = offset;
    }

    void write(int value, int bits) {
        acc |= (long) value << filled;
        filled += bits;
        if (filled >= 32) {
            flush32();
        }
    }

    /** Writes the low {@code bits} (0 to 64) of {@code value}, whose higher bits are clear. */
    void writeLong(long value, int bits) {
        if (bits > 32) {
            write32((int) value, 32);
            write32((int) (value >>> 32), bits - 32);
        } else {
            write32((int) value, bits);
        }
    }

    private void write32(int value, int bits) {
        if (bits == 0) {
            return;
        }
        acc |= (value & 0xFFFFFFFFL) << filled;
        filled += bits;
        if (filled >= 32) {
            flush32();
        }
    }

    /** Four whole bytes at a time: a quarter of the stores of byte-wise flushing. */
    private void flush32() {
        int word = (int) acc;
        out[pos] = (byte) word;
        out[pos + 1] = (byte) (word >>> 8);
        out[pos + 2] = (byte) (word >>> 16);
        out[pos + 3] = (byte) (word >>> 24);
        pos += 4;
        acc >>>= 32;
        filled -= 32;
    }

    /** Writes the bits still held, the last byte zero-padded. */
    void finish() {
        for (; filled > 0; filled -= 8, acc >>>= 8) {
            out[pos++] = (byte) acc;
        }
        filled = 0;
    }
}
