package io.cgfed.core.codec.cgae;

import java.util.List;

/**
 * Receives a codec training's progress: after each epoch, its mean training loss and, when the
 * training was given held-out tiles ({@link #heldOut()}), the mean reconstruction loss on them
 * (the codec in inference mode, the same normalised space as the training loss).
 */
@FunctionalInterface
public interface TrainingProgress {
    TrainingProgress NONE = (epoch, epochs, loss) -> { };

    void epoch(int epoch, int epochs, double trainLoss);

    /** After an epoch, with the held-out loss (NaN where there is no held-out part). */
    default void epoch(int epoch, int epochs, double trainLoss, double heldOutLoss) {
        epoch(epoch, epochs, trainLoss);
    }

    /** Prepared tiles ({@code [positions][T]} each) to measure after each epoch; none by default. */
    default List<float[][]> heldOut() {
        return List.of();
    }

    /** This progress, measuring {@code heldOut} after each epoch. */
    default TrainingProgress measuring(List<float[][]> heldOut) {
        TrainingProgress self = this;
        return new TrainingProgress() {
            @Override
            public void epoch(int epoch, int epochs, double trainLoss) {
                self.epoch(epoch, epochs, trainLoss, Double.NaN);
            }

            @Override
            public void epoch(int epoch, int epochs, double trainLoss, double heldOutLoss) {
                self.epoch(epoch, epochs, trainLoss, heldOutLoss);
            }

            @Override
            public List<float[][]> heldOut() {
                return heldOut;
            }
        };
    }

    /** Mean squared reconstruction error of {@code ae} over every tile of {@code samples}; NaN for none. */
    static double reconstructionLoss(TileAutoencoder ae, List<float[][]> samples) {
        double sum = 0;
        long n = 0;
        for (float[][] tiles : samples) {
            if (tiles.length == 0) {
                continue;
            }
            float[][] back = ae.decode(ae.encode(tiles));
            for (int i = 0; i < tiles.length; i++) {
                for (int j = 0; j < tiles[i].length; j++) {
                    double d = back[i][j] - tiles[i][j];
                    sum += d * d;
                }
                n += tiles[i].length;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
