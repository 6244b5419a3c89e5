package io.cgfed.core.codec.cgae;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.Half;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The learned codec of CG-FedLLM with one trained {@link CodecModel}. Body (little-endian):
 * <pre>
 * u32 positions | u32 latentDim | positions x bf16 scale (when normalised) | positions x latentDim x fp16 latent
 *   [ | u32 residualCount | residualCount x u32 index (ascending) | residualCount x fp16 value ]
 * </pre>
 * The bracketed residual channel is present only when {@code residualFraction > 0}: the largest
 * magnitudes of what the latent part lost (the update minus the reconstruction the server will make
 * from the fp16 latents and bf16 scales), indices into the update's values in manifest order. The
 * decoder refuses a body whose counts differ from its model's, and a manifest other than the one
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
        int r = s.residualCount(p);
        ByteBuffer buf = ByteBuffer.allocate(bodyBytes(p, k, s.normalise(), r, s.residualFraction() > 0))
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(p).putInt(k);
        if (scales != null) {
            for (float sc : scales) {
                buf.putShort(Half.floatToBf16(sc));
            }
        }
        for (float[] z : latents) {
            for (int j = 0; j < k; j++) {
                short h = Half.fromFloat(z[j]);
                buf.putShort(h);
                z[j] = Half.toFloat(h);   // what the server will decode from
            }
        }
        if (s.residualFraction() > 0) {
            float[] lost = update.flatten();
            float[] rec = reconstruct(latents, scales, manifest).flatten();
            for (int i = 0; i < lost.length; i++) {
                lost[i] -= rec[i];
            }
            int[] kept = io.cgfed.core.codec.TopKCodec.largest(lost, r);
            buf.putInt(kept.length);
            for (int i : kept) {
                buf.putInt(i);
            }
            for (int i : kept) {
                buf.putShort(Half.fromFloat(lost[i]));
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
        int r = s.residualCount(p);
        boolean residual = s.residualFraction() > 0;
        int expected = bodyBytes(p, k, s.normalise(), r, residual);
        if (body.length != expected) {
            throw new PayloadFormatException("codec cgae: body has " + body.length + " bytes, this codec version needs "
                    + expected);
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
        NamedTensors out = reconstruct(latents, s.normalise() ? scales : null, manifest);
        if (residual) {
            long br = Integer.toUnsignedLong(buf.getInt());
            if (br != r) {
                throw new PayloadFormatException("codec cgae: body declares " + br + " residual values, this codec version "
                        + "sends " + r);
            }
            long n = TensorSpec.totalNumel(manifest);
            int[] index = new int[r];
            long previous = -1;
            for (int i = 0; i < r; i++) {
                long at = Integer.toUnsignedLong(buf.getInt());
                if (at >= n || at <= previous) {
                    throw new PayloadFormatException("codec cgae: residual index " + at + " is out of range or not ascending");
                }
                index[i] = (int) at;
                previous = at;
            }
            float[] flat = out.flatten();
            for (int i = 0; i < r; i++) {
                float v = Half.toFloat(buf.getShort());
                if (!Float.isFinite(v)) {
                    throw new PayloadFormatException("codec cgae: residual value " + i + " is not finite");
                }
                flat[index[i]] += v;
            }
            out = TileLayout.untile(new float[][] {flat}, manifest);
        }
        return out;
    }

    /** What the server makes of the latents (and scales, null when not normalised). */
    private NamedTensors reconstruct(float[][] latents, float[] scales, List<TensorSpec> manifest) {
        float[][] tiles = model.autoencoder().decode(latents);
        if (scales != null) {
            Tiles.denormalise(tiles, scales);
        }
        return TileLayout.untile(tiles, manifest);
    }

    static int bodyBytes(int positions, int latentDim, boolean normalise) {
        return bodyBytes(positions, latentDim, normalise, 0, false);
    }

    static int bodyBytes(int positions, int latentDim, boolean normalise, int residualCount, boolean residual) {
        return 8 + positions * (2 * latentDim + (normalise ? 2 : 0)) + (residual ? 4 + 6 * residualCount : 0);
    }

    private void requireManifest(List<TensorSpec> manifest, java.util.function.Function<String, RuntimeException> error) {
        if (!manifest.equals(model.manifest())) {
            throw error.apply("codec cgae: the update's tensors do not match the layout this codec version was trained for");
        }
    }
}
