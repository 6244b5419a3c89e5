package io.cgfed.core.tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * mapping names to dtype, shape and byte offsets, then the raw little-endian data. F32, F16 and
 * BF16 are read and widened to float32 in Java; BF16 must never reach libtorch through DJL.
 */
public final class SafeTensors {
    /** Headers larger than this are refused before they are parsed. */
    public static final int MAX_HEADER_BYTES = 16 * 1024 * 1024;
    /** The header key that holds free-form string metadata; no tensor may have this name. */
    public static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private SafeTensors() {
    }

    public static byte[] write(NamedTensors tensors) {
        return write(tensors, DType.F32, Map.of());
    }

    /** F16 and BF16 values are rounded to nearest even from float32. */
    public static byte[] write(NamedTensors tensors, DType dtype, Map<String, String> metadata) {
        if (tensors.contains(METADATA_KEY)) {
            throw new IllegalArgumentException("a tensor may not be named " + METADATA_KEY);
        }
        java.util.List<TensorSpec> specs = new java.util.ArrayList<>();
        long offset = 0;
        for (var e : tensors.asMap().entrySet()) {
            specs.add(new TensorSpec(e.getKey(), e.getValue().shape()));
            offset += (long) e.getValue().size() * dtype.bytes();
        }
        byte[] headerBytes = SafeTensorsStreamWriter.header(specs, dtype, metadata);
        int headerLen = headerBytes.length;
        long total = 8L + headerLen + offset;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensors too large for one in-memory safetensors buffer");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(headerLen);
        buf.put(headerBytes);
        for (FloatTensor t : tensors.asMap().values()) {
            float[] d = t.data();
            if (dtype == DType.F32) {
                buf.asFloatBuffer().put(d);
                buf.position(buf.position() + d.length * 4);
            } else if (dtype == DType.F16) {
                for (float v : d) {
                    buf.putShort(Half.fromFloat(v));
                }
            } else {
                for (float v : d) {
                    buf.putShort(Half.floatToBf16(v));
                }
            }
        }
        return buf.array();
    }

    public static void write(NamedTensors tensors, OutputStream out) throws IOException {
        out.write(write(tensors));
    }

    public static NamedTensors read(Path file) throws IOException {
        return read(Files.readAllBytes(file));
    }

    public static NamedTensors read(byte[] bytes) {
        return parse(bytes).tensors();
    }

    public static Parsed parse(byte[] bytes) {
        if (bytes.length < 8) {
            throw new TensorFormatException("safetensors: " + bytes.length + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong();
        SafeTensorsHeader.checkHeaderLength(headerLen, bytes.length, "safetensors");
        long dataStart = 8 + headerLen;
        SafeTensorsHeader header = SafeTensorsHeader.parse(bytes, 8, (int) headerLen, bytes.length - dataStart,
                "safetensors");
        NamedTensors out = new NamedTensors();
        for (SafeTensorsHeader.Entry e : header.entries().values()) {
            out.put(e.name(), new FloatTensor(e.shape(),
                    decode(buf, (int) (dataStart + e.begin()), (int) e.numel(), e.dtype())));
        }
        return new Parsed(out, header.metadata());
    }

    static float[] decode(ByteBuffer buf, int start, int n, DType dtype) {
        float[] values = new float[n];
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(start);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(values);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = Half.toFloat(b.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = Half.bf16ToFloat(b.getShort());
                }
            }
        }
        return values;
    }

    /** Tensors with the file's free-form string metadata. */
    public record Parsed(NamedTensors tensors, Map<String, String> metadata) {
    }
}
