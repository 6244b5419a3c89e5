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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the gradient-trained {@code cgae} architectures ({@code mlp}, {@code resnet}) share. The
 * weights are plain Java tensors that nothing mutates; every encode, decode and contribution loads
 * them into a short-lived DJL manager of its own, so one instance serves concurrent callers.
 * Subclasses only describe the network: its weights, and the forward pass written with the layer
 * functions of {@link Net}. TGAP training: {@link NeuralTraining}. Training and contributions open
 * DJL's one-per-process gradient collector, so they take turns with local LoRA training in the same
 * JVM through {@link GradientCollectors#TURN}.
 *
 * <p>FAF: a contribution is the gradient of the mean squared reconstruction error over the client's
 * fresh tiles with respect to every trainable weight (BatchNorm running statistics excluded), the
 * network in inference mode as the codec uses it. The next version averages the contributions'
 * gradients and takes one normalised step per tensor ({@link NormalisedGradientStep}).
 */
abstract class NeuralTileAutoencoder implements TileAutoencoder {
    /** Tiles per forward pass in encode, decode and contributions (bounds native memory). */
    static final int CHUNK = 256;

    final int tileSize;
    final int latentDim;
    final int positions;
    /** Never mutated and never handed out: {@link #state()} copies. */
    private final NamedTensors weights;

    NeuralTileAutoencoder(int tileSize, int latentDim, int positions, NamedTensors weights) {
        this.tileSize = tileSize;
        this.latentDim = latentDim;
        this.positions = positions;
        this.weights = weights;
    }

    /** The network's encoder: normalised tiles {@code [n, T]} to latents {@code [n, k]}. */
    abstract NDArray encoder(Net net, NDArray tiles);

    /** The network's decoder: latents {@code [n, k]} to tiles {@code [n, T]}. */
    abstract NDArray decoder(Net net, NDArray latents);

    /** The same architecture with other weights (of the same layout). */
    abstract NeuralTileAutoencoder withWeights(NamedTensors weights);

    /** Whether gradient steps change this weight (not BatchNorm running statistics). */
    boolean trainable(String name) {
        return !isRunningStatistic(name);
    }

    static boolean isRunningStatistic(String name) {
        return name.endsWith(".running_mean") || name.endsWith(".running_var");
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

    @Override
    public NamedTensors state() {
        return weights.copy();
    }

    @Override
    public float[][] encode(float[][] tiles) {
        requireRows(tiles, tileSize, "tile");
        return inference(tiles, latentDim, (net, x) -> encoder(net, x));
    }

    @Override
    public float[][] decode(float[][] latents) {
        requireRows(latents, latentDim, "latent");
        return inference(latents, tileSize, (net, z) -> decoder(net, z));
    }

    static void requireRows(float[][] rows, int width, String what) {
        for (int p = 0; p < rows.length; p++) {
            if (rows[p] == null || rows[p].length != width) {
                throw new IllegalArgumentException("cgae: " + what + " " + p + " has "
                        + (rows[p] == null ? "no" : Integer.toString(rows[p].length)) + " values, this codec needs " + width);
            }
        }
    }

    private interface Pass {
        NDArray apply(Net net, NDArray input);
    }

    /** A forward pass without autograd, in chunks, in a manager of its own. */
    private float[][] inference(float[][] rows, int outWidth, Pass pass) {
        float[][] out = new float[rows.length][];
        if (rows.length == 0) {
            return out;
        }
        try (NoGrad ignored = new NoGrad(); NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = load(manager, weights, name -> false);
            for (int from = 0; from < rows.length; from += CHUNK) {
                int n = Math.min(CHUNK, rows.length - from);
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = NativeArrays.of(step, flat(rows, from, n), new Shape(n, rows[from].length));
                    float[] y = pass.apply(new Net(params, step, false), x).toFloatArray();
                    for (int i = 0; i < n; i++) {
                        out[from + i] = Arrays.copyOfRange(y, i * outWidth, (i + 1) * outWidth);
                    }
                }
            }
        }
        return out;
    }

    /** Reconstruction of tiles {@code [n, T]} through encoder and decoder. */
    final NDArray reconstruct(Net net, NDArray tiles) {
        return decoder(net, encoder(net, tiles));
    }

    @Override
    public NamedTensors contribution(List<float[][]> freshTiles) {
        List<float[]> rows = new ArrayList<>();
        for (float[][] sample : freshTiles) {
            requireRows(sample, tileSize, "tile");
            rows.addAll(List.of(sample));
        }
        NamedTensors out = new NamedTensors();
        if (rows.isEmpty()) {
            weights.forEach((name, w) -> {
                if (trainable(name)) {
                    out.put(name, FloatTensor.zeros(w.shape()));
                }
            });
            return out;
        }
        GradientCollectors.TURN.lock();
        try (NoGrad ignored = new NoGrad(); NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = load(manager, weights, this::trainable);
            float[][] all = rows.toArray(new float[0][]);
            for (int from = 0; from < all.length; from += CHUNK) {
                int n = Math.min(CHUNK, all.length - from);
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = NativeArrays.of(step, flat(all, from, n), new Shape(n, tileSize));
                    NDArray share = NativeArrays.scalar(step, n / (double) all.length);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = mse(reconstruct(new Net(params, step, false), x), x).mul(share);
                        collector.backward(loss);
                    }
                }
            }
            weights.forEach((name, w) -> {
                if (trainable(name)) {
                    out.put(name, new FloatTensor(w.shape(), params.get(name).getGradient().toFloatArray()));
                }
            });
        } finally {
            GradientCollectors.TURN.unlock();
        }
        return out;
    }

    @Override
    public TileAutoencoder adapt(List<NamedTensors> contributions, CgaeSettings settings) {
        if (contributions.isEmpty()) {
            return this;
        }
        return withWeights(NormalisedGradientStep.apply(weights, this::trainable, architecture(), contributions,
                settings.learningRate()));
    }

    /** Rows {@code from} to {@code from + n - 1}, one after the other in one array. */
    static float[] flat(float[][] rows, int from, int n) {
        int w = rows[from].length;
        float[] x = new float[n * w];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[from + i], 0, x, i * w, w);
        }
        return x;
    }

    /** Every weight as an array that libtorch owns, the trainable ones recording gradients when asked. */
    static Map<String, NDArray> load(NDManager manager, NamedTensors weights, Predicate<String> withGradient) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        weights.forEach((name, w) -> {
            long[] shape = Arrays.stream(w.shape()).asLongStream().toArray();
            NDArray p = NativeArrays.of(manager, w.data(), new Shape(shape));
            if (withGradient.test(name)) {
                p.setRequiresGradient(true);
            }
            params.put(name, p);
        });
        return params;
    }

    /** The mean squared error, a scalar. */
    static NDArray mse(NDArray reconstruction, NDArray target) {
        return reconstruction.sub(target).square().mean();
    }
}
