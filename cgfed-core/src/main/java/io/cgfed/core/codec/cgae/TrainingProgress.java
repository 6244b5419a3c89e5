package io.cgfed.core.codec.cgae;

/** Receives a codec training's progress: after each epoch, its mean training loss. */
@FunctionalInterface
public interface TrainingProgress {
    TrainingProgress NONE = (epoch, epochs, loss) -> { };

    void epoch(int epoch, int epochs, double trainLoss);
}
