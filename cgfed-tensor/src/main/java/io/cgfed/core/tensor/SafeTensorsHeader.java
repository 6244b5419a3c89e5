package io.cgfed.core.tensor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The parsed JSON header of a safetensors file: each tensor's dtype, shape and byte range in the
 * data section, checked against the size of that section, plus the free-form metadata. Shared by
 * the in-memory reader ({@link SafeTensors}) and the streaming one ({@link SafeTensorsFile}).
 */
public final class SafeTensorsHeader {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    /** One tensor: its bytes are [begin, end) of the data section, which starts after the header. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public long numel() {
            return FloatTensor.numel(shape);
        }

        public int[] shape() {
            return shape.clone();
        }
    }

    private SafeTensorsHeader(Map<String, Entry> entries, Map<String, String> metadata) {
        this.entries = Collections.unmodifiableMap(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Tensors in the order of their data offsets. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Checks the 8-byte length prefix of a safetensors file of {@code fileSize} bytes; where names
     * the source in error messages (e.g. {@code safetensors} or {@code safetensors file /x.safetensors}).
     */
    static void checkHeaderLength(long headerLen, long fileSize, String where) {
        if (headerLen < 2 || headerLen > SafeTensors.MAX_HEADER_BYTES || headerLen > fileSize - 8) {
            throw new TensorFormatException(where + ": header length " + headerLen + " is invalid for a "
                    + fileSize + "-byte file");
        }
    }

    /** Parses header JSON whose data section holds {@code dataLen} bytes. */
    static SafeTensorsHeader parse(byte[] json, int offset, int length, long dataLen, String where) {
        JsonNode header;
        try {
            header = JSON.readTree(new String(json, offset, length, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new TensorFormatException(where + ": header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new TensorFormatException(where + ": header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> list = new ArrayList<>();
        for (var e : header.properties()) {
            if (e.getKey().equals(SafeTensors.METADATA_KEY)) {
                if (!e.getValue().isObject()) {
                    throw new TensorFormatException(where + ": " + SafeTensors.METADATA_KEY + " is not an object");
                }
                for (var m : e.getValue().properties()) {
                    if (!m.getValue().isString()) {
                        throw new TensorFormatException(where + ": metadata '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asString());
                }
            } else {
                list.add(entry(e.getKey(), e.getValue(), dataLen, where));
            }
        }
        // data_offsets decide the order of the data; keep the tensors in that order
        list.sort((a, b) -> Long.compare(a.begin(), b.begin()));
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Entry e : list) {
            entries.put(e.name(), e);
        }
        return new SafeTensorsHeader(entries, metadata);
    }

    private static Entry entry(String name, JsonNode node, long dataLen, String where) {
        DType dtype;
        try {
            dtype = DType.parse(node.path("dtype").asString(""));
        } catch (TensorFormatException e) {
            throw new TensorFormatException(where + ": tensor '" + name + "': " + e.getMessage());
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw new TensorFormatException(where + ": tensor '" + name + "' lacks shape or data_offsets");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToInt() || d.asInt() < 0) {
                throw new TensorFormatException(where + ": tensor '" + name + "' has a bad dimension " + d);
            }
            shape[i] = d.asInt();
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        long byteSize;
        try {
            byteSize = Math.multiplyExact(FloatTensor.numel(shape), (long) dtype.bytes());
        } catch (ArithmeticException ex) {
            throw new TensorFormatException(where + ": tensor '" + name + "' shape overflows");
        }
        if (begin < 0 || end < begin || end > dataLen || end - begin != byteSize) {
            throw new TensorFormatException(where + ": tensor '" + name + "' offsets [" + begin + ", " + end
                    + "] do not fit its shape or the " + dataLen + " data bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }
}
