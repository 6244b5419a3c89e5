package io.cgfed.core.codec.rotq;

/** Packs fields of 0 to 64 bits into a byte array, least significant bit first; {@link #finish} writes the tail. */
final class BitWriter {
    private final byte[] out;
    private int pos;
    private long acc;
    private int filled;

    BitWriter(byte[] out, int offset) {
        this.out = out;
        this.pos = offset;
    }

    /** Writes the low {@code bits} (0 to 32) of {@code value}, whose higher bits are clear. */
    void write(int value, int bits) {
        acc |= (value & 0xFFFFFFFFL) << filled; // fewer than 32 held: 63 bits at most
        filled += bits;
        if (filled >= 32) {
            // four whole bytes at a time: a quarter of the stores of byte-wise flushing
            io.cgfed.core.codec.LittleEndian.putInt(out, pos, (int) acc);
            pos += 4;
            acc >>>= 32;
            filled -= 32;
        }
    }

    /** Writes the low {@code bits} (0 to 64) of {@code value}, whose higher bits are clear. */
    void writeLong(long value, int bits) {
        if (bits > 32) {
            write((int) value, 32);
            write((int) (value >>> 32), bits - 32);
        } else {
            write((int) value, bits);
        }
    }

    /** Writes the bits still held, the last byte zero-padded. */
    void finish() {
        for (; filled > 0; filled -= 8, acc >>>= 8) {
            out[pos++] = (byte) acc;
        }
        filled = 0;
    }
}
