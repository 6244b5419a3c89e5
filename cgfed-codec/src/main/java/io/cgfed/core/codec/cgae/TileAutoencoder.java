package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/**
 * The learned part of {@code cgae}: maps the normalised tiles of one update ({@code [positions][T]})
 * to latents ({@code [positions][k]}) and back. Implementations are immutable once built, so one
 * instance can serve concurrent encodes and decodes; adapting yields a new instance.
 */
public interface TileAutoencoder {
    String architecture();

    int tileSize();

    int latentDim();

    int positions();

    float[][] encode(float[][] tiles);

    float[][] decode(float[][] latents);

    /** Every weight, named; {@link CodecModel} stores them as safetensors. */
    NamedTensors state();

    /**
     * A client's FAF contribution computed on its fresh, normalised update tiles: the gradient of the
     * reconstruction loss (or what the server needs to refit), and nothing of the update beyond it.
     */
    NamedTensors contribution(List<float[][]> freshTiles);

    /** The next version, from the contributions of several clients. */
    TileAutoencoder adapt(List<NamedTensors> contributions, CgaeSettings settings);
}
