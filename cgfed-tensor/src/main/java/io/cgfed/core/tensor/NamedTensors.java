package io.cgfed.core.tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An ordered map of named tensors: a LoRA adapter, an update, a set of encoder weights. The order
 * of insertion is the order on the wire and in safetensors files.
 */
public final class NamedTensors {
    private final LinkedHashMap<String, FloatTensor> tensors;

    public NamedTensors() {
        this.tensors = new LinkedHashMap<>();
    }

    public NamedTensors(Map<String, FloatTensor> tensors) {
        this.tensors = new LinkedHashMap<>(tensors);
    }

    public NamedTensors put(String name, FloatTensor tensor) {
        tensors.put(name, tensor);
        return this;
    }

    public FloatTensor get(String name) {
        FloatTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named " + name);
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public Map<String, FloatTensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return tensors.size();
    }

    public long numel() {
        long n = 0;
        for (FloatTensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }

    public void forEach(BiConsumer<String, FloatTensor> action) {
        tensors.forEach(action);
    }

    public NamedTensors copy() {
        NamedTensors c = new NamedTensors();
        tensors.forEach((k, v) -> c.put(k, v.copy()));
        return c;
    }

    /** Whether both hold the same names with the same shapes, in any order. */
    public boolean sameLayout(NamedTensors other) {
        if (!tensors.keySet().equals(other.tensors.keySet())) {
            return false;
        }
        for (var e : tensors.entrySet()) {
            if (!Arrays.equals(e.getValue().shape(), other.tensors.get(e.getKey()).shape())) {
                return false;
            }
        }
        return true;
    }

    /** this - other, tensor by tensor (an update from a trained adapter and its starting point). */
    public NamedTensors minus(NamedTensors other) {
        requireSameLayout(other);
        NamedTensors out = new NamedTensors();
        tensors.forEach((name, a) -> {
            float[] x = a.data();
            float[] y = other.get(name).data();
            float[] d = new float[x.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = x[i] - y[i];
            }
            out.put(name, new FloatTensor(a.shape(), d));
        });
        return out;
    }

    /** this + other into a new set of tensors (apply an aggregated update to the global adapter). */
    public NamedTensors plus(NamedTensors other) {
        requireSameLayout(other);
        return plusPart(other);
    }

    /** this x factor, tensor by tensor, into a new set of tensors. */
    public NamedTensors scaled(double factor) {
        NamedTensors out = new NamedTensors();
        tensors.forEach((name, a) -> {
            float[] x = a.data();
            float[] s = new float[x.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (x[i] * factor);
            }
            out.put(name, new FloatTensor(a.shape(), s));
        });
        return out;
    }

    /** The L2 norm of all values, summed in double (the quarantine's, the server step's, DP's clip). */
    public double l2Norm() {
        double sum = 0;
        for (FloatTensor t : tensors.values()) {
            for (float v : t.data()) {
                sum += (double) v * v;
            }
        }
        return Math.sqrt(sum);
    }

    /** All values in insertion order, concatenated. */
    public float[] flatten() {
        long n = numel();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("too many values to flatten: " + n);
        }
        float[] out = new float[(int) n];
        int off = 0;
        for (FloatTensor t : tensors.values()) {
            System.arraycopy(t.data(), 0, out, off, t.size());
            off += t.size();
        }
        return out;
    }

    /**
     * This plus a change to some of its tensors: {@code part} names a subset of this set's tensors, each of the
     * same shape (an FFA-LoRA update holds only the B factors); the others are kept as they are.
     */
    public NamedTensors plusPart(NamedTensors part) {
        part.forEach((name, t) -> {
            FloatTensor mine = tensors.get(name);
            if (mine == null || !java.util.Arrays.equals(mine.shape(), t.shape())) {
                throw new IllegalArgumentException("the change names '" + name + "', which this set "
                        + (mine == null ? "does not hold" : "holds in another shape"));
            }
        });
        NamedTensors out = new NamedTensors();
        tensors.forEach((name, a) -> {
            FloatTensor d = part.tensors.get(name);
            if (d == null) {
                out.put(name, a);
                return;
            }
            float[] x = a.data();
            float[] y = d.data();
            float[] s = new float[x.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = x[i] + y[i];
            }
            out.put(name, new FloatTensor(a.shape(), s));
        });
        return out;
    }

    private void requireSameLayout(NamedTensors other) {
        if (!sameLayout(other)) {
            throw new IllegalArgumentException("tensor sets differ in names or shapes: "
                    + tensors.keySet() + " vs " + other.tensors.keySet());
        }
    }
}
