package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;

/** The {@code cgae} architectures by name: how each is trained from scratch and restored from its weights. */
public final class Architectures {
    private Architectures() {
    }

    /** One architecture: TGAP training on normalised samples, and restoring saved weights. */
    public interface Architecture {
        TileAutoencoder fit(List<float[][]> samples, int positions, CgaeSettings settings, TrainingProgress progress);

        TileAutoencoder fromState(NamedTensors state, int positions, CgaeSettings settings);
    }

    private static final Map<String, Architecture> ALL = Map.of(
            "linear", new Architecture() {
                @Override
                public TileAutoencoder fit(List<float[][]> samples, int positions, CgaeSettings settings,
                                           TrainingProgress progress) {
                    TileAutoencoder ae = LinearTileAutoencoder.fit(samples, positions, settings);
                    // fitted in one pass: its one "epoch" reports the reconstruction losses of the fit
                    progress.epoch(1, 1, TrainingProgress.reconstructionLoss(ae, samples),
                            TrainingProgress.reconstructionLoss(ae, progress.heldOut()));
                    return ae;
                }

                @Override
                public TileAutoencoder fromState(NamedTensors state, int positions, CgaeSettings settings) {
                    return LinearTileAutoencoder.fromState(state, positions, settings);
                }
            },
            "mlp", new Architecture() {
                @Override
                public TileAutoencoder fit(List<float[][]> samples, int positions, CgaeSettings settings,
                                           TrainingProgress progress) {
                    return MlpTileAutoencoder.fit(samples, positions, settings, progress);
                }

                @Override
                public TileAutoencoder fromState(NamedTensors state, int positions, CgaeSettings settings) {
                    return MlpTileAutoencoder.fromState(state, positions, settings);
                }
            },
            "resnet", new Architecture() {
                @Override
                public TileAutoencoder fit(List<float[][]> samples, int positions, CgaeSettings settings,
                                           TrainingProgress progress) {
                    return ResNetTileAutoencoder.fit(samples, positions, settings, progress);
                }

                @Override
                public TileAutoencoder fromState(NamedTensors state, int positions, CgaeSettings settings) {
                    return ResNetTileAutoencoder.fromState(state, positions, settings);
                }
            });

    public static Architecture of(String name) {
        Architecture a = ALL.get(name);
        if (a == null) {
            throw new IllegalArgumentException("unknown cgae architecture '" + name + "'");
        }
        return a;
    }
}
