package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import java.util.Arrays;
import java.util.List;

/**
 * One client's compressed update on the wire (docs/wire-format.md). {@link #toBytes} writes format
 * version 2 ({@link PayloadV2}: a binary header of a few dozen bytes naming the tensor layout by digest);
 * {@link #parse} reads both versions. Version 1 ({@link PayloadV1}), which {@link #toBytesV1} still writes:
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
        return PayloadV1.write(header, body);
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
        return PayloadV1.read(bytes);
    }
}
