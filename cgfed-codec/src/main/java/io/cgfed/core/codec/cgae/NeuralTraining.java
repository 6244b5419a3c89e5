package io.cgfed.core.codec.cgae;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.cgfed.core.model.GradientCollectors;
import io.cgfed.core.model.NativeArrays;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.train.AdamW;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * TGAP training of a neural architecture ({@link NeuralTileAutoencoder}): Adam ({@code learningRate},
 * no weight decay) on the mean squared reconstruction error of the normalised tiles, {@code epochs}
 * passes over every (sample, tile position) tile in shuffled mini-batches of {@code batchSize} (a lone
 * tile left at the end of an epoch joins the batch before it: BatchNorm cannot train on one), seeded by
 * {@code seed}; each epoch's mean loss goes to the {@link TrainingProgress}. Training opens DJL's
 * one-per-process gradient collector, so it takes turns with local LoRA training in the same JVM
 * through {@link GradientCollectors#TURN}.
 */
final class NeuralTraining {
    private NeuralTraining() {
    }

    /**
     * TGAP: trains {@code initial}'s weights on every tile of every sample ({@code [positions][T]})
     * and returns the trained weights, running statistics included.
     */
    static NamedTensors train(NeuralTileAutoencoder initial, List<float[][]> samples, CgaeSettings settings,
                              TrainingProgress progress) {
        List<float[]> tiles = new ArrayList<>();
        for (float[][] s : samples) {
            NeuralTileAutoencoder.requireRows(s, initial.tileSize, "tile");
            tiles.addAll(List.of(s));
        }
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("cgae: no tiles to train the " + initial.architecture() + " codec on");
        }
        int batch = Math.max(1, settings.batchSize());
        Random random = new Random(settings.seed());
        int t = initial.tileSize;
        NamedTensors weights = initial.state();
        NamedTensors result = new NamedTensors();
        GradientCollectors.TURN.lock();
        try (NoGrad ignored = new NoGrad(); NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = NeuralTileAutoencoder.load(manager, weights, initial::trainable);
            Map<String, NDArray> trainable = new LinkedHashMap<>();
            params.forEach((name, p) -> {
                if (initial.trainable(name)) {
                    trainable.put(name, p);
                }
            });
            try (AdamW adam = new AdamW(manager, 0.9, 0.999, 1e-8, 0, 0)) {
                int[] order = new int[tiles.size()];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                    shuffle(order, random);
                    double lossSum = 0;
                    for (int from = 0; from < order.length; ) {
                        int n = Math.min(batch, order.length - from);
                        if (order.length - (from + n) == 1) {
                            n++;   // no batch of one tile: BatchNorm needs two values per channel to train
                        }
                        float[] x = new float[n * t];
                        for (int i = 0; i < n; i++) {
                            System.arraycopy(tiles.get(order[from + i]), 0, x, i * t, t);
                        }
                        try (NDManager step = manager.newSubManager()) {
                            NDArray input = NativeArrays.of(step, x, new Shape(n, t));
                            float loss;
                            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                                NDArray reconstruction = initial.reconstruct(new Net(params, step, n > 1), input);
                                NDArray l = NeuralTileAutoencoder.mse(reconstruction, input);
                                collector.backward(l);
                                loss = l.getFloat();
                            }
                            if (!Float.isFinite(loss)) {
                                throw new IllegalStateException("cgae " + initial.architecture()
                                        + " training diverged: loss " + loss + " in epoch " + epoch);
                            }
                            adam.step(trainable, settings.learningRate(), step);
                            lossSum += (double) loss * n;
                        }
                        from += n;
                    }
                    progress.epoch(epoch, settings.epochs(), lossSum / order.length,
                            heldOutLoss(initial, params, manager, progress.heldOut()));
                }
            }
            weights.forEach((name, w) -> result.put(name, new FloatTensor(w.shape(), params.get(name).toFloatArray())));
        } finally {
            GradientCollectors.TURN.unlock();
        }
        return result;
    }

    /** Mean squared reconstruction error over held-out tiles, in inference mode; NaN without any. */
    private static double heldOutLoss(NeuralTileAutoencoder initial, Map<String, NDArray> params, NDManager manager,
                                      List<float[][]> heldOut) {
        double sum = 0;
        long values = 0;
        for (float[][] sample : heldOut) {
            if (sample.length == 0) {
                continue;
            }
            NeuralTileAutoencoder.requireRows(sample, initial.tileSize, "tile");
            try (NDManager step = manager.newSubManager()) {
                NDArray input = NativeArrays.of(step, NeuralTileAutoencoder.flat(sample, 0, sample.length),
                        new Shape(sample.length, initial.tileSize));
                double mse = NeuralTileAutoencoder.mse(initial.reconstruct(new Net(params, step, false), input), input)
                        .getFloat();
                long n = (long) sample.length * initial.tileSize;
                sum += mse * n;
                values += n;
            }
        }
        return values == 0 ? Double.NaN : sum / values;
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int x = a[i];
            a[i] = a[j];
            a[j] = x;
        }
    }
}
