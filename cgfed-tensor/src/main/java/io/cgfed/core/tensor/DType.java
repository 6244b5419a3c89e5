package io.cgfed.core.tensor;

/** Element types this platform reads from and writes to safetensors. */
public enum DType {
    F32(4), F16(2), BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public static DType parse(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new TensorFormatException("unsupported dtype '" + name + "' (supported: F32, F16, BF16)");
    }
}
