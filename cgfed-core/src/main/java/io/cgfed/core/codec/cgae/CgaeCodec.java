package io.cgfed.core.codec.cgae;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.codec.TensorSpec;
import io.cgfed.core.tensor.Half;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The learned codec of CG-FedLLM with one trained {@link CodecModel}. Body (little-endian):
 * <pre>
 * u32 positions | u32 latentDim | positions x bf16 scale (when normalised) | positions x latentDim x fp16 latent
 * </pre>
 * The decoder refuses a body whose counts differ from its model's, and a manifest other than the one
 * the model was trained for.
 */
public final class CgaeCodec implements Codec {
    public static final String NAME = "cgae";
    private final CodecModel model;

    public CgaeCodec(CodecModel model) {
        this.model = model;
    }

    public CodecModel model() {
        return model;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(NamedTensors update) {
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        requireManifest(manifest, IllegalArgumentException::new);
        CgaeSettings s = model.settings();
        float[][] tiles = TileLayout.tiles(update, s.tileSize());
        float[] scales = s.normalise() ? Tiles.scales(tiles) : null;
        float[][] latents = model.autoencoder().encode(s.normalise() ? Tiles.normalise(tiles, scales) : tiles);
        int p = tiles.length;
        int k = s.latentDim();
        ByteBuffer buf = ByteBuffer.allocate(bodyBytes(p, k, s.normalise())).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(p).putInt(k);
        if (scales != null) {
            for (float sc : scales) {
                buf.putShort(Half.floatToBf16(sc));
            }
        }
        for (float[] z : latents) {
            for (float v : z) {
                buf.putShort(Half.fromFloat(v));
            }
        }
        return buf.array();
    }

    @Override
    public NamedTensors decode(byte[] body, List<TensorSpec> manifest) {
        requireManifest(manifest, PayloadFormatException::new);
        CgaeSettings s = model.settings();
        int p = model.positions();
        int k = s.latentDim();
        if (body.length != bodyBytes(p, k, s.normalise())) {
            throw new PayloadFormatException("codec cgae: body has " + body.length + " bytes, this codec version needs "
                    + bodyBytes(p, k, s.normalise()));
        }
        ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        int bp = buf.getInt();
        int bk = buf.getInt();
        if (bp != p || bk != k) {
            throw new PayloadFormatException("codec cgae: body declares " + bp + " tiles of " + bk
                    + " latents, this codec version has " + p + " of " + k);
        }
        float[] scales = new float[p];
        if (s.normalise()) {
            for (int i = 0; i < p; i++) {
                scales[i] = Half.bf16ToFloat(buf.getShort());
                if (!Float.isFinite(scales[i]) || scales[i] < 0) {
                    throw new PayloadFormatException("codec cgae: tile " + i + " has an invalid scale " + scales[i]);
                }
            }
        }
        float[][] latents = new float[p][k];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < k; j++) {
                latents[i][j] = Half.toFloat(buf.getShort());
                if (!Float.isFinite(latents[i][j])) {
                    throw new PayloadFormatException("codec cgae: tile " + i + " holds a non-finite latent");
                }
            }
        }
        float[][] tiles = model.autoencoder().decode(latents);
        if (s.normalise()) {
            Tiles.denormalise(tiles, scales);
        }
        return TileLayout.untile(tiles, manifest);
    }

    static int bodyBytes(int positions, int latentDim, boolean normalise) {
        return 8 + positions * (2 * latentDim + (normalise ? 2 : 0));
    }

    private void requireManifest(List<TensorSpec> manifest, java.util.function.Function<String, RuntimeException> error) {
        if (!manifest.equals(model.manifest())) {
            throw error.apply("codec cgae: the update's tensors do not match the layout this codec version was trained for");
        }
    }
}
