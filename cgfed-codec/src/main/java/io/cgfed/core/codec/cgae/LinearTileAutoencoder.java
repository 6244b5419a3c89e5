package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The {@code linear} architecture: per tile position {@code p} (or one for all positions with
 * {@code bases=shared}) a mean {@code mu_p} and {@code k} orthonormal directions {@code U_p}; encode
 * {@code z = U_p (x - mu_p)}, decode {@code x' = mu_p + U_p^T z}. Fitted by PCA, which is the MSE
 * optimum of a linear autoencoder, so gradient training would not improve on it. FAF refits it from
 * the previous version's principal directions (weighted by {@code adaptMemory}) and the clients'
 * fresh updates. With {@code centre=false} the mean stays zero and the fit is on uncentred tiles: the
 * codec is then a pure projection, so a zero update decodes to zero. The fits themselves: {@link LinearFit}.
 */
public final class LinearTileAutoencoder implements TileAutoencoder {
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
        boolean shared = "shared".equals(settings.bases());
        int groups = shared ? 1 : positions;
        float[][] mean = new float[groups][];
        float[][][] basis = new float[groups][][];
        float[][] energy = new float[groups][];
        Random random = new Random(settings.seed());
        for (int g = 0; g < groups; g++) {
            LinearFit.Group fitted = LinearFit.fit(LinearFit.rows(samples, g, shared), settings, random);
            mean[g] = fitted.mean();
            basis[g] = fitted.basis();
            energy[g] = fitted.energy();
        }
        return new LinearTileAutoencoder(settings.tileSize(), settings.latentDim(), positions, shared, mean, basis,
                energy);
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
     * principal directions and energies) + {@code (1 - adaptMemory) x} (the fresh samples' covariance),
     * the fresh tiles rebuilt from the contributions' factors.
     */
    @Override
    public TileAutoencoder adapt(List<NamedTensors> contributions, CgaeSettings settings) {
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
            LinearFit.Group refitted = LinearFit.refit(new LinearFit.Group(mean[g], basis[g], energy[g]),
                    LinearFit.rows(fresh, g, shared), settings);
            newMean[g] = refitted.mean();
            newBasis[g] = refitted.basis();
            newEnergy[g] = refitted.energy();
        }
        return new LinearTileAutoencoder(tileSize, latentDim, positions, shared, newMean, newBasis, newEnergy);
    }
}
