package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Several update payloads in one body, as the coordinator sends a round to the codec-service:
 * {@code "CGFB" | u32 count | count x (u64 length | payload bytes)}, little-endian. A round's batch
 * starts with a {@link #layoutPart} naming the experiment's tensor layout, for the version 2 payloads.
 */
public final class PayloadBatch {
    private static final byte[] MAGIC = {'C', 'G', 'F', 'B'};
    private static final byte[] LAYOUT_MAGIC = {'C', 'G', 'F', 'L'};
    private static final byte[] GLOBAL_MAGIC = {'C', 'G', 'F', 'G'};
    private static final int WRITE_CHUNK = 64 * 1024;

    private PayloadBatch() {
    }

    public static byte[] write(List<byte[]> payloads) {
        long size = 8;
        for (byte[] p : payloads) {
            size += 8 + p.length;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("batch too large for one body: " + size + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(payloads.size());
        for (byte[] p : payloads) {
            buf.putLong(p.length).put(p);
        }
        return buf.array();
    }

    /**
     * A part that declares the tensor layout of the version 2 payloads after it ({@code "CGFL" | UTF-8
     * layout text}, {@link TensorSpec#layoutText}): a version 2 payload names its layout by digest only,
     * and a codec-service aggregating a round of a stateless codec knows no layout otherwise.
     */
    public static byte[] layoutPart(List<TensorSpec> manifest) {
        byte[] text = TensorSpec.layoutText(manifest).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] part = java.util.Arrays.copyOf(LAYOUT_MAGIC, 4 + text.length);
        System.arraycopy(text, 0, part, 4, text.length);
        return part;
    }

    /**
     * The layout a {@link #layoutPart} declares, or null when {@code part} is not one (a payload).
     *
     * @throws PayloadFormatException when it is a layout part that cannot be read
     */
    public static List<TensorSpec> layoutOf(byte[] part) {
        if (part.length < 4 || !java.util.Arrays.equals(part, 0, 4, LAYOUT_MAGIC, 0, 4)) {
            return null;
        }
        try {
            return TensorSpec.parseLayoutText(new String(part, 4, part.length - 4, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new PayloadFormatException("batch layout part: " + e.getMessage());
        }
    }

    /**
     * A part that carries the round's global adapter ({@code "CGFG" | safetensors}), for a rule that combines
     * against it (lora-svd); it follows the layout part, before the first payload.
     */
    public static byte[] globalPart(io.cgfed.core.tensor.NamedTensors global) {
        byte[] tensors = io.cgfed.core.tensor.SafeTensors.write(global);
        byte[] part = java.util.Arrays.copyOf(GLOBAL_MAGIC, 4 + tensors.length);
        System.arraycopy(tensors, 0, part, 4, tensors.length);
        return part;
    }

    /**
     * The global adapter a {@link #globalPart} carries, or null when {@code part} is not one.
     *
     * @throws PayloadFormatException when it is a global part that cannot be read
     */
    public static io.cgfed.core.tensor.NamedTensors globalOf(byte[] part) {
        if (part.length < 4 || !java.util.Arrays.equals(part, 0, 4, GLOBAL_MAGIC, 0, 4)) {
            return null;
        }
        try {
            return io.cgfed.core.tensor.SafeTensors.read(java.util.Arrays.copyOfRange(part, 4, part.length));
        } catch (RuntimeException e) {
            throw new PayloadFormatException("batch global adapter part: " + e.getMessage());
        }
    }

    /** A part held in memory. */
    public static Part part(byte[] bytes) {
        return new Part() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                for (int at = 0; at < bytes.length; at += WRITE_CHUNK) {
                    out.write(bytes, at, Math.min(WRITE_CHUNK, bytes.length - at));
                }
            }
        };
    }

    /** The size of {@link #write}'s result, without building it. */
    public static long size(List<byte[]> payloads) {
        long size = 8;
        for (byte[] p : payloads) {
            size += 8 + p.length;
        }
        return size;
    }

    /** One payload of a batch written from elsewhere (a file): its length, and its bytes on demand. */
    public interface Part {
        long length();

        /** Writes exactly {@link #length()} bytes, in writes of at most 64 KiB. */
        void writeTo(OutputStream out) throws IOException;
    }

    /** The size of the batch of these parts. */
    public static long sizeOfParts(List<? extends Part> parts) {
        long size = 8;
        for (Part p : parts) {
            size += 8 + p.length();
        }
        return size;
    }

    /**
     * A batch streamed from its parts: only the part being written is read (from a file, say), so a
     * round of hundreds of uploads goes out without being in memory.
     */
    public static void writeParts(List<? extends Part> parts, OutputStream out) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        out.write(head.put(MAGIC).putInt(parts.size()).array());
        for (Part p : parts) {
            out.write(head.clear().putLong(p.length()).array());
            p.writeTo(out);
        }
    }

    /**
     * The same bytes as {@link #write}, streamed: no copy of the batch is made, and no single write is
     * larger than 64 KiB (an HTTP client may copy each write into a buffer of its size; a round of 500
     * uploads is hundreds of MiB).
     */
    public static void writeTo(List<byte[]> payloads, OutputStream out) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        out.write(head.put(MAGIC).putInt(payloads.size()).array());
        for (byte[] p : payloads) {
            out.write(head.clear().putLong(p.length).array());
            for (int at = 0; at < p.length; at += WRITE_CHUNK) {
                out.write(p, at, Math.min(WRITE_CHUNK, p.length - at));
            }
        }
    }

    /** A batch in memory, checked as {@link #read(InputStream, int, Sink)} checks a stream. */
    public static List<byte[]> read(byte[] bytes, int maxPayloads) {
        List<byte[]> out = new ArrayList<>();
        try {
            read(new java.io.ByteArrayInputStream(bytes), maxPayloads, (i, p) -> out.add(p));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail to read
        }
        return out;
    }

    /** What {@link #read(InputStream, int, Sink)} hands each payload to, in order. */
    @FunctionalInterface
    public interface Sink {
        void accept(int index, byte[] payload);
    }

    /**
     * Reads a batch from a stream one payload at a time, checking it as {@link #read(byte[], int)} does:
     * only one payload is in memory at once (a lying length costs no more memory than the bytes that
     * really come). A payload that {@code sink} refuses, or a format error after it, fails the whole
     * read; the caller applies nothing before the end.
     *
     * @return the number of payloads
     */
    public static int read(InputStream in, int maxPayloads, Sink sink) throws IOException {
        byte[] head = in.readNBytes(8);
        if (head.length < 8) {
            throw new PayloadFormatException("batch of " + head.length + " bytes is too short");
        }
        ByteBuffer buf = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        for (byte m : MAGIC) {
            if (buf.get() != m) {
                throw new PayloadFormatException("batch does not start with the magic bytes CGFB");
            }
        }
        long count = Integer.toUnsignedLong(buf.getInt());
        if (count == 0 || count > maxPayloads) {
            throw new PayloadFormatException("batch holds " + count + " payloads; allowed 1.." + maxPayloads);
        }
        for (int i = 0; i < count; i++) {
            byte[] lenBytes = in.readNBytes(8);
            if (lenBytes.length < 8) {
                throw new PayloadFormatException("batch ends before payload " + i);
            }
            long len = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (len < 0 || len > Integer.MAX_VALUE - 16) {
                throw new PayloadFormatException("payload " + i + " declares " + len + " bytes");
            }
            // readNBytes grows its buffer with what arrives, not with what was declared
            byte[] p = in.readNBytes((int) len);
            if (p.length < len) {
                throw new PayloadFormatException("payload " + i + " length " + len + " exceeds the " + p.length
                        + " bytes left");
            }
            sink.accept(i, p);
        }
        long trailing = in.transferTo(OutputStream.nullOutputStream());
        if (trailing > 0) {
            throw new PayloadFormatException("batch has " + trailing + " trailing bytes");
        }
        return (int) count;
    }
}
