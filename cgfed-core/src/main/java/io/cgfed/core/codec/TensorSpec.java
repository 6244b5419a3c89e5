package io.cgfed.core.codec;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A tensor's name and shape in a payload manifest. */
public record TensorSpec(String name, int[] shape) {
    public TensorSpec {
        shape = shape.clone();
    }

    public long numel() {
        return FloatTensor.numel(shape);
    }

    public static List<TensorSpec> manifestOf(NamedTensors tensors) {
        List<TensorSpec> out = new ArrayList<>();
        tensors.forEach((name, t) -> out.add(new TensorSpec(name, t.shape())));
        return out;
    }

    public static long totalNumel(List<TensorSpec> manifest) {
        long n = 0;
        for (TensorSpec s : manifest) {
            n = Math.addExact(n, s.numel());
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
