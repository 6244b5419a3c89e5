package io.cgfed.core.model;

/**
 * Llama 3's rotary frequency scaling ({@code rope_scaling} with {@code rope_type: llama3}), as
 * transformers' {@code _compute_llama3_parameters} computes it: wavelengths longer than
 * {@code originalMaxPositions / lowFreqFactor} are stretched by {@code factor}, those shorter than
 * {@code originalMaxPositions / highFreqFactor} are kept, and the band between is interpolated.
 * The attention factor of this kind is 1, so only the frequencies change.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    public RopeScaling {
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("rope_scaling factor must be at least 1, got " + factor);
        }
        if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
            throw new IllegalArgumentException("rope_scaling needs 0 < low_freq_factor < high_freq_factor, got "
                    + lowFreqFactor + " and " + highFreqFactor);
        }
        if (originalMaxPositions <= 0) {
            throw new IllegalArgumentException("rope_scaling original_max_position_embeddings must be positive");
        }
    }

    /** The inverse frequencies theta^(-2i/d) for i in [0, headDim / 2), scaled (null scaling: unscaled). */
    public static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            double f = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            inv[i] = scaling == null ? f : scaling.scale(f);
        }
        return inv;
    }

    private double scale(double invFreq) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen > lowFreqWavelen) {
            return invFreq / factor;
        }
        if (wavelen < highFreqWavelen) {
            return invFreq;
        }
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * invFreq / factor + smooth * invFreq;
    }
}
