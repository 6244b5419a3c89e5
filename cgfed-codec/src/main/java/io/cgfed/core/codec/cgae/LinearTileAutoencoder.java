package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The {@code linear} architecture: per tile position {@code p} (or one for all positions with
 * {@code bases=shared}) a mean {@code mu_p} and {@code k} orthonormal directions {@code U_p}; encode
 * {@code z = U_p (x - mu_p)}, decode {@code x' = mu_p + U_p^T z}. Fitted by PCA, which is the MSE
 * optimum of a linear autoencoder, so gradient training would not improve on it. FAF refits it from
 * the previous version's principal directions (weighted by {@code adaptMemory}) and the clients'
 * fresh updates. With {@code centre=false} the mean stays zero and the fit is on uncentred tiles: the
 * codec is then a pure projection, so a zero update decodes to zero.
 */
public final class LinearTileAutoencoder implements TileAutoencoder {
    /** Larger fits use a seeded subsample of the rows: the Gram matrix is rows x rows. */
    static final int MAX_FIT_ROWS = 1024;
    private final int tileSize;
    private final int latentDim;
    private final int positions;
    private final boolean shared;
    private final float[][] mean;      // [groups][T]
    private final float[][][] basis;   // [groups][k][T], orthonormal rows (or zero rows)
    private final float[][] energy;    // [groups][k], variance along each direction

    LinearTileAutoencoder(int tileSize, int latentDim, int positions, boolean shared, float[][] mean, float[][][] basis,
                          float[][] energy) {
        this.tileSize = tileSize;
        this.latentDim = latentDim;
        this.positions = positions;
        this.shared = shared;
        this.mean = mean;
        this.basis = basis;
        this.energy = energy;
    }

    /** PCA on normalised update tiles, each sample {@code [positions][T]}. */
    public static LinearTileAutoencoder fit(List<float[][]> samples, int positions, CgaeSettings settings) {
        int t = settings.tileSize();
        int k = settings.latentDim();
        boolean shared = "shared".equals(settings.bases());
        int groups = shared ? 1 : positions;
        float[][] mean = new float[groups][];
        float[][][] basis = new float[groups][][];
        float[][] energy = new float[groups][];
        Random random = new Random(settings.seed());
        for (int g = 0; g < groups; g++) {
            List<float[]> rows = new ArrayList<>();
            for (float[][] s : samples) {
                if (shared) {
                    rows.addAll(List.of(s));
                } else {
                    rows.add(s[g]);
                }
            }
            rows = subsample(rows, random);
            float[] mu = new float[t];
            for (float[] r : settings.centre() ? rows : List.<float[]>of()) {
                for (int i = 0; i < t; i++) {
                    mu[i] += r[i] / rows.size();
                }
            }
            List<float[]> centred = new ArrayList<>();
            float w = (float) (1 / Math.sqrt(Math.max(1, rows.size())));
            for (float[] r : rows) {
                float[] c = new float[t];
                for (int i = 0; i < t; i++) {
                    c[i] = (r[i] - mu[i]) * w;
                }
                centred.add(c);
            }
            mean[g] = mu;
            Pca pca = principalDirections(centred, k, t);
            basis[g] = pca.directions;
            energy[g] = pca.energy;
        }
        return new LinearTileAutoencoder(t, k, positions, shared, mean, basis, energy);
    }

    private static List<float[]> subsample(List<float[]> rows, Random random) {
        if (rows.size() <= MAX_FIT_ROWS) {
            return rows;
        }
        List<float[]> copy = new ArrayList<>(rows);
        java.util.Collections.shuffle(copy, random);
        return copy.subList(0, MAX_FIT_ROWS);
    }

    private record Pca(float[][] directions, float[] energy) {
    }

    /**
     * The top {@code k} right singular directions of the matrix whose rows are {@code rows}, through the
     * eigen-decomposition of the small Gram matrix; directions beyond the rank are zero.
     */
    private static Pca principalDirections(List<float[]> rows, int k, int t) {
        int n = rows.size();
        float[][] directions = new float[k][t];
        float[] energy = new float[k];
        if (n == 0) {
            return new Pca(directions, energy);
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
        java.util.Arrays.sort(order, (x, y) -> Double.compare(values[y], values[x]));
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
        return new Pca(directions, energy);
    }

    @Override
    public String architecture() {
        return "linear";
    }

    @Override
    public int tileSize() {
        return tileSize;
    }

    @Override
    public int latentDim() {
        return latentDim;
    }

    @Override
    public int positions() {
        return positions;
    }

    private int group(int position) {
        return shared ? 0 : position;
    }

    @Override
    public float[][] encode(float[][] tiles) {
        float[][] z = new float[tiles.length][latentDim];
        for (int p = 0; p < tiles.length; p++) {
            int g = group(p);
            float[] mu = mean[g];
            float[] x = tiles[p];
            for (int j = 0; j < latentDim; j++) {
                float[] u = basis[g][j];
                double dot = 0;
                for (int i = 0; i < tileSize; i++) {
                    dot += u[i] * (x[i] - mu[i]);
                }
                z[p][j] = (float) dot;
            }
        }
        return z;
    }

    @Override
    public float[][] decode(float[][] latents) {
        float[][] x = new float[latents.length][];
        for (int p = 0; p < latents.length; p++) {
            int g = group(p);
            float[] out = mean[g].clone();
            for (int j = 0; j < latentDim; j++) {
                float zj = latents[p][j];
                if (zj == 0) {
                    continue;
                }
                float[] u = basis[g][j];
                for (int i = 0; i < tileSize; i++) {
                    out[i] += zj * u[i];
                }
            }
            x[p] = out;
        }
        return x;
    }

    @Override
    public NamedTensors state() {
        int groups = mean.length;
        float[] m = new float[groups * tileSize];
        float[] b = new float[groups * latentDim * tileSize];
        float[] e = new float[groups * latentDim];
        for (int g = 0; g < groups; g++) {
            System.arraycopy(mean[g], 0, m, g * tileSize, tileSize);
            System.arraycopy(energy[g], 0, e, g * latentDim, latentDim);
            for (int j = 0; j < latentDim; j++) {
                System.arraycopy(basis[g][j], 0, b, (g * latentDim + j) * tileSize, tileSize);
            }
        }
        return new NamedTensors()
                .put("linear.mean", new FloatTensor(new int[] {groups, tileSize}, m))
                .put("linear.basis", new FloatTensor(new int[] {groups, latentDim, tileSize}, b))
                .put("linear.energy", new FloatTensor(new int[] {groups, latentDim}, e));
    }

    /** Restores {@link #state()}; the shapes must agree with the settings and the position count. */
    static LinearTileAutoencoder fromState(NamedTensors state, int positions, CgaeSettings settings) {
        int t = settings.tileSize();
        int k = settings.latentDim();
        boolean shared = "shared".equals(settings.bases());
        int groups = shared ? 1 : positions;
        FloatTensor m = SavedWeights.require(state, "linear.mean", groups, t);
        FloatTensor b = SavedWeights.require(state, "linear.basis", groups, k, t);
        FloatTensor e = SavedWeights.require(state, "linear.energy", groups, k);
        float[][] mean = new float[groups][t];
        float[][][] basis = new float[groups][k][t];
        float[][] energy = new float[groups][k];
        for (int g = 0; g < groups; g++) {
            System.arraycopy(m.data(), g * t, mean[g], 0, t);
            System.arraycopy(e.data(), g * k, energy[g], 0, k);
            for (int j = 0; j < k; j++) {
                System.arraycopy(b.data(), (g * k + j) * t, basis[g][j], 0, t);
            }
        }
        return new LinearTileAutoencoder(t, k, positions, shared, mean, basis, energy);
    }

    /**
     * For a linear autoencoder with orthonormal directions the gradient of the reconstruction loss
     * with respect to {@code U} is {@code -2 z r^T}, where {@code r} is what it lost: the contribution is
     * those factors, {@code latent [m, positions, k]} and {@code residual [m, positions, T]}. Note that
     * they determine the fresh update, so FAF adaptation is as sensitive as the raw update.
     */
    @Override
    public NamedTensors contribution(List<float[][]> freshTiles) {
        int m = freshTiles.size();
        float[] z = new float[m * positions * latentDim];
        float[] r = new float[m * positions * tileSize];
        for (int s = 0; s < m; s++) {
            float[][] tiles = freshTiles.get(s);
            float[][] lat = encode(tiles);
            float[][] rec = decode(lat);
            for (int p = 0; p < positions; p++) {
                System.arraycopy(lat[p], 0, z, (s * positions + p) * latentDim, latentDim);
                for (int i = 0; i < tileSize; i++) {
                    r[(s * positions + p) * tileSize + i] = tiles[p][i] - rec[p][i];
                }
            }
        }
        return new NamedTensors()
                .put("latent", new FloatTensor(new int[] {m, positions, latentDim}, z))
                .put("residual", new FloatTensor(new int[] {m, positions, tileSize}, r));
    }

    /**
     * Refits each group on the blend {@code adaptMemory x} (this version's covariance, kept as its
     * principal directions and energies) + {@code (1 - adaptMemory) x} (the fresh samples' covariance).
     */
    @Override
    public TileAutoencoder adapt(List<NamedTensors> contributions, CgaeSettings settings) {
        double memory = settings.adaptMemory();
        List<float[][]> fresh = new ArrayList<>();   // each [positions][T]: x - mu, under this version
        for (NamedTensors c : contributions) {
            FloatTensor lat = c.get("latent");
            FloatTensor res = c.get("residual");
            if (lat == null || res == null || lat.rank() != 3 || res.rank() != 3 || lat.dim(1) != positions
                    || lat.dim(2) != latentDim || res.dim(0) != lat.dim(0) || res.dim(1) != positions
                    || res.dim(2) != tileSize) {
                throw new IllegalArgumentException("a linear codec contribution needs 'latent' [m, " + positions + ", "
                        + latentDim + "] and 'residual' [m, " + positions + ", " + tileSize + "]");
            }
            for (int s = 0; s < lat.dim(0); s++) {
                float[][] y = new float[positions][tileSize];
                for (int p = 0; p < positions; p++) {
                    float[][] u = basis[group(p)];
                    float[] row = y[p];
                    System.arraycopy(res.data(), (s * positions + p) * tileSize, row, 0, tileSize);
                    for (int j = 0; j < latentDim; j++) {
                        float zj = lat.data()[(s * positions + p) * latentDim + j];
                        if (!Float.isFinite(zj)) {
                            throw new IllegalArgumentException("a codec contribution holds a non-finite value");
                        }
                        for (int i = 0; i < tileSize; i++) {
                            row[i] += zj * u[j][i];
                        }
                    }
                }
                fresh.add(y);
            }
        }
        if (fresh.isEmpty()) {
            return this;
        }
        int groups = mean.length;
        float[][] newMean = new float[groups][];
        float[][][] newBasis = new float[groups][][];
        float[][] newEnergy = new float[groups][];
        for (int g = 0; g < groups; g++) {
            List<float[]> ys = new ArrayList<>();
            for (float[][] y : fresh) {
                if (shared) {
                    ys.addAll(List.of(y));
                } else {
                    ys.add(y[g]);
                }
            }
            float[] shift = new float[tileSize];
            for (float[] y : settings.centre() ? ys : List.<float[]>of()) {
                for (int i = 0; i < tileSize; i++) {
                    shift[i] += (float) ((1 - memory) * y[i] / ys.size());
                }
            }
            float[] mu = mean[g].clone();
            for (int i = 0; i < tileSize; i++) {
                mu[i] += shift[i];
            }
            List<float[]> rows = new ArrayList<>();
            for (int j = 0; j < latentDim; j++) {
                if (energy[g][j] > 0) {
                    float w = (float) Math.sqrt(memory * energy[g][j]);
                    float[] row = new float[tileSize];
                    for (int i = 0; i < tileSize; i++) {
                        row[i] = w * basis[g][j][i];
                    }
                    rows.add(row);
                }
            }
            float w = (float) Math.sqrt((1 - memory) / ys.size());
            for (float[] y : ys) {
                float[] row = new float[tileSize];
                for (int i = 0; i < tileSize; i++) {
                    row[i] = w * (y[i] - shift[i]);
                }
                rows.add(row);
            }
            Pca pca = principalDirections(subsample(rows, new Random(settings.seed())), latentDim, tileSize);
            newMean[g] = mu;
            newBasis[g] = pca.directions;
            newEnergy[g] = pca.energy;
        }
        return new LinearTileAutoencoder(tileSize, latentDim, positions, shared, newMean, newBasis, newEnergy);
    }
}
