package io.cgfed.core.tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
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

    public static byte[] write(NamedTensors tensors, DType dtype, Map<String, String> metadata) {
        if (dtype == DType.BF16) {
            throw new IllegalArgumentException("writing BF16 is not supported; use F32 or F16");
        }
        if (tensors.contains(METADATA_KEY)) {
            throw new IllegalArgumentException("a tensor may not be named " + METADATA_KEY);
        }
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (var e : tensors.asMap().entrySet()) {
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", dtype.name());
            var shape = node.putArray("shape");
            for (int d : e.getValue().shape()) {
                shape.add(d);
            }
            long len = (long) e.getValue().size() * dtype.bytes();
            var offsets = node.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + len);
            offset += len;
        }
        byte[] headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - headerBytes.length % 8) % 8; // align data to 8 bytes, padded with spaces
        int headerLen = headerBytes.length + pad;
        long total = 8L + headerLen + offset;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensors too large for one in-memory safetensors buffer");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(headerLen);
        buf.put(headerBytes);
        for (int i = 0; i < pad; i++) {
            buf.put((byte) ' ');
        }
        for (FloatTensor t : tensors.asMap().values()) {
            float[] d = t.data();
            if (dtype == DType.F32) {
                buf.asFloatBuffer().put(d);
                buf.position(buf.position() + d.length * 4);
            } else {
                for (float v : d) {
                    buf.putShort(Half.fromFloat(v));
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
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > bytes.length - 8) {
            throw new TensorFormatException("safetensors: header length " + headerLen + " is invalid for a "
                    + bytes.length + "-byte file");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new TensorFormatException("safetensors: header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new TensorFormatException("safetensors: header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = bytes.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals(METADATA_KEY)) {
                if (!e.getValue().isObject()) {
                    throw new TensorFormatException("safetensors: " + METADATA_KEY + " is not an object");
                }
                for (var m : e.getValue().properties()) {
                    if (!m.getValue().isString()) {
                        throw new TensorFormatException("safetensors: metadata '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asString());
                }
            } else {
                entries.add(e);
            }
        }
        // data_offsets decide the order of the data; keep the tensors in that order
        entries.sort((a, b) -> Long.compare(a.getValue().path("data_offsets").path(0).asLong(),
                b.getValue().path("data_offsets").path(0).asLong()));
        NamedTensors out = new NamedTensors();
        for (var e : entries) {
            String name = e.getKey();
            JsonNode node = e.getValue();
            DType dtype = DType.parse(node.path("dtype").asString(""));
            JsonNode shapeNode = node.path("shape");
            JsonNode offsets = node.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new TensorFormatException("safetensors: tensor '" + name + "' lacks shape or data_offsets");
            }
            int[] shape = new int[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToInt() || d.asInt() < 0) {
                    throw new TensorFormatException("safetensors: tensor '" + name + "' has a bad dimension " + d);
                }
                shape[i] = d.asInt();
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            long numel;
            long byteSize;
            try {
                numel = FloatTensor.numel(shape);
                byteSize = Math.multiplyExact(numel, (long) dtype.bytes());
            } catch (ArithmeticException ex) {
                throw new TensorFormatException("safetensors: tensor '" + name + "' shape overflows");
            }
            if (begin < 0 || end < begin || end > dataLen || end - begin != byteSize) {
                throw new TensorFormatException("safetensors: tensor '" + name + "' offsets [" + begin + ", " + end
                        + "] do not fit its shape or the " + dataLen + " data bytes");
            }
            out.put(name, new FloatTensor(shape, decode(buf, (int) (dataStart + begin), (int) numel, dtype)));
        }
        return new Parsed(out, metadata);
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
