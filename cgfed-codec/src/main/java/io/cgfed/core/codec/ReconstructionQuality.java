package io.cgfed.core.codec;

import io.cgfed.core.tensor.NamedTensors;

/**
 * How faithfully a codec restored an update: cosine similarity, relative L2 error and SNR in dB
 * (10 log10 of signal energy over error energy), over all values. A decoder whose output ignores its
 * input scores near zero cosine, whatever its error magnitude.
 */
public record ReconstructionQuality(double cosine, double relativeL2Error, double snrDb) {
    public static ReconstructionQuality of(NamedTensors original, NamedTensors reconstruction) {
        double dot = 0;
        double xx = 0;
        double yy = 0;
        double ee = 0;
        for (String name : original.names()) {
            float[] x = original.get(name).data();
            float[] y = reconstruction.get(name).data();
            for (int i = 0; i < x.length; i++) {
                dot += (double) x[i] * y[i];
                xx += (double) x[i] * x[i];
                yy += (double) y[i] * y[i];
                double e = (double) x[i] - y[i];
                ee += e * e;
            }
        }
        double cosine = xx == 0 || yy == 0 ? 0 : dot / Math.sqrt(xx * yy);
        double rel = xx == 0 ? (ee == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(ee / xx);
        double snr = ee == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(xx / ee);
        return new ReconstructionQuality(cosine, rel, snr);
    }
}
