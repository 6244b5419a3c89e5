package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Wire format version 2 of {@link UpdatePayload} (docs/wire-format.md): a binary header a few dozen
 * bytes long, so that at 1/64 the bytes on the wire are the budget. The tensor layout is not repeated:
 * the coordinator told the worker the experiment's layout, and the payload names it by an 8-byte digest
 * ({@link TensorSpec#layoutDigest}); a reader resolves the digest through the layouts it knows.
 * <pre>
 * "CGFU" | u8 2 | u8 flags | experiment (16 bytes if flag bit 0, else u8 length + UTF-8)
 *   | varint round | varint client | u8 length + codec name (ASCII) | varint codec version | varint samples
 *   | u64 layout digest | varint metric count | count x (u8 metric id [0xFF: u8 length + UTF-8 name] | f32 value)
 *   | varint body length | body | u32 CRC32C of every byte before it
 * </pre>
 * Integers little-endian; varints unsigned LEB128 (7 bits a byte, low first, at most 10 bytes).
 */
final class PayloadV2 {
    static final int VERSION = 2;
    static final int FLAG_UUID = 1;
    static final int NAMED_METRIC = 0xFF;
    static final int MAX_METRICS = 64;
    /** Metric ids: the position in this list. Append only: an id, once given, keeps its name. */
    static final List<String> METRICS = List.of("trainLoss", "firstLoss", "lastLoss", "cosine", "relativeL2Error",
            "snrDb", "updateNorm", "trainMs", "encodeMs", "dpSigma", "dpClipped", "dpEpsilonSpent", "intendedCosine",
            "residualNorm", "noiseSigma", "cleanCosine", "cleanRelativeL2Error", "noisyInputCosine", "cleanNorm",
            "contributionBytes", "step", "deltaWCosine", "deltaWSnrDb");
    private static final Map<String, Integer> METRIC_IDS = new LinkedHashMap<>();

    static {
        for (int i = 0; i < METRICS.size(); i++) {
            METRIC_IDS.put(METRICS.get(i), i);
        }
    }

    private PayloadV2() {
    }

    static byte[] write(PayloadHeader h, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + body.length);
        out.writeBytes(UpdatePayload.MAGIC);
        out.write(VERSION);
        UUID uuid = uuidOrNull(h.experimentId());
        out.write(uuid != null ? FLAG_UUID : 0);
        if (uuid != null) {
            putLong(out, uuid.getMostSignificantBits(), true);
            putLong(out, uuid.getLeastSignificantBits(), true);
        } else {
            shortString(out, h.experimentId(), "experiment id");
        }
        varint(out, h.round());
        varint(out, h.clientIndex());
        shortString(out, h.codec(), "codec name");
        varint(out, h.codecVersion());
        varint(out, h.samples());
        putLong(out, TensorSpec.layoutDigest(h.manifest()), false);
        varint(out, h.metrics().size());
        for (var m : h.metrics().entrySet()) {
            Integer id = METRIC_IDS.get(m.getKey());
            if (id != null) {
                out.write(id);
            } else {
                out.write(NAMED_METRIC);
                shortString(out, m.getKey(), "metric name");
            }
            putInt(out, Float.floatToIntBits(m.getValue().floatValue()));
        }
        varint(out, body.length);
        out.writeBytes(body);
        byte[] bytes = out.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        byte[] all = java.util.Arrays.copyOf(bytes, bytes.length + 4);
        int c = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            all[bytes.length + i] = (byte) (c >>> (8 * i));
        }
        return all;
    }

    /** The bytes a version 2 payload with this header spends beside its body of {@code bodyBytes}. */
    static int overhead(PayloadHeader h, int bodyBytes) {
        return write(h, new byte[0]).length - 1 + varintSize(bodyBytes);
    }

    static UpdatePayload read(byte[] bytes, UpdatePayload.Layouts layouts) {
        if (bytes.length < 4 + 2 + 1 + 4) {
            throw new PayloadFormatException("payload of " + bytes.length + " bytes is shorter than the smallest valid one");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int expected = (bytes[bytes.length - 4] & 0xff) | (bytes[bytes.length - 3] & 0xff) << 8
                | (bytes[bytes.length - 2] & 0xff) << 16 | (bytes[bytes.length - 1] & 0xff) << 24;
        if ((int) crc.getValue() != expected) {
            throw new PayloadFormatException("payload checksum mismatch: the upload is corrupt or truncated");
        }
        Reader in = new Reader(bytes, 6, bytes.length - 4);
        int flags = bytes[5] & 0xff;
        if ((flags & ~FLAG_UUID) != 0) {
            throw new PayloadFormatException("payload flags " + flags + " are not supported in format version 2");
        }
        String experiment = (flags & FLAG_UUID) != 0 ? new UUID(in.fixedLong(true), in.fixedLong(true)).toString()
                : in.shortString("experiment id");
        int round = in.intVarint("round");
        int client = in.intVarint("client");
        String codec = in.shortString("codec name");
        int codecVersion = in.intVarint("codec version");
        long samples = in.varint("samples");
        if (samples < 1 || samples > UpdatePayload.MAX_SAMPLES) {
            throw new PayloadFormatException("payload header field 'samples' must be an integer in [1, "
                    + UpdatePayload.MAX_SAMPLES + "]");
        }
        long digest = in.fixedLong(false);
        long count = in.varint("metric count");
        if (count > MAX_METRICS) {
            throw new PayloadFormatException("payload holds " + count + " metrics, more than " + MAX_METRICS);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int id = in.u8();
            String name;
            if (id == NAMED_METRIC) {
                name = in.shortString("metric name");
            } else if (id < METRICS.size()) {
                name = METRICS.get(id);
            } else {
                throw new PayloadFormatException("payload metric id " + id + " is unknown");
            }
            float v = Float.intBitsToFloat(in.fixedInt());
            if (!Float.isFinite(v)) {
                throw new PayloadFormatException("payload metric '" + name + "' is " + v + " (must be finite)");
            }
            if (metrics.put(name, (double) v) != null) {
                throw new PayloadFormatException("payload metric '" + name + "' appears twice");
            }
        }
        long bodyLength = in.varint("body length");
        if (bodyLength != in.remaining()) {
            throw new PayloadFormatException("payload body length " + bodyLength + " does not match the "
                    + in.remaining() + " bytes present");
        }
        List<TensorSpec> manifest = layouts == null ? null : layouts.find(experiment, codecVersion, digest);
        if (manifest == null) {
            throw new PayloadFormatException("payload names tensor layout " + String.format("%016x", digest)
                    + ", which is not the layout of experiment " + experiment + (layouts == null
                    ? " (this reader was given no layout)" : ""));
        }
        byte[] body = java.util.Arrays.copyOfRange(bytes, in.position(), in.position() + (int) bodyLength);
        return new UpdatePayload(new PayloadHeader(experiment, round, client, codec, codecVersion, samples, manifest,
                metrics), body);
    }

    private static UUID uuidOrNull(String id) {
        if (id.length() != 36) {
            return null;
        }
        try {
            UUID u = UUID.fromString(id);
            return u.toString().equals(id) ? u : null; // only the canonical lower-case form round-trips
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void shortString(ByteArrayOutputStream out, String s, String what) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > 255) {
            throw new IllegalArgumentException(what + " must be 1 to 255 UTF-8 bytes, got " + b.length);
        }
        out.write(b.length);
        out.writeBytes(b);
    }

    static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    private static void putLong(ByteArrayOutputStream out, long v, boolean bigEndian) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (bigEndian ? 56 - 8 * i : 8 * i)));
        }
    }

    private static void putInt(ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
    }

    /** Reads the header fields, refusing any that runs past the header's end. */
    private static final class Reader {
        private final byte[] b;
        private int pos;
        private final int end;

        Reader(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        int position() {
            return pos;
        }

        long remaining() {
            return end - pos;
        }

        int u8() {
            if (pos >= end) {
                throw new PayloadFormatException("payload header runs past the end of the payload");
            }
            return b[pos++] & 0xff;
        }

        long fixedLong(boolean bigEndian) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                long x = u8();
                v |= bigEndian ? x << (56 - 8 * i) : x << (8 * i);
            }
            return v;
        }

        int fixedInt() {
            return u8() | u8() << 8 | u8() << 16 | u8() << 24;
        }

        long varint(String field) {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    if (v < 0) {
                        break;
                    }
                    return v;
                }
            }
            throw new PayloadFormatException("payload header field '" + field + "' is not a valid varint");
        }

        int intVarint(String field) {
            long v = varint(field);
            if (v > Integer.MAX_VALUE) {
                throw new PayloadFormatException("payload header field '" + field + "' is " + v + ", out of range");
            }
            return (int) v;
        }

        String shortString(String field) {
            int n = u8();
            if (n == 0 || n > end - pos) {
                throw new PayloadFormatException("payload header field '" + field + "' has length " + n
                        + ", which does not fit");
            }
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            if (s.isBlank()) {
                throw new PayloadFormatException("payload header field '" + field + "' must be a non-empty string");
            }
            return s;
        }
    }
}
