package io.cgfed.core.codec.cgae;

import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The top {@code k} principal directions of a set of rows ({@code [k][T]}, unit length; zero beyond the
 * rank) and the energy along each (the squared singular value): what PCA gives the {@code linear}
 * architecture ({@link LinearFit}).
 */
record PrincipalDirections(float[][] directions, float[] energy) {
    /**
     * The top {@code k} right singular directions of the matrix whose rows are {@code rows}, through the
     * eigen-decomposition of the small Gram matrix; directions beyond the rank are zero.
     */
    static PrincipalDirections of(List<float[]> rows, int k, int t) {
        int n = rows.size();
        float[][] directions = new float[k][t];
        float[] energy = new float[k];
        if (n == 0) {
            return new PrincipalDirections(directions, energy);
        }
        double[][] gram = new double[n][n];
        for (int a = 0; a < n; a++) {
            float[] ra = rows.get(a);
            for (int b = a; b < n; b++) {
                float[] rb = rows.get(b);
                double dot = 0;
                for (int i = 0; i < t; i++) {
                    dot += (double) ra[i] * rb[i];
                }
                gram[a][b] = dot;
                gram[b][a] = dot;
            }
        }
        RealMatrix m = new Array2DRowRealMatrix(gram, false);
        EigenDecomposition eig = new EigenDecomposition(m);
        double[] values = eig.getRealEigenvalues();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(values[y], values[x]));
        double top = values[order[0]];
        for (int j = 0; j < Math.min(k, n); j++) {
            double sigma = values[order[j]];
            if (!(sigma > 1e-9 * top) || !(sigma > 0)) {
                break;
            }
            double[] v = eig.getEigenvector(order[j]).toArray();
            double[] u = new double[t];
            for (int a = 0; a < n; a++) {
                float[] ra = rows.get(a);
                double va = v[a];
                for (int i = 0; i < t; i++) {
                    u[i] += va * ra[i];
                }
            }
            double norm = 0;
            for (double x : u) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < t; i++) {
                directions[j][i] = (float) (u[i] / norm);
            }
            energy[j] = (float) sigma;
        }
        return new PrincipalDirections(directions, energy);
    }
}
