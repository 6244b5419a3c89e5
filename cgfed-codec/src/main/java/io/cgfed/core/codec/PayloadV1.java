package io.cgfed.core.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Wire format version 1 of {@link UpdatePayload}, which writers no longer send and readers still accept:
 * the framing around a {@link PayloadHeaderJson} header, raw-DEFLATE-compressed when that makes it
 * smaller ({@link UpdatePayload#FLAG_DEFLATED_HEADER}).
 * <pre>
 * magic "CGFU" | u16 version | u16 flags | u32 header length | header (UTF-8 JSON)
 *              | u64 body length | body (codec bytes) | u32 CRC32C of all bytes before it
 * </pre>
 */
final class PayloadV1 {
    static final int VERSION = UpdatePayload.FORMAT_VERSION_1;
    private static final int PREFIX = 4 + 2 + 2 + 4;

    private PayloadV1() {
    }

    static byte[] write(PayloadHeader header, byte[] body) {
        byte[] headerBytes = PayloadHeaderJson.write(header).getBytes(StandardCharsets.UTF_8);
        int flags = 0;
        if (headerBytes.length >= UpdatePayload.DEFLATE_FROM) {
            byte[] deflated = deflate(headerBytes);
            if (deflated.length < headerBytes.length) {
                headerBytes = deflated;
                flags |= UpdatePayload.FLAG_DEFLATED_HEADER;
            }
        }
        int size = PREFIX + headerBytes.length + 8 + body.length + 4;
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(UpdatePayload.MAGIC).putShort((short) VERSION).putShort((short) flags).putInt(headerBytes.length);
        buf.put(headerBytes).putLong(body.length).put(body);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, size - 4);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /** Checks every length and the checksum before it trusts anything, so a corrupt upload is refused whole. */
    static UpdatePayload read(byte[] bytes) {
        if (bytes.length < PREFIX + 8 + 4) {
            throw new PayloadFormatException("payload of " + bytes.length + " bytes is shorter than the smallest valid one");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (byte m : UpdatePayload.MAGIC) {
            if (buf.get() != m) {
                throw new PayloadFormatException("payload does not start with the magic bytes CGFU");
            }
        }
        int version = Short.toUnsignedInt(buf.getShort());
        if (version != VERSION) {
            throw new PayloadFormatException("payload format version " + version + " is not supported (expected 1 or "
                    + PayloadV2.VERSION + ")");
        }
        int flags = Short.toUnsignedInt(buf.getShort());
        if ((flags & ~UpdatePayload.FLAG_DEFLATED_HEADER) != 0) {
            throw new PayloadFormatException("payload flags " + flags + " are not supported");
        }
        long headerLen = Integer.toUnsignedLong(buf.getInt());
        if (headerLen > UpdatePayload.MAX_HEADER_BYTES || headerLen > bytes.length - PREFIX - 12L) {
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
        byte[] headerBytes = Arrays.copyOfRange(bytes, headerStart, headerStart + (int) headerLen);
        if ((flags & UpdatePayload.FLAG_DEFLATED_HEADER) != 0) {
            headerBytes = inflate(headerBytes);
        }
        PayloadHeader header = PayloadHeaderJson.read(new String(headerBytes, StandardCharsets.UTF_8));
        byte[] body = new byte[(int) bodyLen];
        buf.get(body);
        return new UpdatePayload(header, body);
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 16);
            byte[] chunk = new byte[4096];
            while (!d.finished()) {
                out.write(chunk, 0, d.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /**
     * Inflates a deflated header, refusing one that inflates past {@link UpdatePayload#MAX_HEADER_BYTES}
     * or is not DEFLATE.
     */
    private static byte[] inflate(byte[] deflated) {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(deflated);
            ByteArrayOutputStream out = new ByteArrayOutputStream(deflated.length * 4 + 16);
            byte[] chunk = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(chunk);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new PayloadFormatException("payload header is not complete DEFLATE data");
                }
                out.write(chunk, 0, n);
                if (out.size() > UpdatePayload.MAX_HEADER_BYTES) {
                    throw new PayloadFormatException("payload header inflates past " + UpdatePayload.MAX_HEADER_BYTES
                            + " bytes");
                }
            }
            if (inf.getRemaining() > 0) {
                throw new PayloadFormatException("payload header has " + inf.getRemaining() + " bytes after its DEFLATE data");
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new PayloadFormatException("payload header is not valid DEFLATE data: " + e.getMessage());
        } finally {
            inf.end();
        }
    }
}
