package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/**
 * How an update becomes tiles (docs/wire-format.md, "cgae"): the tensors in manifest order (the
 * adapter's canonical order), each flattened row-major, are concatenated into one vector; the vector
 * is cut into tiles of {@code T = side x side} values, each read as a side x side map row by row; the
 * last tile is padded with zeros. Tile {@code p} always holds the same adapter values, so a codec can
 * learn one basis per tile position.
 */
public final class TileLayout {
    private TileLayout() {
    }

    public static int positions(List<TensorSpec> manifest, int tileSize) {
        long n = TensorSpec.totalNumel(manifest);
        return (int) ((n + tileSize - 1) / tileSize);
    }

    public static float[][] tiles(NamedTensors update, int tileSize) {
        float[] flat = update.flatten();
        int p = (flat.length + tileSize - 1) / tileSize;
        float[][] out = new float[p][tileSize];
        for (int i = 0; i < p; i++) {
            int from = i * tileSize;
            System.arraycopy(flat, from, out[i], 0, Math.min(tileSize, flat.length - from));
        }
        return out;
    }

    public static NamedTensors untile(float[][] tiles, List<TensorSpec> manifest) {
        int tileSize = tiles.length == 0 ? 1 : tiles[0].length;
        NamedTensors out = new NamedTensors();
        long offset = 0;
        for (TensorSpec spec : manifest) {
            float[] data = new float[(int) spec.numel()];
            for (int i = 0; i < data.length; i++) {
                long at = offset + i;
                data[i] = tiles[(int) (at / tileSize)][(int) (at % tileSize)];
            }
            offset += data.length;
            out.put(spec.name(), new FloatTensor(spec.shape(), data));
        }
        return out;
    }
}
