package io.cgfed.core.codec.cgae;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The PCA fits of the {@code linear} architecture, one group at a time (a tile position, or every
 * position with {@code bases=shared}): TGAP on the group's normalised tiles, FAF on the blend of the
 * previous version's principal directions and the clients' fresh tiles.
 */
final class LinearFit {
    /** Larger fits use a seeded subsample of the rows: the Gram matrix is rows x rows. */
    static final int MAX_FIT_ROWS = 1024;

    private LinearFit() {
    }

    /** One group's mean {@code [T]}, directions {@code [k][T]} (orthonormal or zero rows), variance along each. */
    record Group(float[] mean, float[][] basis, float[] energy) {
    }

    /** The rows of group {@code group}: that tile of each sample ({@code [positions][T]}), all tiles when shared. */
    static List<float[]> rows(List<float[][]> samples, int group, boolean shared) {
        List<float[]> rows = new ArrayList<>();
        for (float[][] s : samples) {
            if (shared) {
                rows.addAll(List.of(s));
            } else {
                rows.add(s[group]);
            }
        }
        return rows;
    }

    /**
     * TGAP: the mean (zero unless {@code centre}) and the principal directions of the rows, subsampled
     * with {@code random}.
     */
    static Group fit(List<float[]> rows, CgaeSettings settings, Random random) {
        int t = settings.tileSize();
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
        PrincipalDirections pca = PrincipalDirections.of(centred, settings.latentDim(), t);
        return new Group(mu, pca.directions(), pca.energy());
    }

    /**
     * FAF: refits a group on the blend {@code adaptMemory x} (the previous version's covariance, kept as
     * its principal directions and energies) + {@code (1 - adaptMemory) x} (the covariance of the fresh
     * rows {@code ys}, each {@code x - mu} under the previous version).
     */
    static Group refit(Group previous, List<float[]> ys, CgaeSettings settings) {
        double memory = settings.adaptMemory();
        int tileSize = previous.mean().length;
        int latentDim = previous.basis().length;
        float[] shift = new float[tileSize];
        for (float[] y : settings.centre() ? ys : List.<float[]>of()) {
            for (int i = 0; i < tileSize; i++) {
                shift[i] += (float) ((1 - memory) * y[i] / ys.size());
            }
        }
        float[] mu = previous.mean().clone();
        for (int i = 0; i < tileSize; i++) {
            mu[i] += shift[i];
        }
        List<float[]> rows = new ArrayList<>();
        for (int j = 0; j < latentDim; j++) {
            if (previous.energy()[j] > 0) {
                float w = (float) Math.sqrt(memory * previous.energy()[j]);
                float[] row = new float[tileSize];
                for (int i = 0; i < tileSize; i++) {
                    row[i] = w * previous.basis()[j][i];
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
        List<float[]> fitted = subsample(rows, new Random(settings.seed()));
        PrincipalDirections pca = PrincipalDirections.of(fitted, latentDim, tileSize);
        return new Group(mu, pca.directions(), pca.energy());
    }

    private static List<float[]> subsample(List<float[]> rows, Random random) {
        if (rows.size() <= MAX_FIT_ROWS) {
            return rows;
        }
        List<float[]> copy = new ArrayList<>(rows);
        Collections.shuffle(copy, random);
        return copy.subList(0, MAX_FIT_ROWS);
    }
}
