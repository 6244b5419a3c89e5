package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import io.cgfed.core.tensor.SafeTensors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One client's compressed update on the wire (docs/wire-format.md). {@link #toBytes} writes format
 * version 2 ({@link PayloadV2}: a binary header of a few dozen bytes naming the tensor layout by digest);
 * {@link #parse} reads both versions. Version 1, which {@link #toBytesV1} still writes:
 * <pre>
 * magic "CGFU" | u16 version | u16 flags | u32 header length | header (UTF-8 JSON)
 *              | u64 body length | body (codec bytes) | u32 CRC32C of all bytes before it
 * </pre>
 * All integers little-endian. {@link #parse} checks every length and the checksum before it trusts
 * anything, so a truncated or corrupt upload is refused whole. Flag bit 0 ({@link #FLAG_DEFLATED_HEADER}):
 * the header is raw DEFLATE (RFC 1951) of the JSON; writers set it when the JSON is at least
 * {@link #DEFLATE_FROM} bytes and deflating makes it smaller (a tiny model's manifest of repetitive
 * tensor names otherwise outweighs a 1/64 body).
 */
public record UpdatePayload(PayloadHeader header, byte[] body) {
    public static final byte[] MAGIC = {'C', 'G', 'F', 'U'};
    /** The version {@link #toBytes} writes. */
    public static final int FORMAT_VERSION = PayloadV2.VERSION;
    public static final int FORMAT_VERSION_1 = 1;
    public static final int MAX_HEADER_BYTES = 4 * 1024 * 1024;
    /** Flag bit 0: the header is raw-DEFLATE-compressed UTF-8 JSON. */
    public static final int FLAG_DEFLATED_HEADER = 1;
    /** Headers of at least this many JSON bytes are deflated when that makes them smaller. */
    public static final int DEFLATE_FROM = 512;
    /** No client trains on more examples than this in one round; larger counts are refused. */
    public static final long MAX_SAMPLES = 1L << 40;
    private static final int PREFIX = 4 + 2 + 2 + 4;
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /**
     * Finds the tensor layout a version 2 payload names by digest: the experiment's adapter layout, or
     * null when the digest is not one the reader knows.
     */
    @FunctionalInterface
    public interface Layouts {
        List<TensorSpec> find(String experimentId, int codecVersion, long digest);

        /** Exactly one layout: the experiment's. */
        static Layouts of(List<TensorSpec> manifest) {
            long digest = TensorSpec.layoutDigest(manifest);
            return (experiment, version, d) -> d == digest ? manifest : null;
        }
    }

    /** The payload in wire format 2 (the current one). */
    public byte[] toBytes() {
        return PayloadV2.write(header, body);
    }

    /** The bytes a payload with this header spends beside a body of {@code bodyBytes} (format 2). */
    public static int overheadBytes(PayloadHeader header, int bodyBytes) {
        return PayloadV2.overhead(header, bodyBytes);
    }

    /** The payload in wire format 1 (JSON header with the whole manifest), which readers still accept. */
    public byte[] toBytesV1() {
        byte[] headerBytes = JSON.writeValueAsString(headerJson(header)).getBytes(StandardCharsets.UTF_8);
        int flags = 0;
        if (headerBytes.length >= DEFLATE_FROM) {
            byte[] deflated = deflate(headerBytes);
            if (deflated.length < headerBytes.length) {
                headerBytes = deflated;
                flags |= FLAG_DEFLATED_HEADER;
            }
        }
        int size = PREFIX + headerBytes.length + 8 + body.length + 4;
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putShort((short) FORMAT_VERSION_1).putShort((short) flags).putInt(headerBytes.length);
        buf.put(headerBytes).putLong(body.length).put(body);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, size - 4);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /** Parses a payload of either version; a version 2 payload is refused, as it cannot be read without a layout. */
    public static UpdatePayload parse(byte[] bytes) {
        return parse(bytes, (Layouts) null);
    }

    /** Parses a payload of either version whose layout, for version 2, must be {@code expected} (null: none known). */
    public static UpdatePayload parse(byte[] bytes, List<TensorSpec> expected) {
        return parse(bytes, expected == null ? null : Layouts.of(expected));
    }

    /**
     * Parses a payload of either version. Version 1 carries its manifest (the caller compares it with what
     * it expects); version 2 names it by digest, found through {@code layouts}.
     */
    public static UpdatePayload parse(byte[] bytes, Layouts layouts) {
        if (bytes.length >= 6 && Arrays.equals(bytes, 0, 4, MAGIC, 0, 4) && bytes[4] == PayloadV2.VERSION) {
            return PayloadV2.read(bytes, layouts);
        }
        return parseV1(bytes);
    }

    private static UpdatePayload parseV1(byte[] bytes) {
        if (bytes.length < PREFIX + 8 + 4) {
            throw new PayloadFormatException("payload of " + bytes.length + " bytes is shorter than the smallest valid one");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (byte m : MAGIC) {
            if (buf.get() != m) {
                throw new PayloadFormatException("payload does not start with the magic bytes CGFU");
            }
        }
        int version = Short.toUnsignedInt(buf.getShort());
        if (version != FORMAT_VERSION_1) {
            throw new PayloadFormatException("payload format version " + version + " is not supported (expected 1 or "
                    + PayloadV2.VERSION + ")");
        }
        int flags = Short.toUnsignedInt(buf.getShort());
        if ((flags & ~FLAG_DEFLATED_HEADER) != 0) {
            throw new PayloadFormatException("payload flags " + flags + " are not supported");
        }
        long headerLen = Integer.toUnsignedLong(buf.getInt());
        if (headerLen > MAX_HEADER_BYTES || headerLen > bytes.length - PREFIX - 12L) {
            throw new PayloadFormatException("payload header length " + headerLen + " does not fit the "
                    + bytes.length + "-byte payload");
        }
        int headerStart = buf.position();
        buf.position(headerStart + (int) headerLen);
        long bodyLen = buf.getLong();
        if (bodyLen < 0 || bodyLen != bytes.length - (long) buf.position() - 4) {
            throw new PayloadFormatException("payload body length " + bodyLen + " does not match the "
                    + (bytes.length - buf.position() - 4) + " bytes present");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int expected = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((int) crc.getValue() != expected) {
            throw new PayloadFormatException("payload checksum mismatch: the upload is corrupt or truncated");
        }
        byte[] headerBytes = java.util.Arrays.copyOfRange(bytes, headerStart, headerStart + (int) headerLen);
        if ((flags & FLAG_DEFLATED_HEADER) != 0) {
            headerBytes = inflate(headerBytes);
        }
        PayloadHeader header = parseHeader(new String(headerBytes, StandardCharsets.UTF_8));
        byte[] body = new byte[(int) bodyLen];
        buf.get(body);
        return new UpdatePayload(header, body);
    }

    private static byte[] deflate(byte[] raw) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION, true);
        try {
            d.setInput(raw);
            d.finish();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length / 2 + 16);
            byte[] chunk = new byte[4096];
            while (!d.finished()) {
                out.write(chunk, 0, d.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** Inflates a deflated header, refusing one that inflates past {@link #MAX_HEADER_BYTES} or is not DEFLATE. */
    private static byte[] inflate(byte[] deflated) {
        java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
        try {
            inf.setInput(deflated);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(deflated.length * 4 + 16);
            byte[] chunk = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(chunk);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new PayloadFormatException("payload header is not complete DEFLATE data");
                }
                out.write(chunk, 0, n);
                if (out.size() > MAX_HEADER_BYTES) {
                    throw new PayloadFormatException("payload header inflates past " + MAX_HEADER_BYTES + " bytes");
                }
            }
            if (inf.getRemaining() > 0) {
                throw new PayloadFormatException("payload header has " + inf.getRemaining() + " bytes after its DEFLATE data");
            }
            return out.toByteArray();
        } catch (java.util.zip.DataFormatException e) {
            throw new PayloadFormatException("payload header is not valid DEFLATE data: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    private static ObjectNode headerJson(PayloadHeader h) {
        ObjectNode n = JSON.createObjectNode();
        n.put("experiment", h.experimentId());
        n.put("round", h.round());
        n.put("client", h.clientIndex());
        n.put("codec", h.codec());
        n.put("codecVersion", h.codecVersion());
        n.put("samples", h.samples());
        var tensors = n.putArray("tensors");
        for (TensorSpec s : h.manifest()) {
            ObjectNode t = tensors.addObject();
            t.put("name", s.name());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (int d : s.shape()) {
                shape.add(d);
            }
        }
        ObjectNode metrics = n.putObject("metrics");
        h.metrics().forEach(metrics::put);
        return n;
    }

    private static PayloadHeader parseHeader(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new PayloadFormatException("payload header is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new PayloadFormatException("payload header is not a JSON object");
        }
        String experiment = requiredText(n, "experiment");
        int round = requiredInt(n, "round");
        int client = requiredInt(n, "client");
        String codec = requiredText(n, "codec");
        int codecVersion = requiredInt(n, "codecVersion");
        long samples = n.path("samples").canConvertToLong() ? n.path("samples").asLong() : -1;
        if (samples <= 0 || samples > MAX_SAMPLES) {
            throw new PayloadFormatException("payload header field 'samples' must be an integer in [1, " + MAX_SAMPLES + "]");
        }
        JsonNode tensors = n.path("tensors");
        if (!tensors.isArray() || tensors.isEmpty()) {
            throw new PayloadFormatException("payload header field 'tensors' must be a non-empty array");
        }
        List<TensorSpec> manifest = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (JsonNode t : tensors) {
            String name = requiredText(t, "name");
            if (name.equals(SafeTensors.METADATA_KEY)) {
                throw new PayloadFormatException("tensor name '" + name + "' is reserved");
            }
            if (!names.add(name)) {
                throw new PayloadFormatException("tensor '" + name + "' appears twice in the manifest");
            }
            if (!"F32".equals(t.path("dtype").asString("F32"))) {
                throw new PayloadFormatException("tensor '" + name + "': only dtype F32 is supported in manifests");
            }
            JsonNode shape = t.path("shape");
            if (!shape.isArray() || shape.isEmpty() || shape.size() > 8) {
                throw new PayloadFormatException("tensor '" + name + "': shape must be an array of 1 to 8 dimensions");
            }
            int[] dims = new int[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = shape.get(i);
                if (!d.canConvertToInt() || d.asInt() <= 0) {
                    throw new PayloadFormatException("tensor '" + name + "': dimension " + d + " is not a positive integer");
                }
                dims[i] = d.asInt();
            }
            manifest.add(new TensorSpec(name, dims));
        }
        long total;
        try {
            total = TensorSpec.totalNumel(manifest);
        } catch (ArithmeticException e) {
            total = Long.MAX_VALUE;
        }
        if (total > Integer.MAX_VALUE) {
            throw new PayloadFormatException("payload manifest holds " + (total == Long.MAX_VALUE ? "too many" : total)
                    + " values, more than one update can hold (" + Integer.MAX_VALUE + ")");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        n.path("metrics").properties().forEach(e -> {
            if (e.getValue().isNumber()) {
                metrics.put(e.getKey(), e.getValue().asDouble());
            }
        });
        return new PayloadHeader(experiment, round, client, codec, codecVersion, samples, manifest, metrics);
    }

    private static String requiredText(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isString() || v.asString().isBlank()) {
            throw new PayloadFormatException("payload header field '" + field + "' must be a non-empty string");
        }
        return v.asString();
    }

    private static int requiredInt(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.canConvertToInt() || v.asInt() < 0) {
            throw new PayloadFormatException("payload header field '" + field + "' must be a non-negative integer");
        }
        return v.asInt();
    }
}
