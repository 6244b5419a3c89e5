package io.cgfed.core.codec.rotq;

import static io.cgfed.core.codec.rotq.RotqCodec.FLAG_FACTORS;
import static io.cgfed.core.codec.rotq.RotqCodec.MAGNITUDE_CONTEXTS;
import static io.cgfed.core.codec.rotq.RotqCodec.QUANTISER_ENTROPY;
import static io.cgfed.core.codec.rotq.RotqCodec.SIGNS;
import static io.cgfed.core.codec.rotq.RotqCodec.readScales;
import static io.cgfed.core.codec.rotq.RotqCodec.scale;
import static io.cgfed.core.codec.rotq.RotqCodec.writeScale;

import io.cgfed.core.codec.PayloadFormatException;
import java.util.List;

/**
 * The body of rotq's entropy quantiser with {@code factors} k > 0: the update's matrices' top k singular
 * directions as factors ({@link Factors}), then the rotated residual, both through one deadzone quantiser
 * with one step in the update's units, range-coded under separate contexts. One step for everything is
 * reverse water-filling: a factor whose coefficients are below the step costs almost nothing (its symbols
 * are zeros), a strong one gets the bits it is worth. Layout after the four header bytes of rotq (flags
 * bit 1 set):
 * <pre>
 * u8 k | bf16 factor scale | nBlocks x bf16 block scale | range-coded: the factor symbols (per matrix, per
 * factor, a then b), then every rotated coordinate of the residual, to the end of the body
 * </pre>
 * The residual is the update less the factors <em>as decoded</em>, so the rotation corrects the factors'
 * quantisation error too.
 */
final class FactoredBody {
    static final int HEADER = EntropyBody.HEADER + 3;

    private FactoredBody() {
    }

    /**
     * How much more than white matrices' top directions the exact factors must hold, in units of a white
     * matrix's top direction, for the encoder to try them: below it the flat body wins (white matrices at
     * every rate, `FactorsTest`), and the factored trial, several codings of a rotated residual, is not
     * worth its time.
     */
    static final double STRUCTURE = 0.5;

    /** The factored coding, or null where the matrices hold too little structure to try it. */
    static EntropyBody.Coded encode(float[] x, List<Factors.Placement> layout, int factors, int block, int blocks, long budget,
                         long seed) {
        float[] f = Factors.of(x, layout);
        // the normalisation and the step estimate from the residual the exact factors would leave
        float[] exact = java.util.Arrays.copyOf(x, blocks * block);
        Factors.expand(f, layout, exact, -1);
        if (Factors.captured(x, exact, layout)
                < Factors.whiteCapture(x, layout, factors) + STRUCTURE * Factors.whiteCapture(x, layout, 1)) {
            return null;
        }
        double residualEnergy = 0;
        for (int b = 0; b < blocks; b++) {
            residualEnergy += Hadamard.forward(exact, b * block, block, SharedSeeds.block(seed, b, SIGNS));
        }
        double rms = Math.sqrt(residualEnergy / ((double) blocks * block));
        float invY = rms > 0 ? (float) (1 / rms) : 0;
        float invF = (float) (invY * Math.sqrt(block)); // a factor's error moves the matrix by itself, a rotated coordinate's by 1/sqrt(B) of it
        float[] uf = new float[f.length];
        for (int j = 0; j < f.length; j++) {
            uf[j] = f[j] * invF;
        }
        float[] sample = EntropyBody.sample(scaled(exact, invY), 1 << 16);
        double sampleWeight = (double) exact.length / sample.length;
        long target = Math.max(4, budget - HEADER - 2L * blocks);
        long limit = HEADER + 2L * blocks + target;
        double lo = 0.01;
        double hi = 64;
        for (int i = 0; i < 40; i++) {
            double mid = Math.sqrt(lo * hi);
            double bits = EntropyBody.estimatedBits(uf, mid) + sampleWeight * EntropyBody.estimatedBits(sample, mid);
            if (bits > 8.0 * target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Context c = new Context(x, f, uf, layout, factors, block, blocks, invY, seed);
        return EntropyBody.fit(c::write, hi, limit);
    }

    private static float[] scaled(float[] y, float by) {
        float[] out = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = y[i] * by;
        }
        return out;
    }

    /** What every trial coding of one update shares. */
    private record Context(float[] x, float[] f, float[] uf, List<Factors.Placement> layout, int factors, int block,
                           int blocks, float invY, long seed) {
        EntropyBody.Coded write(double step) {
            byte[] head = new byte[HEADER + 2 * blocks];
            head[0] = QUANTISER_ENTROPY;
            head[1] = (byte) Integer.numberOfTrailingZeros(block);
            head[2] = 0;
            head[3] = FLAG_FACTORS;
            head[4] = (byte) factors;
            BinaryRangeCoder.Encoder rc = new BinaryRangeCoder.Encoder(x.length / 4);
            float inv = (float) (1 / step);
            // the factors: their symbols, one least-squares scale, and the factors as the decoder will see them
            short[] factorContexts = BinaryRangeCoder.contexts(1 + MAGNITUDE_CONTEXTS);
            float[] levels = new float[f.length];
            double fr = 0;
            double rr = 0;
            for (int j = 0; j < f.length; j++) {
                int m = EntropyBody.level(uf[j], inv);
                EntropyBody.writeSymbol(rc, factorContexts, m, uf[j] < 0);
                float r = EntropyBody.reconstruction(m);
                levels[j] = uf[j] < 0 ? -r : r;
                fr += Math.abs(f[j]) * (double) r;
                rr += (double) r * r;
            }
            float factorScale = scale(0, fr, rr, false);
            writeScale(head, EntropyBody.HEADER + 1, factorScale);
            float[] decoded = new float[f.length];
            for (int j = 0; j < f.length; j++) {
                decoded[j] = factorScale * levels[j];
            }
            // the residual: the update less the decoded factors, rotated and coded as the plain entropy body does
            float[] y = java.util.Arrays.copyOf(x, blocks * block);
            Factors.expand(decoded, layout, y, -1);
            short[] contexts = BinaryRangeCoder.contexts(1 + MAGNITUDE_CONTEXTS);
            double error = 0;
            for (int k = 0; k < blocks; k++) {
                int off = k * block;
                double yy = Hadamard.forward(y, off, block, SharedSeeds.block(seed, k, SIGNS));
                double yr = 0;
                double br = 0;
                for (int i = off; i < off + block; i++) {
                    float u = y[i] * invY;
                    int m = EntropyBody.level(u, inv);
                    EntropyBody.writeSymbol(rc, contexts, m, u < 0);
                    if (m != 0) {
                        float r = EntropyBody.reconstruction(m);
                        yr += Math.abs(y[i]) * (double) r;
                        br += (double) r * r;
                    }
                }
                float scale = scale(0, yr, br, false);
                writeScale(head, HEADER + 2 * k, scale);
                error += EntropyBody.blockError(yy, yr, br, scale, block);
            }
            byte[] stream = rc.finish();
            byte[] body = java.util.Arrays.copyOf(head, head.length + stream.length);
            System.arraycopy(stream, 0, body, head.length, stream.length);
            return new EntropyBody.Coded(body, error);
        }
    }

    /** The rotated residual (to be rotated back by the caller) and the decoded factors. */
    record Decoded(float[] y, float[] factors) {
    }

    static Decoded decode(byte[] body, List<Factors.Placement> layout, int block, int blocks) {
        int start = HEADER + 2 * blocks;
        if (body.length < start + 4L) {
            throw new PayloadFormatException("codec rotq: body of " + body.length + " bytes is too short for factors, "
                    + blocks + " block scales and a coded stream");
        }
        float factorScale = readScales(body, EntropyBody.HEADER + 1, 1)[0];
        float[] scales = readScales(body, HEADER, blocks);
        BinaryRangeCoder.Decoder rc = new BinaryRangeCoder.Decoder(body, start, body.length - start);
        short[] factorContexts = BinaryRangeCoder.contexts(1 + MAGNITUDE_CONTEXTS);
        float[] f = new float[Factors.coefficients(layout)];
        for (int j = 0; j < f.length; j++) {
            f[j] = factorScale * EntropyBody.readSymbol(rc, factorContexts);
        }
        short[] contexts = BinaryRangeCoder.contexts(1 + MAGNITUDE_CONTEXTS);
        float[] y = new float[blocks * block];
        for (int k = 0; k < blocks; k++) {
            float s = scales[k] / block;
            for (int i = k * block; i < (k + 1) * block; i++) {
                y[i] = s * EntropyBody.readSymbol(rc, contexts);
            }
        }
        if (rc.remaining() != 0) {
            throw new PayloadFormatException("codec rotq: " + rc.remaining() + " bytes after the coded stream");
        }
        return new Decoded(y, f);
    }
}
