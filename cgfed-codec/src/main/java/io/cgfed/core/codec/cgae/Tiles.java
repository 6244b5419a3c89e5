package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.Half;

/** Per-tile RMS normalisation; the scale travels as bfloat16 (full float range, 3 significant digits). */
public final class Tiles {
    private Tiles() {
    }

    /** The scale each tile is divided by, rounded to what the wire carries; 0 for an all-zero tile. */
    public static float[] scales(float[][] tiles) {
        float[] s = new float[tiles.length];
        for (int p = 0; p < tiles.length; p++) {
            double e = 0;
            for (float v : tiles[p]) {
                e += (double) v * v;
            }
            float rms = (float) Math.sqrt(e / tiles[p].length);
            s[p] = Half.bf16ToFloat(Half.floatToBf16(rms));
        }
        return s;
    }

    /** Divides each tile by its scale, in a copy (an all-zero tile stays zero). */
    public static float[][] normalise(float[][] tiles, float[] scales) {
        float[][] out = new float[tiles.length][];
        for (int p = 0; p < tiles.length; p++) {
            out[p] = tiles[p].clone();
            if (scales[p] > 0) {
                for (int i = 0; i < out[p].length; i++) {
                    out[p][i] /= scales[p];
                }
            }
        }
        return out;
    }

    /** Multiplies each tile by its scale, in place. */
    public static void denormalise(float[][] tiles, float[] scales) {
        for (int p = 0; p < tiles.length; p++) {
            for (int i = 0; i < tiles[p].length; i++) {
                tiles[p][i] *= scales[p];
            }
        }
    }

    /** The normalised tiles of an update, as the codec sees them (no scaling when normalise is off). */
    public static float[][] prepared(float[][] tiles, boolean normalise) {
        return normalise ? normalise(tiles, scales(tiles)) : tiles;
    }
}
