package io.cgfed.core.codec.rotq;

import io.cgfed.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealVector;

/**
 * The leading singular directions of an update's matrices, which rotq's entropy quantiser sends as
 * factors before it rotates what is left ({@code factors} setting). LoRA updates are far from white:
 * on the bench model the top singular direction of each ΔA and ΔB holds 43-48 % of the matrix's energy,
 * where a Gaussian matrix of the same shape has 21 % (measured on CodecBench's recorded updates,
 * docs/benchmarks.md). A rotation spreads that structure over every coordinate and the scalar quantiser
 * cannot see it; the factors carry it in a + b numbers instead of a x b.
 *
 * <p>Matrix {@code X} (rows x cols) is sent as {@code a_i = X v_i} and {@code b_i = sigma_i v_i} for its
 * top k right singular vectors (or {@code a_i = sigma_i u_i}, {@code b_i = X^T u_i} from the left, whichever
 * side is smaller), so both are in the units of X: an error e in either moves the product by about |e|,
 * and one quantiser step serves factors and rotated coordinates alike. The decoder rebuilds
 * {@code sum_i a_i b_i^T / s_i} with {@code s_i = sqrt(|a_i| |b_i|)} (= sigma_i for exact factors), so
 * sigma is never sent. Only 2-D tensors whose smaller side is in [2, {@value #MAX_SIDE}] take factors (a
 * LoRA factor's side is its rank); the others are left to the rotation.
 */
final class Factors {
    /** Largest smaller side of a matrix that takes factors: its Gram matrix is side x side. */
    static final int MAX_SIDE = 64;
    /** Most factors per matrix. */
    static final int MAX_FACTORS = 4;

    /** Where one matrix sits in the update (offset in manifest order) and in the factor coefficients. */
    record Placement(int offset, int rows, int cols, int factors, int coefficientOffset) {
        int coefficients() {
            return factors * (rows + cols);
        }
    }

    private Factors() {
    }

    /** The matrices of {@code manifest} that take up to {@code k} factors each, in manifest order. */
    static List<Placement> layout(List<TensorSpec> manifest, int k) {
        List<Placement> out = new ArrayList<>();
        int offset = 0;
        int coefficients = 0;
        for (TensorSpec t : manifest) {
            int[] shape = t.shape();
            if (shape.length == 2) {
                int side = Math.min(shape[0], shape[1]);
                if (side >= 2 && side <= MAX_SIDE) {
                    Placement p = new Placement(offset, shape[0], shape[1], Math.min(k, side), coefficients);
                    out.add(p);
                    coefficients += p.coefficients();
                }
            }
            offset += (int) t.numel();
        }
        return out;
    }

    /** The energy of the placed matrices of {@code x} that {@code residual} no longer holds. */
    static double captured(float[] x, float[] residual, List<Placement> layout) {
        double c = 0;
        for (Placement p : layout) {
            for (int i = p.offset(); i < p.offset() + p.rows() * p.cols(); i++) {
                c += (double) x[i] * x[i] - (double) residual[i] * residual[i];
            }
        }
        return c;
    }

    /**
     * About the energy the top k factors of white matrices of the same shapes and energies would hold: per
     * matrix (1 + sqrt(m / n))^2 / m of it for the first (m <= n its sides; the Marchenko-Pastur edge of its
     * Gram matrix), 1 / m for each further one.
     */
    static double whiteCapture(float[] x, List<Placement> layout, int k) {
        double c = 0;
        for (Placement p : layout) {
            double energy = 0;
            for (int i = p.offset(); i < p.offset() + p.rows() * p.cols(); i++) {
                energy += (double) x[i] * x[i];
            }
            int m = Math.min(p.rows(), p.cols());
            int n = Math.max(p.rows(), p.cols());
            double edge = (1 + Math.sqrt((double) m / n)) * (1 + Math.sqrt((double) m / n)) / m;
            c += energy * Math.min(1, edge + (Math.min(k, p.factors()) - 1.0) / m);
        }
        return c;
    }

    static int coefficients(List<Placement> layout) {
        return layout.isEmpty() ? 0 : layout.get(layout.size() - 1).coefficientOffset() + layout.get(layout.size() - 1).coefficients();
    }

    /** The exact factors of every placed matrix of {@code x} (manifest order): per matrix, per factor, a then b. */
    static float[] of(float[] x, List<Placement> layout) {
        float[] f = new float[coefficients(layout)];
        for (Placement p : layout) {
            boolean left = p.rows() <= p.cols(); // decompose the Gram matrix of the smaller side
            int side = left ? p.rows() : p.cols();
            double[][] g = new double[side][side];
            if (left) { // rows x rows: dot products of whole rows, read in order
                for (int i = 0; i < p.rows(); i++) {
                    int a = p.offset() + i * p.cols();
                    for (int q = i; q < p.rows(); q++) {
                        int b = p.offset() + q * p.cols();
                        double dot = 0;
                        for (int j = 0; j < p.cols(); j++) {
                            dot += (double) x[a + j] * x[b + j];
                        }
                        g[i][q] = dot;
                        g[q][i] = dot;
                    }
                }
            } else { // cols x cols: one row at a time into the upper triangle
                for (int i = 0; i < p.rows(); i++) {
                    int row = p.offset() + i * p.cols();
                    for (int j = 0; j < p.cols(); j++) {
                        double v = x[row + j];
                        for (int q = j; q < p.cols(); q++) {
                            g[j][q] += v * x[row + q];
                        }
                    }
                }
                for (int j = 0; j < side; j++) {
                    for (int q = 0; q < j; q++) {
                        g[j][q] = g[q][j];
                    }
                }
            }
            EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(g, false));
            double[] values = eig.getRealEigenvalues();
            Integer[] order = new Integer[side];
            for (int i = 0; i < side; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (i, j) -> Double.compare(values[j], values[i]));
            int at = p.coefficientOffset();
            for (int k = 0; k < p.factors(); k++) {
                double sigma = Math.sqrt(Math.max(0, values[order[k]]));
                RealVector w = eig.getEigenvector(order[k]);
                if (left) { // a = sigma u, b = X^T u
                    for (int i = 0; i < p.rows(); i++) {
                        f[at + i] = (float) (sigma * w.getEntry(i));
                    }
                    double[] b = new double[p.cols()]; // X^T u, a row at a time
                    for (int i = 0; i < p.rows(); i++) {
                        double ui = w.getEntry(i);
                        int row = p.offset() + i * p.cols();
                        for (int j = 0; j < p.cols(); j++) {
                            b[j] += ui * x[row + j];
                        }
                    }
                    for (int j = 0; j < p.cols(); j++) {
                        f[at + p.rows() + j] = (float) b[j];
                    }
                } else { // a = X v, b = sigma v
                    for (int i = 0; i < p.rows(); i++) {
                        double s = 0;
                        for (int j = 0; j < p.cols(); j++) {
                            s += x[p.offset() + i * p.cols() + j] * w.getEntry(j);
                        }
                        f[at + i] = (float) s;
                    }
                    for (int j = 0; j < p.cols(); j++) {
                        f[at + p.rows() + j] = (float) (sigma * w.getEntry(j));
                    }
                }
                at += p.rows() + p.cols();
            }
        }
        return f;
    }

    /**
     * Adds {@code sign * sum_i a_i b_i^T / sqrt(|a_i| |b_i|)} of every placed matrix into {@code x}; the
     * encoder (sign -1, for the residual) and the decoder (+1) run the same arithmetic on the same
     * coefficients, so what the encoder subtracts is exactly what the decoder adds back.
     */
    static void expand(float[] f, List<Placement> layout, float[] x, int sign) {
        for (Placement p : layout) {
            int at = p.coefficientOffset();
            for (int k = 0; k < p.factors(); k++, at += p.rows() + p.cols()) {
                double aa = 0;
                double bb = 0;
                for (int i = 0; i < p.rows(); i++) {
                    aa += (double) f[at + i] * f[at + i];
                }
                for (int j = 0; j < p.cols(); j++) {
                    bb += (double) f[at + p.rows() + j] * f[at + p.rows() + j];
                }
                if (aa == 0 || bb == 0) {
                    continue;
                }
                float inverse = (float) (sign / Math.sqrt(Math.sqrt(aa) * Math.sqrt(bb)));
                for (int i = 0; i < p.rows(); i++) {
                    float ai = f[at + i] * inverse;
                    int row = p.offset() + i * p.cols();
                    for (int j = 0; j < p.cols(); j++) {
                        x[row + j] += ai * f[at + p.rows() + j];
                    }
                }
            }
        }
    }
}
