package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/** Cuts a flat vector of values back into the named tensors of a manifest. */
public final class Manifests {
    private Manifests() {
    }

    public static NamedTensors split(float[] values, List<TensorSpec> manifest) {
        NamedTensors out = new NamedTensors();
        int off = 0;
        for (TensorSpec s : manifest) {
            int n = (int) s.numel();
            float[] d = new float[n];
            System.arraycopy(values, off, d, 0, n);
            off += n;
            out.put(s.name(), new FloatTensor(s.shape(), d));
        }
        return out;
    }
}
