package io.cgfed.core.codec.rotq;

import io.cgfed.core.codec.PayloadFormatException;
import java.util.Arrays;

/**
 * An adaptive binary range coder (LZMA's coder: 32-bit range, carry propagation through a cached byte;
 * here with 15-bit probabilities adapted by 1/64 per bit, so that the skewed zero flags of a sub-bit
 * budget, 1-2 % ones, cost close to their entropy). Each bit is coded under a context whose
 * probability learns from the bits before it, so nothing like a frequency table is sent: the only
 * overhead is the 4-byte flush.
 *
 * <p>Written here because no maintained Java library serves: xz-java's range coder
 * ({@code org.tukaani.xz.rangecoder}) is outside its public API and bound to LZMA2's chunk framing, and
 * htsjdk's CRAM rANS codes bytes with a transmitted frequency table and 16 bytes of state per stream,
 * more than a 1/64 body of a small update can spare, for a dependency of many megabytes.
 */
final class BinaryRangeCoder {
    static final int PROBABILITY_BITS = 15;
    static final int ONE = 1 << PROBABILITY_BITS;
    static final int MOVE_BITS = 6;
    private static final int TOP = 1 << 24;

    private BinaryRangeCoder() {
    }

    /** A set of adaptive contexts, each starting at probability 1/2. */
    static short[] contexts(int n) {
        short[] p = new short[n];
        Arrays.fill(p, (short) (ONE / 2));
        return p;
    }

    static final class Encoder {
        private byte[] out;
        private int size;
        private long low;
        private int range = 0xFFFFFFFF;
        private int cache;
        private long cacheSize = 1;
        // LZMA's first output byte is always 0; it is not written, and the decoder assumes it
        private boolean first = true;

        Encoder(int capacityHint) {
            out = new byte[Math.max(16, capacityHint)];
        }

        void encode(short[] probs, int i, int bit) {
            int p = probs[i];
            int bound = (range >>> PROBABILITY_BITS) * p;
            if (bit == 0) {
                range = bound;
                probs[i] = (short) (p + ((ONE - p) >>> MOVE_BITS));
            } else {
                low += bound & 0xFFFFFFFFL;
                range -= bound;
                probs[i] = (short) (p - (p >>> MOVE_BITS));
            }
            while ((range & 0xFF000000) == 0) {
                range <<= 8;
                shiftLow();
            }
        }

        /** A bit at probability 1/2, not adapted (signs). */
        void encodeDirect(int bit) {
            range >>>= 1;
            if (bit != 0) {
                low += range & 0xFFFFFFFFL;
            }
            while ((range & 0xFF000000) == 0) {
                range <<= 8;
                shiftLow();
            }
        }

        private void shiftLow() {
            int high = (int) (low >>> 32);
            if (high != 0 || low < 0xFF000000L) {
                int temp = cache;
                do {
                    write(temp + high);
                    temp = 0xFF;
                } while (--cacheSize != 0);
                cache = (int) (low >>> 24) & 0xFF;
            }
            cacheSize++;
            low = (low & 0x00FFFFFFL) << 8;
        }

        private void write(int b) {
            if (first) {
                first = false;
                return;
            }
            if (size == out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            out[size++] = (byte) b;
        }

        /** Flushes and returns the coded bytes; the encoder is spent. */
        byte[] finish() {
            for (int i = 0; i < 5; i++) {
                shiftLow();
            }
            return Arrays.copyOf(out, size);
        }
    }

    /** Decodes what an {@link Encoder} wrote; refuses a stream that runs past its end. */
    static final class Decoder {
        private final byte[] in;
        private int pos;
        private final int end;
        private int range = 0xFFFFFFFF;
        private int code;

        Decoder(byte[] in, int offset, int length) {
            this.in = in;
            this.pos = offset;
            this.end = offset + length;
            // the encoder's first byte (always 0) was dropped: four bytes fill the code register
            for (int i = 0; i < 4; i++) {
                code = (code << 8) | next();
            }
        }

        private int next() {
            if (pos >= end) {
                throw new PayloadFormatException("codec rotq: the entropy-coded stream runs past its end");
            }
            return in[pos++] & 0xFF;
        }

        int decode(short[] probs, int i) {
            int p = probs[i];
            int bound = (range >>> PROBABILITY_BITS) * p;
            int bit;
            if (Integer.compareUnsigned(code, bound) < 0) {
                range = bound;
                probs[i] = (short) (p + ((ONE - p) >>> MOVE_BITS));
                bit = 0;
            } else {
                code -= bound;
                range -= bound;
                probs[i] = (short) (p - (p >>> MOVE_BITS));
                bit = 1;
            }
            normalise();
            return bit;
        }

        int decodeDirect() {
            range >>>= 1;
            int bit;
            if (Integer.compareUnsigned(code, range) < 0) {
                bit = 0;
            } else {
                code -= range;
                bit = 1;
            }
            normalise();
            return bit;
        }

        private void normalise() {
            while (Integer.compareUnsigned(range, TOP) < 0) {
                code = (code << 8) | next();
                range <<= 8;
            }
        }

        /** Bytes not read yet. */
        int remaining() {
            return end - pos;
        }
    }
}
