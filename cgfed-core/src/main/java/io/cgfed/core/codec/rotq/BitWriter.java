package io.cgfed.core.codec.rotq;

/** Packs fields of 1 to 8 bits into a byte array, least significant bit first. */
final class BitWriter {
    private final byte[] out;
    private int pos;
    private int acc;
    private int filled;

    BitWriter(byte[] out, int offset) {
        this.out = out;
        this.pos = offset;
    }

    void write(int value, int bits) {
        acc |= value << filled;
        filled += bits;
        if (filled >= 8) {
            out[pos++] = (byte) acc;
            acc >>>= 8;
            filled -= 8;
        }
        if (filled > 0) {
            out[pos] = (byte) acc; // the partial last byte, rewritten until it is full
        }
    }
}
