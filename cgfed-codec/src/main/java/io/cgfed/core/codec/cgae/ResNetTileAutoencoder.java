package io.cgfed.core.codec.cgae;

import static io.cgfed.core.codec.cgae.InitialWeights.kaiming;
import static io.cgfed.core.codec.cgae.InitialWeights.plain;

import ai.djl.ndarray.NDArray;
import io.cgfed.core.tensor.NamedTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code resnet} architecture: the paper's convolutional autoencoder, one network shared by
 * every tile position, each tile read as a {@code 1 x side x side} map. Kept so that the paper can
 * be reproduced; on LoRA updates it trains badly (the calibration saw it collapse to zero output),
 * {@code linear} and {@code mlp} are the ones to use.
 *
 * <p>With {@code S = log2(side)} stages and channels {@code c_0 = 1}, {@code c_i = min(2^i, 64)},
 * {@code C = c_S}, {@code k = latentDim}:
 * <pre>
 * encoder  S x [3x3 conv stride 2 pad 1 (c_{i-1} -> c_i, no bias), BatchNorm, ReLU]   side -> 1
 *          2 x residual block on C channels
 *          1x1 conv C -> k (with bias)                                            latent [k, 1, 1]
 * decoder  1x1 conv k -> C (with bias)
 *          2 x residual block on C channels
 *          S x [3x3 transposed conv stride 2 pad 1 output_padding 1 (c_i -> c_{i-1}, no bias),
 *               BatchNorm, ReLU]                                                   1 -> side
 *          3x3 conv 1 -> 1 (pad 1, with bias), Tanh
 * residual block: x -> ReLU(x + BN(conv3x3(ReLU(BN(conv3x3(x))))))   (convs without bias)
 * </pre>
 * <b>Latent shape:</b> the stages halve the side all the way down to 1 (a 64 x 64 tile: 6 stages,
 * 64 channels), so the latent is {@code k} channels at {@code 1 x 1}: exactly {@code k} values per
 * tile, no flatten or linear layer needed. (At {@code 1 x 1} the residual blocks' 3x3 convolutions
 * see only their centre taps.) Tiles wider than 64 keep 64 channels in their later stages.
 *
 * <p>The decoder's output is bounded by the Tanh to [-1, 1], while normalised tiles have an RMS of 1.
 * BatchNorm uses the batch's statistics while training (and updates the running ones, PyTorch's
 * momentum 0.1, eps 1e-5) and the running statistics when encoding, decoding and computing FAF
 * contributions; FAF steps leave the running statistics as they are.
 *
 * <p>Weights ({@link #state()}), in PyTorch's layouts ({@code Conv2d [out, in, kh, kw]},
 * {@code ConvTranspose2d [in, out, kh, kw]}): {@code resnet.encoder.stage<i>.conv.weight},
 * {@code resnet.encoder.stage<i>.bn.{weight,bias,running_mean,running_var}},
 * {@code resnet.encoder.block<j>.{conv1,conv2}.weight}, {@code resnet.encoder.block<j>.{bn1,bn2}.*},
 * {@code resnet.encoder.latent.{weight,bias}}, then {@code resnet.decoder.latent.{weight,bias}},
 * {@code resnet.decoder.block<j>.*}, {@code resnet.decoder.stage<i>.deconv.weight} and
 * {@code resnet.decoder.stage<i>.bn.*} (i from S down to 1), {@code resnet.decoder.output.{weight,bias}}.
 * Initialised Kaiming-uniform before each BatchNorm, {@code 1 / sqrt(fan_in)} elsewhere. Training,
 * contributions and adaptation: see {@link NeuralTileAutoencoder}.
 */
public final class ResNetTileAutoencoder extends NeuralTileAutoencoder {
    static final String PREFIX = "resnet.";
    static final int MAX_CHANNELS = 64;
    static final int BLOCKS = 2;
    private final int side;
    private final int stages;

    private ResNetTileAutoencoder(int side, int latentDim, int positions, NamedTensors weights) {
        super(side * side, latentDim, positions, weights);
        this.side = side;
        this.stages = stages(side);
    }

    static int stages(int side) {
        if (side < 2 || (side & (side - 1)) != 0) {
            throw new IllegalArgumentException("the resnet cgae architecture needs a power-of-two tile side, got " + side);
        }
        return Integer.numberOfTrailingZeros(side);
    }

    static int channels(int stage) {
        return Math.min(MAX_CHANNELS, 1 << stage);
    }

    /** Every weight's name and shape, in the order {@link #state()} lists them. */
    static Map<String, int[]> layout(int side, int k) {
        int s = stages(side);
        int c = channels(s);
        Map<String, int[]> m = new LinkedHashMap<>();
        for (int i = 1; i <= s; i++) {
            m.put(PREFIX + "encoder.stage" + i + ".conv.weight", new int[] {channels(i), channels(i - 1), 3, 3});
            batchNorm(m, PREFIX + "encoder.stage" + i + ".bn", channels(i));
        }
        blocks(m, PREFIX + "encoder.", c);
        m.put(PREFIX + "encoder.latent.weight", new int[] {k, c, 1, 1});
        m.put(PREFIX + "encoder.latent.bias", new int[] {k});
        m.put(PREFIX + "decoder.latent.weight", new int[] {c, k, 1, 1});
        m.put(PREFIX + "decoder.latent.bias", new int[] {c});
        blocks(m, PREFIX + "decoder.", c);
        for (int i = s; i >= 1; i--) {
            m.put(PREFIX + "decoder.stage" + i + ".deconv.weight", new int[] {channels(i), channels(i - 1), 3, 3});
            batchNorm(m, PREFIX + "decoder.stage" + i + ".bn", channels(i - 1));
        }
        m.put(PREFIX + "decoder.output.weight", new int[] {1, 1, 3, 3});
        m.put(PREFIX + "decoder.output.bias", new int[] {1});
        return m;
    }

    private static void blocks(Map<String, int[]> m, String prefix, int c) {
        for (int j = 1; j <= BLOCKS; j++) {
            m.put(prefix + "block" + j + ".conv1.weight", new int[] {c, c, 3, 3});
            batchNorm(m, prefix + "block" + j + ".bn1", c);
            m.put(prefix + "block" + j + ".conv2.weight", new int[] {c, c, 3, 3});
            batchNorm(m, prefix + "block" + j + ".bn2", c);
        }
    }

    private static void batchNorm(Map<String, int[]> m, String prefix, int c) {
        for (String part : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            m.put(prefix + "." + part, new int[] {c});
        }
    }

    /** Untrained, seeded by {@code settings.seed()}. */
    static ResNetTileAutoencoder initial(int positions, CgaeSettings settings) {
        int side = settings.tile();
        int k = settings.latentDim();
        NamedTensors w = InitialWeights.initialise(layout(side, k), settings.seed(), (name, shape) -> {
            if (name.endsWith(".deconv.weight")) {
                return kaiming(shape[1] * 9);   // PyTorch's fan-in convention for transposed convolutions
            }
            if (name.endsWith(".bias")) {       // latent and output biases
                return plain(name.contains("encoder.latent") ? channels(stages(side))
                        : name.contains("decoder.latent") ? k : 9);
            }
            int fanIn = shape[1] * shape[2] * shape[3];
            return name.contains(".latent.") || name.contains(".output.") ? plain(fanIn) : kaiming(fanIn);
        });
        return new ResNetTileAutoencoder(side, k, positions, w);
    }

    /** TGAP: trains on normalised samples, each {@code [positions][T]}. */
    public static ResNetTileAutoencoder fit(List<float[][]> samples, int positions, CgaeSettings settings,
                                            TrainingProgress progress) {
        ResNetTileAutoencoder start = initial(positions, settings);
        return start.withWeights(NeuralTraining.train(start, samples, settings, progress));
    }

    /** Restores {@link #state()}; the shapes must agree with the settings (tile, compression). */
    public static ResNetTileAutoencoder fromState(NamedTensors state, int positions, CgaeSettings settings) {
        int side = settings.tile();
        int k = settings.latentDim();
        return new ResNetTileAutoencoder(side, k, positions, SavedWeights.restore(state, layout(side, k)));
    }

    @Override
    public String architecture() {
        return "resnet";
    }

    @Override
    NDArray encoder(Net net, NDArray tiles) {
        long n = tiles.getShape().get(0);
        NDArray x = tiles.reshape(n, 1, side, side);
        for (int i = 1; i <= stages; i++) {
            String p = PREFIX + "encoder.stage" + i;
            x = Net.relu(net.batchNorm(net.conv(x, p + ".conv.weight", null, 2, 1), p + ".bn"));
        }
        x = residualBlocks(net, x, PREFIX + "encoder.");
        return net.conv(x, PREFIX + "encoder.latent.weight", PREFIX + "encoder.latent.bias", 1, 0).reshape(n, latentDim);
    }

    @Override
    NDArray decoder(Net net, NDArray latents) {
        long n = latents.getShape().get(0);
        NDArray x = net.conv(latents.reshape(n, latentDim, 1, 1), PREFIX + "decoder.latent.weight",
                PREFIX + "decoder.latent.bias", 1, 0);
        x = residualBlocks(net, x, PREFIX + "decoder.");
        for (int i = stages; i >= 1; i--) {
            String p = PREFIX + "decoder.stage" + i;
            x = Net.relu(net.batchNorm(net.convTranspose2x(x, p + ".deconv.weight"), p + ".bn"));
        }
        NDArray out = net.conv(x, PREFIX + "decoder.output.weight", PREFIX + "decoder.output.bias", 1, 1);
        return out.getNDArrayInternal().tanh().reshape(n, tileSize);
    }

    private static NDArray residualBlocks(Net net, NDArray x, String prefix) {
        for (int j = 1; j <= BLOCKS; j++) {
            String p = prefix + "block" + j;
            NDArray y = Net.relu(net.batchNorm(net.conv(x, p + ".conv1.weight", null, 1, 1), p + ".bn1"));
            y = net.batchNorm(net.conv(y, p + ".conv2.weight", null, 1, 1), p + ".bn2");
            x = Net.relu(x.add(y));
        }
        return x;
    }

    @Override
    ResNetTileAutoencoder withWeights(NamedTensors weights) {
        return new ResNetTileAutoencoder(side, latentDim, positions, weights);
    }
}
