package io.cgfed.core.codec.rotq;

import static io.cgfed.core.codec.rotq.RotqCodec.FLAG_UNBIASED;
import static io.cgfed.core.codec.rotq.RotqCodec.QUANTISER_LLOYD;
import static io.cgfed.core.codec.rotq.RotqCodec.SUBSET;
import static io.cgfed.core.codec.rotq.RotqCodec.energy;
import static io.cgfed.core.codec.rotq.RotqCodec.getInt;
import static io.cgfed.core.codec.rotq.RotqCodec.putInt;
import static io.cgfed.core.codec.rotq.RotqCodec.readScales;
import static io.cgfed.core.codec.rotq.RotqCodec.scale;
import static io.cgfed.core.codec.rotq.RotqCodec.writeScale;

import io.cgfed.core.codec.PayloadFormatException;

/** The body of rotq's {@code lloyd} quantiser: Lloyd-Max levels on a seeded subset of each rotated block. */
final class LloydBody {
    static final int HEADER = 8;

    private LloydBody() {
    }

    static byte[] encode(float[] y, int block, int blocks, long budget, RotqSettings s, long seed) {
        long payloadBits = 8 * (budget - HEADER - 2L * blocks);
        // the bits a coordinate can have once the header and the scales are paid: b = ceil of that, in 1..4
        int high = (int) Math.max(1, Math.min(4, Math.ceil((double) payloadBits / ((long) blocks * block) - 1e-9)));
        int low = high - 1;
        // m coordinates of each block get `high` bits, the rest `low` (0: dropped): as many at `high` as fit
        long spare = payloadBits - (long) blocks * block * low;
        int kept = (int) Math.max(1, Math.min(block, spare / blocks));
        LloydMax qHigh = LloydMax.of(high);
        LloydMax qLow = low > 0 ? LloydMax.of(low) : null;
        byte[] body = new byte[(int) size(blocks, block, kept, high)];
        body[0] = QUANTISER_LLOYD;
        body[1] = (byte) Integer.numberOfTrailingZeros(block);
        body[2] = (byte) high;
        body[3] = (byte) (s.unbiased() ? FLAG_UNBIASED : 0);
        putInt(body, 4, kept);
        int[] order = new int[block];
        BitWriter bitsOut = new BitWriter(body, HEADER + 2 * blocks);
        for (int k = 0; k < blocks; k++) {
            int off = k * block;
            double yy = energy(y, off, block);
            float rms = (float) Math.sqrt(yy / block);
            float inv = rms > 0 ? 1 / rms : 0;
            Subsets.choose(order, kept, block, SharedSeeds.block(seed, k, SUBSET));
            double yr = 0;
            double rr = 0;
            int coded = qLow == null ? kept : block;
            for (int j = 0; j < coded; j++) {
                LloydMax q = j < kept ? qHigh : qLow;
                float v = y[off + order[j]];
                int idx = q.index(v * inv);
                float level = q.levels[idx];
                yr += (double) v * level;
                rr += (double) level * level;
                bitsOut.write(idx, q.bits());
            }
            writeScale(body, HEADER + 2 * k, rms > 0 ? scale(yy, yr, rr, s.unbiased()) : 0);
        }
        return body;
    }

    /** Body bytes: m coordinates a block at b bits, the other B - m at b - 1. */
    static long size(int blocks, int block, long kept, int high) {
        long bits = blocks * (kept * high + (block - kept) * (long) (high - 1));
        return HEADER + 2L * blocks + (bits + 7) / 8;
    }

    static float[] decode(byte[] body, int high, int block, int blocks, long seed) {
        if (high < 1 || high > 4) {
            throw new PayloadFormatException("codec rotq: " + high + " bits per level (must be 1 to 4)");
        }
        if (body.length < HEADER) {
            throw new PayloadFormatException("codec rotq: body of " + body.length + " bytes has no kept count");
        }
        long kept = getInt(body, 4) & 0xffffffffL;
        if (kept < 1 || kept > block) {
            throw new PayloadFormatException("codec rotq: " + kept + " kept coordinates per block of " + block);
        }
        long size = size(blocks, block, kept, high);
        if (body.length != size) {
            throw new PayloadFormatException("codec rotq: body has " + body.length + " bytes, " + blocks + " blocks of "
                    + kept + " " + high + "-bit and " + (block - kept) + " " + (high - 1) + "-bit levels need " + size);
        }
        float[] scales = readScales(body, HEADER, blocks);
        LloydMax qHigh = LloydMax.of(high);
        LloydMax qLow = high > 1 ? LloydMax.of(high - 1) : null;
        int coded = qLow == null ? (int) kept : block;
        float[] y = new float[blocks * block];
        int[] order = new int[block];
        BitReader in = new BitReader(body, HEADER + 2 * blocks);
        for (int k = 0; k < blocks; k++) {
            int off = k * block;
            Subsets.choose(order, (int) kept, block, SharedSeeds.block(seed, k, SUBSET));
            float s = scales[k] / block;
            for (int j = 0; j < coded; j++) {
                LloydMax q = j < kept ? qHigh : qLow;
                y[off + order[j]] = s * q.levels[in.read(q.bits())];
            }
        }
        in.requireZeroPadding();
        return y;
    }
}

