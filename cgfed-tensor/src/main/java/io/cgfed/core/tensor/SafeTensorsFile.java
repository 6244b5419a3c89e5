package io.cgfed.core.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A safetensors file on disk, read piece by piece: opening it reads only the 8-byte length and
 * the JSON header; values are then read with positional reads of exactly the requested range of
 * one tensor, widened to float32 in Java (F16, BF16) into a buffer the caller sizes. Nothing here
 * ever holds the whole file in memory, so checkpoints larger than the heap load fine. Holds no
 * open file between calls.
 */
public final class SafeTensorsFile {
    /** Buffer for widening F16/BF16 and for {@link #read(String)}: bounded, whatever the tensor size. */
    private static final int COPY_CHUNK_BYTES = 1 << 20;
    /**
     * One conversion buffer per thread, reused: a direct buffer per read would be freed only by a garbage
     * collection, and a model's hundreds of tensors would pile up a hundred MiB of them in the meantime.
     */
    private static final ThreadLocal<ByteBuffer> RAW = ThreadLocal.withInitial(() ->
            ByteBuffer.allocateDirect(COPY_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN));

    private static ByteBuffer rawChunk() {
        return RAW.get().clear();
    }

    private final Path path;
    private final long dataStart;
    private final SafeTensorsHeader header;
    private final AtomicLong largestRead = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();

    private SafeTensorsFile(Path path, long dataStart, SafeTensorsHeader header) {
        this.path = path;
        this.dataStart = dataStart;
        this.header = header;
    }

    /** Reads and checks the header (against the file's size); the tensor data stays on disk. */
    public static SafeTensorsFile open(Path path) throws IOException {
        String where = "safetensors file " + path;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new TensorFormatException(where + ": " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFullyAt(channel, len, 0, where);
            long headerLen = len.getLong(0);
            SafeTensorsHeader.checkHeaderLength(headerLen, size, where);
            ByteBuffer json = ByteBuffer.allocate((int) headerLen);
            readFullyAt(channel, json, 8, where);
            long dataStart = 8 + headerLen;
            return new SafeTensorsFile(path, dataStart,
                    SafeTensorsHeader.parse(json.array(), 0, (int) headerLen, size - dataStart, where));
        }
    }

    public Path path() {
        return path;
    }

    public SafeTensorsHeader header() {
        return header;
    }

    public boolean contains(String name) {
        return header.entries().containsKey(name);
    }

    /** The header entry of a tensor; a missing one is an error that names this file. */
    public SafeTensorsHeader.Entry entry(String name) {
        SafeTensorsHeader.Entry e = header.entries().get(name);
        if (e == null) {
            throw new TensorFormatException("safetensors file " + path + " has no tensor '" + name + "'");
        }
        return e;
    }

    /**
     * Reads values {@code [from, from + dst.remaining() / 4)} of a tensor as float32 in dst's byte
     * order into dst, advancing its position. For F32 the file's bytes go straight into dst.
     */
    public void readFloats(String name, long from, ByteBuffer dst) throws IOException {
        SafeTensorsHeader.Entry e = entry(name);
        long count = requireRange(e, name, from, dst, 4, "float32");
        String where = "safetensors file " + path + ", tensor '" + name + "'";
        long offset = dataStart + e.begin() + from * e.dtype().bytes();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (e.dtype() == DType.F32) {
                ByteBuffer target = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
                readFully(channel, target, offset, where);
                if (dst.order() != ByteOrder.LITTLE_ENDIAN) {
                    ByteBuffer in = target.flip();
                    ByteBuffer out = dst.duplicate().order(dst.order());
                    while (in.hasRemaining()) {
                        out.putFloat(in.getFloat());
                    }
                }
                dst.position(dst.limit());
                return;
            }
            ByteBuffer raw = rawChunk();
            long done = 0;
            while (done < count) {
                int n = (int) Math.min(count - done, raw.capacity() / 2);
                raw.clear().limit(n * 2);
                readFully(channel, raw, offset + done * 2, where);
                raw.flip();
                for (int i = 0; i < n; i++) {
                    short bits = raw.getShort();
                    dst.putFloat(e.dtype() == DType.F16 ? Half.toFloat(bits) : Half.bf16ToFloat(bits));
                }
                done += n;
            }
        }
    }

    /** The largest finite float16 value: a value beyond it cannot be held in half precision. */
    public static final float F16_MAX = 65504f;

    /**
     * Reads values {@code [from, from + dst.remaining() / 2)} of a tensor as IEEE float16 bits in
     * dst's byte order, advancing its position: F16 straight from the file, BF16 and F32 rounded to
     * nearest even. Returns false, with dst's content undefined, if a finite value lies beyond the
     * float16 range (it would become infinite): the caller keeps that tensor in float32.
     */
    public boolean readHalves(String name, long from, ByteBuffer dst) throws IOException {
        SafeTensorsHeader.Entry e = entry(name);
        long count = requireRange(e, name, from, dst, 2, "float16");
        String where = "safetensors file " + path + ", tensor '" + name + "'";
        int width = e.dtype().bytes();
        long offset = dataStart + e.begin() + from * width;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (e.dtype() == DType.F16 && dst.order() == ByteOrder.LITTLE_ENDIAN) {
                readFully(channel, dst.slice(), offset, where);
                dst.position(dst.limit());
                return true;
            }
            ByteBuffer raw = rawChunk();
            long done = 0;
            while (done < count) {
                int n = (int) Math.min(count - done, raw.capacity() / width);
                raw.clear().limit(n * width);
                readFully(channel, raw, offset + done * width, where);
                raw.flip();
                for (int i = 0; i < n; i++) {
                    if (e.dtype() == DType.F16) {
                        dst.putShort(raw.getShort());
                        continue;
                    }
                    float v = e.dtype() == DType.F32 ? raw.getFloat() : Half.bf16ToFloat(raw.getShort());
                    if (Math.abs(v) > F16_MAX && Float.isFinite(v)) {
                        return false;
                    }
                    dst.putShort(Half.fromFloat(v));
                }
                done += n;
            }
            return true;
        }
    }

    /** The number of values dst holds (whole values of width bytes), all inside the tensor from {@code from}. */
    private long requireRange(SafeTensorsHeader.Entry e, String name, long from, ByteBuffer dst, int width, String kind) {
        if (dst.remaining() % width != 0) {
            throw new IllegalArgumentException("buffer holds " + dst.remaining() + " bytes, not whole " + kind + " values");
        }
        long count = dst.remaining() / width;
        if (from < 0 || from + count > e.numel()) {
            throw new IllegalArgumentException("values [" + from + ", " + (from + count) + ") lie outside tensor '"
                    + name + "' of " + e.numel() + " values in " + path);
        }
        return count;
    }

    /** One whole tensor, widened to float32: the memory of that tensor only. */
    public FloatTensor read(String name) throws IOException {
        SafeTensorsHeader.Entry e = entry(name);
        if (e.numel() > Integer.MAX_VALUE - 8) {
            throw new TensorFormatException("tensor '" + name + "' in " + path + " is too large for one Java array");
        }
        float[] values = new float[(int) e.numel()];
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(4L * values.length, COPY_CHUNK_BYTES))
                .order(ByteOrder.nativeOrder());
        int done = 0;
        while (done < values.length) {
            int n = Math.min(values.length - done, buf.capacity() / 4);
            buf.clear().limit(n * 4);
            readFloats(name, done, buf);
            buf.flip().asFloatBuffer().get(values, done, n);
            done += n;
        }
        return new FloatTensor(e.shape(), values);
    }

    /** The most bytes of tensor data read from disk in one read so far (a read never spans tensors). */
    public long largestReadBytes() {
        return largestRead.get();
    }

    /** All bytes of tensor data read from disk so far. */
    public long bytesRead() {
        return bytesRead.get();
    }

    private void readFully(FileChannel channel, ByteBuffer dst, long offset, String where) throws IOException {
        int want = dst.remaining();
        readFullyAt(channel, dst, offset, where);
        largestRead.accumulateAndGet(want, Math::max);
        bytesRead.addAndGet(want);
    }

    private static void readFullyAt(FileChannel channel, ByteBuffer dst, long offset, String where)
            throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new TensorFormatException(where + ": file ends at byte " + pos + ", before the data it declares");
            }
            pos += n;
        }
    }
}
