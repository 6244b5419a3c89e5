package io.cgfed.core.codec.cgae;

import static io.cgfed.core.codec.CodecSettings.bool;
import static io.cgfed.core.codec.CodecSettings.integer;
import static io.cgfed.core.codec.CodecSettings.number;
import static io.cgfed.core.codec.CodecSettings.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of the learned codec {@code cgae}, read from the experiment spec's {@code codec.settings}.
 *
 * <ul>
 *   <li>{@code architecture}: {@code linear} (default; one PCA-fitted basis per tile position),
 *       {@code mlp} (a shared two-layer autoencoder with a linear skip) or {@code resnet} (the paper's
 *       convolutional autoencoder).</li>
 *   <li>{@code tile}: the side of the square tiles the update is cut into (default 32: 1,024 values; measured better than 64 on our adapters, whose TGAP
 *       collections hold fewer updates than a 64x64 tile has latents).</li>
 *   <li>{@code compression}: fp32 bytes over body bytes per tile, at least 16 (default 64). The latent
 *       and the tile's scale are fp16, so a tile of T values carries {@code 2T/compression - 1}
 *       latents when normalised (fewer with a residual channel).</li>
 *   <li>{@code normalise}: divide each tile by its RMS and send the scale (default true).</li>
 *   <li>{@code bases}: for {@code linear}, {@code position} (one basis per tile position, default) or
 *       {@code shared} (one for all: far smaller codec, lower quality).</li>
 *   <li>TGAP: {@code collectRounds} (local rounds each client runs on its D1 share, one snapshot each,
 *       default 6), {@code epochs} (default 30), {@code learningRate} (Adam, default 2e-4),
 *       {@code batchSize} (default 16), {@code heldOutFraction} (default 0.25), {@code hidden} (mlp
 *       width, default 512), {@code seed}.</li>
 *   <li>FAF: {@code adaptEvery} (0 = frozen, the default; N = the codec-service publishes the next version
 *       every N rounds), {@code adaptFrom}: {@code server} (default: it refits from the updates it
 *       decoded, nothing more is uploaded; new directions enter through the residual channel) or
 *       {@code clients} (each selected client uploads its contribution computed on its fresh update:
 *       for {@code linear} that is as large as, and as revealing as, the update itself),
 *       {@code adaptMemory} (weight of the previous version when refitting, default 0.5).</li>
 *   <li>{@code residualFraction}: the share of the body budget spent on a sparse residual channel, the
 *       largest values of what the learned part lost (u32 index + fp16 value, 6 bytes each), so that
 *       error feedback has a path for what the latent cannot represent (default 0: off). The budget is
 *       shared: the latent shrinks to {@code (1 - residualFraction)} of the tile's bytes, and the
 *       residual takes what is left of {@code positions x 4T/compression} bytes.</li>
 *   <li>{@code centre}: for {@code linear}, subtract the mean of the TGAP tiles before projecting and
 *       add it back when decoding (default false, measured: centring adds the TGAP window's stale mean
 *       update to every later one, which cost more than the gain it ever brought). With false the codec is
 *       a pure projection: a zero update decodes to zero.</li>
 * </ul>
 */
public record CgaeSettings(String architecture, int tile, int compression, boolean normalise, String bases,
                           int collectRounds, int epochs, double learningRate, int batchSize, double heldOutFraction,
                           int hidden, long seed, int adaptEvery, double adaptMemory, double residualFraction,
                           boolean centre, String adaptFrom) {
    public static final List<String> ARCHITECTURES = List.of("linear", "mlp", "resnet");

    public CgaeSettings {
        if (!ARCHITECTURES.contains(architecture)) {
            throw new IllegalArgumentException("codec setting 'architecture' must be one of " + ARCHITECTURES + ", got '"
                    + architecture + "'");
        }
        if (!List.of("position", "shared").contains(bases)) {
            throw new IllegalArgumentException("codec setting 'bases' must be 'position' or 'shared', got '" + bases + "'");
        }
        if ("resnet".equals(architecture) && (tile & (tile - 1)) != 0) {
            throw new IllegalArgumentException("codec setting 'tile' must be a power of two for the resnet architecture");
        }
        if (!List.of("server", "clients").contains(adaptFrom)) {
            throw new IllegalArgumentException("codec setting 'adaptFrom' must be 'server' or 'clients', got '" + adaptFrom
                    + "'");
        }
        if (!(residualFraction >= 0) || !(residualFraction <= 0.9)) {
            throw new IllegalArgumentException("codec setting 'residualFraction' must be in [0, 0.9], got " + residualFraction);
        }
        if (latentDim(tile, compression, normalise, residualFraction) < 1) {
            throw new IllegalArgumentException("codec setting 'compression' " + compression + " leaves no room for a latent in a "
                    + tile + "x" + tile + " tile");
        }
    }

    /** Defaults, overridden by whatever {@code settings} holds; unknown keys are refused. */
    public static CgaeSettings of(Map<String, Object> settings) {
        Map<String, Object> s = settings == null ? Map.of() : settings;
        for (String key : s.keySet()) {
            if (!defaults().containsKey(key)) {
                throw new IllegalArgumentException("codec setting '" + key + "' is not known to cgae (known: "
                        + defaults().keySet() + ")");
            }
        }
        return new CgaeSettings(
                text(s, "architecture", "linear"),
                integer(s, "tile", 32, 4, 1024),
                integer(s, "compression", 64, 16, 65536),
                bool(s, "normalise", true),
                text(s, "bases", "position"),
                integer(s, "collectRounds", 6, 1, 1000),
                integer(s, "epochs", 30, 1, 100_000),
                number(s, "learningRate", 2e-4, 0, 10),
                integer(s, "batchSize", 16, 1, 65536),
                number(s, "heldOutFraction", 0.25, 0, 0.9),
                integer(s, "hidden", 512, 1, 65536),
                integer(s, "seed", 0, Integer.MIN_VALUE, Integer.MAX_VALUE),
                integer(s, "adaptEvery", 0, 0, 10_000),
                number(s, "adaptMemory", 0.5, 0, 1),
                number(s, "residualFraction", 0.0, 0, 0.9),
                bool(s, "centre", false),
                text(s, "adaptFrom", "server"));
    }

    /** Every setting's bounds, for the codec catalog (the checks are in {@link #of} and the constructor). */
    public static Map<String, String> bounds() {
        Map<String, String> b = new LinkedHashMap<>();
        b.put("architecture", String.join(" | ", ARCHITECTURES));
        b.put("tile", "integer in [4, 1024] (tile side)");
        b.put("compression", "integer in [16, 65536], leaving room for a latent");
        b.put("normalise", "true | false");
        b.put("bases", "position | shared");
        b.put("collectRounds", "integer in [1, 1000]");
        b.put("epochs", "integer in [1, 100000]");
        b.put("learningRate", "number in [0, 10]");
        b.put("batchSize", "integer in [1, 65536]");
        b.put("heldOutFraction", "number in [0, 0.9]");
        b.put("hidden", "integer in [1, 65536]");
        b.put("seed", "integer");
        b.put("adaptEvery", "integer in [0, 10000] (0: frozen)");
        b.put("adaptMemory", "number in [0, 1]");
        b.put("residualFraction", "number in [0, 0.9]");
        b.put("centre", "true | false");
        b.put("adaptFrom", "server | clients");
        return b;
    }

    /** Every setting with its default, for the codec catalog. */
    public static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("architecture", "linear");
        d.put("tile", 32);
        d.put("compression", 64);
        d.put("normalise", true);
        d.put("bases", "position");
        d.put("collectRounds", 6);
        d.put("epochs", 30);
        d.put("learningRate", 2e-4);
        d.put("batchSize", 16);
        d.put("heldOutFraction", 0.25);
        d.put("hidden", 512);
        d.put("seed", 0);
        d.put("adaptEvery", 0);
        d.put("adaptMemory", 0.5);
        d.put("residualFraction", 0.0);
        d.put("centre", false);
        d.put("adaptFrom", "server");
        return d;
    }

    /** These settings as a map that {@link #of} reads back. */
    public Map<String, Object> asMap() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("architecture", architecture);
        d.put("tile", tile);
        d.put("compression", compression);
        d.put("normalise", normalise);
        d.put("bases", bases);
        d.put("collectRounds", collectRounds);
        d.put("epochs", epochs);
        d.put("learningRate", learningRate);
        d.put("batchSize", batchSize);
        d.put("heldOutFraction", heldOutFraction);
        d.put("hidden", hidden);
        d.put("seed", seed);
        d.put("adaptEvery", adaptEvery);
        d.put("adaptMemory", adaptMemory);
        d.put("residualFraction", residualFraction);
        d.put("centre", centre);
        d.put("adaptFrom", adaptFrom);
        return d;
    }

    public int tileSize() {
        return tile * tile;
    }

    /**
     * Latent values (fp16) per tile: the tile's share {@code (1 - residualFraction)} of fp32 bytes over the
     * compression, less the fp16 scale.
     */
    public int latentDim() {
        return latentDim(tile, compression, normalise, residualFraction);
    }

    /** Body bytes per tile that the compression allows: {@code 4T / compression}. */
    public int budgetBytesPerTile() {
        return 4 * tile * tile / compression;
    }

    /**
     * Values in the sparse residual channel of an update cut into {@code positions} tiles: whatever the
     * budget leaves after the latents, scales and the channel's u32 count, at 6 bytes a value; 0 when
     * the channel is off.
     */
    public int residualCount(int positions) {
        if (residualFraction == 0) {
            return 0;
        }
        long left = (long) positions * (budgetBytesPerTile() - 2L * latentDim() - (normalise ? 2 : 0)) - 4;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, left / 6));
    }

    private static int latentDim(int tile, int compression, boolean normalise, double residualFraction) {
        int bodyBytesPerTile = 4 * tile * tile / compression;
        int latentBytes = (int) Math.floor(bodyBytesPerTile * (1 - residualFraction));
        return (latentBytes - (normalise ? 2 : 0)) / 2;
    }
}
