package io.cgfed.core.codec.cgae;

import static io.cgfed.core.codec.cgae.InitialWeights.kaiming;
import static io.cgfed.core.codec.cgae.InitialWeights.plain;

import ai.djl.ndarray.NDArray;
import io.cgfed.core.tensor.NamedTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code mlp} architecture (the calibration's "MLP AE 4096-512-64 with linear skip"), one network
 * shared by every tile position. With {@code T} values per tile, {@code H = hidden} and
 * {@code k = latentDim}:
 * <pre>
 * encode  z  = W2 relu(W1 x + b1) + b2 + Ws x        W1 [H, T], W2 [k, H], Ws [k, T]
 * decode  x' = W4 relu(W3 z + b3) + b4 + Wd z        W3 [H, k], W4 [T, H], Wd [T, k]
 * </pre>
 * The linear skips let it do at least what a linear (PCA-like) autoencoder does; the hidden paths add
 * what is nonlinear. Weights ({@link #state()}): {@code mlp.encoder.hidden.weight/bias} (W1, b1),
 * {@code mlp.encoder.latent.weight/bias} (W2, b2), {@code mlp.encoder.skip.weight} (Ws),
 * {@code mlp.decoder.hidden.weight/bias} (W3, b3), {@code mlp.decoder.output.weight/bias} (W4, b4),
 * {@code mlp.decoder.skip.weight} (Wd), in PyTorch's {@code nn.Linear} layout. Initialised
 * Kaiming-uniform ({@code sqrt(6 / fan_in)}) before the ReLUs, {@code 1 / sqrt(fan_in)} elsewhere.
 * ReLU rather than GELU: libtorch's GELU on the CPU took some 25 times as long as ReLU on small
 * batches here and dominated training time.
 * Training, contributions and adaptation: see {@link NeuralTileAutoencoder}.
 */
public final class MlpTileAutoencoder extends NeuralTileAutoencoder {
    static final String PREFIX = "mlp.";

    private MlpTileAutoencoder(int tileSize, int latentDim, int positions, NamedTensors weights) {
        super(tileSize, latentDim, positions, weights);
    }

    /** Every weight's name and shape, in the order {@link #state()} lists them. */
    static Map<String, int[]> layout(int t, int hidden, int k) {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put(PREFIX + "encoder.hidden.weight", new int[] {hidden, t});
        m.put(PREFIX + "encoder.hidden.bias", new int[] {hidden});
        m.put(PREFIX + "encoder.latent.weight", new int[] {k, hidden});
        m.put(PREFIX + "encoder.latent.bias", new int[] {k});
        m.put(PREFIX + "encoder.skip.weight", new int[] {k, t});
        m.put(PREFIX + "decoder.hidden.weight", new int[] {hidden, k});
        m.put(PREFIX + "decoder.hidden.bias", new int[] {hidden});
        m.put(PREFIX + "decoder.output.weight", new int[] {t, hidden});
        m.put(PREFIX + "decoder.output.bias", new int[] {t});
        m.put(PREFIX + "decoder.skip.weight", new int[] {t, k});
        return m;
    }

    /** Untrained, seeded by {@code settings.seed()}. */
    static MlpTileAutoencoder initial(int positions, CgaeSettings settings) {
        int t = settings.tileSize();
        int h = settings.hidden();
        int k = settings.latentDim();
        NamedTensors w = InitialWeights.initialise(layout(t, h, k), settings.seed(), (name, shape) -> {
            boolean beforeActivation = name.contains(".hidden.");
            int fanIn = name.endsWith(".bias") ? (name.startsWith(PREFIX + "encoder.hidden") ? t
                    : name.startsWith(PREFIX + "decoder.hidden") ? k : h) : shape[1];
            return beforeActivation && name.endsWith(".weight") ? kaiming(fanIn) : plain(fanIn);
        });
        return new MlpTileAutoencoder(t, k, positions, w);
    }

    /** TGAP: trains on normalised samples, each {@code [positions][T]}. */
    public static MlpTileAutoencoder fit(List<float[][]> samples, int positions, CgaeSettings settings,
                                         TrainingProgress progress) {
        MlpTileAutoencoder start = initial(positions, settings);
        return start.withWeights(NeuralTraining.train(start, samples, settings, progress));
    }

    /** Restores {@link #state()}; the shapes must agree with the settings (tile, compression, hidden). */
    public static MlpTileAutoencoder fromState(NamedTensors state, int positions, CgaeSettings settings) {
        int t = settings.tileSize();
        int k = settings.latentDim();
        return new MlpTileAutoencoder(t, k, positions, SavedWeights.restore(state, layout(t, settings.hidden(), k)));
    }

    @Override
    public String architecture() {
        return "mlp";
    }

    @Override
    NDArray encoder(Net net, NDArray x) {
        NDArray h = Net.relu(net.linear(x, PREFIX + "encoder.hidden.weight", PREFIX + "encoder.hidden.bias"));
        return net.linear(h, PREFIX + "encoder.latent.weight", PREFIX + "encoder.latent.bias")
                .add(net.linear(x, PREFIX + "encoder.skip.weight", null));
    }

    @Override
    NDArray decoder(Net net, NDArray z) {
        NDArray h = Net.relu(net.linear(z, PREFIX + "decoder.hidden.weight", PREFIX + "decoder.hidden.bias"));
        return net.linear(h, PREFIX + "decoder.output.weight", PREFIX + "decoder.output.bias")
                .add(net.linear(z, PREFIX + "decoder.skip.weight", null));
    }

    @Override
    MlpTileAutoencoder withWeights(NamedTensors weights) {
        return new MlpTileAutoencoder(tileSize, latentDim, positions, weights);
    }
}
