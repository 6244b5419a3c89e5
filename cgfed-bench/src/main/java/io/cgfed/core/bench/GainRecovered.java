package io.cgfed.core.bench;

/**
 * The end metric: the share of the uncompressed run's improvement over a span of rounds that a run
 * with a codec in the loop keeps. 1 = as good as uncompressed, 0 = no better than where the span
 * started, negative = worse than the start.
 */
final class GainRecovered {
    private GainRecovered() {
    }

    /** {@code (start - codecEnd) / (start - uncompressedEnd)} for a loss (lower is better). */
    static double loss(double start, double codecEnd, double uncompressedEnd) {
        return ratio(start - codecEnd, start - uncompressedEnd);
    }

    /** {@code (codecEnd - start) / (uncompressedEnd - start)} for an accuracy (higher is better). */
    static double accuracy(double start, double codecEnd, double uncompressedEnd) {
        return ratio(codecEnd - start, uncompressedEnd - start);
    }

    /** NaN when the uncompressed run gained nothing: there is no gain to recover. */
    private static double ratio(double codecGain, double referenceGain) {
        return referenceGain == 0 ? Double.NaN : codecGain / referenceGain;
    }
}
