package io.cgfed.core.codec.rotq;

import static io.cgfed.core.codec.LittleEndian.getInt;
import static io.cgfed.core.codec.LittleEndian.putInt;
import static io.cgfed.core.codec.rotq.RotqCodec.FLAG_UNBIASED;
import static io.cgfed.core.codec.rotq.RotqCodec.QUANTISER_LLOYD;
import static io.cgfed.core.codec.rotq.RotqCodec.SUBSET;
import static io.cgfed.core.codec.rotq.RotqCodec.readScales;
import static io.cgfed.core.codec.rotq.RotqCodec.scale;
import static io.cgfed.core.codec.rotq.RotqCodec.writeScale;

import io.cgfed.core.codec.PayloadFormatException;

/**
 * The body of rotq's {@code lloyd} quantiser: Lloyd-Max levels on each rotated block, b bits on a seeded
 * subset of m coordinates (the same in every block of a payload, {@link Subsets}) and b - 1 on the rest
 * (none when b = 1), every block's levels in position order.
 */
final class LloydBody {
    static final int HEADER = 8;

    private LloydBody() {
    }

    static byte[] encode(float[] y, double[] energy, int block, int blocks, long budget, RotqSettings s, long seed) {
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
        long[] mask = new long[(block + 63) >>> 6];
        Subsets.choose(mask, kept, block, SharedSeeds.block(seed, 0, SUBSET));
        BitWriter bitsOut = new BitWriter(body, HEADER + 2 * blocks);
        for (int k = 0; k < blocks; k++) {
            int off = k * block;
            double yy = energy[k];
            float rms = (float) Math.sqrt(yy / block);
            float inv = rms > 0 ? 1 / rms : 0;
            double yr = 0;
            double rr = 0;
            if (high == 1) {
                // at most one bit a value (DRIVE's case, the 1/64 budget): the signs of the subset, and
                // <y, r> = level x sum |y| (each coordinate's level has its sign); r.r = m level^2
                float level = qHigh.levels[1];
                double abs = 0;
                for (int w = 0; w < mask.length; w++) {
                    float sum = 0; // per word in float, then in double: a short dependency chain
                    long signs = 0;
                    int count = 0;
                    for (long m = mask[w]; m != 0; m &= m - 1, count++) {
                        int bits = Float.floatToRawIntBits(y[off + (w << 6) + Long.numberOfTrailingZeros(m)]);
                        sum += Float.intBitsToFloat(bits & 0x7fffffff);
                        signs |= (long) (~bits >>> 31) << count; // 1 for v >= +0: no branch to mispredict
                    }
                    abs += sum;
                    bitsOut.writeLong(signs, count);
                }
                yr = level * abs;
                rr = (double) kept * level * level;
            } else if (qLow == null) {
                // below one bit a value: only the subset is coded, found word by word in the mask
                for (int w = 0; w < mask.length; w++) {
                    for (long m = mask[w]; m != 0; m &= m - 1) {
                        float v = y[off + (w << 6) + Long.numberOfTrailingZeros(m)];
                        int idx = qHigh.index(v * inv);
                        float level = qHigh.levels[idx];
                        yr += (double) v * level;
                        rr += (double) level * level;
                        bitsOut.write(idx, high);
                    }
                }
            } else {
                for (int i = 0; i < block; i++) {
                    LloydMax q = Subsets.contains(mask, i) ? qHigh : qLow;
                    float v = y[off + i];
                    int idx = q.index(v * inv);
                    float level = q.levels[idx];
                    yr += (double) v * level;
                    rr += (double) level * level;
                    bitsOut.write(idx, q.bits());
                }
            }
            writeScale(body, HEADER + 2 * k, rms > 0 ? scale(yy, yr, rr, s.unbiased()) : 0);
        }
        bitsOut.finish();
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
        float[] y = new float[blocks * block];
        long[] mask = new long[(block + 63) >>> 6];
        Subsets.choose(mask, (int) kept, block, SharedSeeds.block(seed, 0, SUBSET));
        BitReader in = new BitReader(body, HEADER + 2 * blocks);
        for (int k = 0; k < blocks; k++) {
            int off = k * block;
            float s = scales[k] / block;
            if (high == 1) {
                float[] signed = {s * qHigh.levels[0], s * qHigh.levels[1]};
                for (int w = 0; w < mask.length; w++) {
                    for (long m = mask[w]; m != 0; m &= m - 1) {
                        y[off + (w << 6) + Long.numberOfTrailingZeros(m)] = signed[in.read(1)];
                    }
                }
            } else if (qLow == null) {
                float[] levels = qHigh.levels;
                for (int w = 0; w < mask.length; w++) {
                    for (long m = mask[w]; m != 0; m &= m - 1) {
                        y[off + (w << 6) + Long.numberOfTrailingZeros(m)] = s * levels[in.read(high)];
                    }
                }
            } else {
                for (int i = 0; i < block; i++) {
                    LloydMax q = Subsets.contains(mask, i) ? qHigh : qLow;
                    y[off + i] = s * q.levels[in.read(q.bits())];
                }
            }
        }
        in.requireZeroPadding();
        return y;
    }
}
