package io.cgfed.core.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A tensor's name and shape: an entry of a payload manifest, of a safetensors file's header. */
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

    /**
     * The layout's digest in wire format 2: the first 8 bytes (little-endian) of the SHA-256 of its
     * {@link #layoutText}. Both sides compute it from the experiment's adapter layout; a payload carries
     * only the digest.
     */
    public static long layoutDigest(List<TensorSpec> manifest) {
        byte[] h = io.cgfed.core.util.Digests.sha256(layoutText(manifest).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.nio.ByteBuffer.wrap(h, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** A layout as text: {@code name:d0xd1;name:d0;...} in order (a codec version's file and a batch carry it so). */
    public static String layoutText(List<TensorSpec> manifest) {
        StringBuilder text = new StringBuilder();
        for (TensorSpec s : manifest) {
            text.append(text.length() == 0 ? "" : ";").append(s.name()).append(':');
            for (int i = 0; i < s.shape().length; i++) {
                text.append(i == 0 ? "" : "x").append(s.shape()[i]);
            }
        }
        return text.toString();
    }

    /**
     * Reads {@link #layoutText}.
     *
     * @throws IllegalArgumentException for an empty layout, a bad entry, a repeated name or a dimension that is not positive
     */
    public static List<TensorSpec> parseLayoutText(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("the tensor layout is empty");
        }
        List<TensorSpec> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String entry : text.split(";")) {
            int colon = entry.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("bad tensor layout entry '" + entry + "'");
            }
            int[] shape;
            try {
                shape = Arrays.stream(entry.substring(colon + 1).split("x")).mapToInt(Integer::parseInt).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad tensor layout entry '" + entry + "'");
            }
            if (shape.length == 0 || shape.length > 8 || Arrays.stream(shape).anyMatch(d -> d <= 0)) {
                throw new IllegalArgumentException("tensor layout entry '" + entry + "' has a dimension that is not positive");
            }
            if (!names.add(entry.substring(0, colon))) {
                throw new IllegalArgumentException("tensor '" + entry.substring(0, colon) + "' appears twice in the layout");
            }
            out.add(new TensorSpec(entry.substring(0, colon), shape));
        }
        return out;
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
