package io.cgfed.core.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a safetensors file whose tensors are produced chunk by chunk: the header first (every
 * size is known up front), then each tensor's values as a {@link Values} source hands them over.
 * Memory is one chunk, whatever the file's size. F16 and BF16 are rounded to nearest even.
 */
public final class SafeTensorsStreamWriter {
    /** Values converted and written at a time. */
    static final int CHUNK_VALUES = 1 << 20;
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private SafeTensorsStreamWriter() {
    }

    /** Fills {@code into[0, count)} with values {@code [from, from + count)} of a tensor (row-major). */
    @FunctionalInterface
    public interface Values {
        void fill(TensorSpec tensor, long from, float[] into, int count);
    }

    /** The bytes of the file: the header and the data of every tensor in this dtype. */
    public static long fileBytes(List<TensorSpec> tensors, DType dtype, Map<String, String> metadata) {
        long data = 0;
        for (TensorSpec s : tensors) {
            data += s.numel() * dtype.bytes();
        }
        return 8 + header(tensors, dtype, metadata).length + data;
    }

    /** Writes the file, tensors in the given order. */
    public static void write(Path file, List<TensorSpec> tensors, DType dtype, Map<String, String> metadata, Values values)
            throws IOException {
        byte[] header = header(tensors, dtype, metadata);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(out, len);
            writeFully(out, ByteBuffer.wrap(header));
            float[] chunk = new float[CHUNK_VALUES];
            ByteBuffer bytes = ByteBuffer.allocateDirect(CHUNK_VALUES * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorSpec s : tensors) {
                long n = s.numel();
                for (long from = 0; from < n; from += CHUNK_VALUES) {
                    int count = (int) Math.min(CHUNK_VALUES, n - from);
                    values.fill(s, from, chunk, count);
                    bytes.clear();
                    for (int i = 0; i < count; i++) {
                        switch (dtype) {
                            case F32 -> bytes.putFloat(chunk[i]);
                            case F16 -> bytes.putShort(Half.fromFloat(chunk[i]));
                            case BF16 -> bytes.putShort(Half.floatToBf16(chunk[i]));
                        }
                    }
                    writeFully(out, bytes.flip());
                }
            }
        }
    }

    /** The JSON header with its padding to 8 bytes, as {@link SafeTensors#write} lays it out. */
    static byte[] header(List<TensorSpec> tensors, DType dtype, Map<String, String> metadata) {
        for (TensorSpec t : tensors) {
            for (int d : t.shape()) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "' has a dimension " + d);
                }
            }
        }
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(SafeTensors.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (TensorSpec s : tensors) {
            if (s.name().equals(SafeTensors.METADATA_KEY) || header.has(s.name())) {
                throw new IllegalArgumentException("tensor name '" + s.name() + "' is reserved or repeated");
            }
            ObjectNode node = header.putObject(s.name());
            node.put("dtype", dtype.name());
            var shape = node.putArray("shape");
            for (int d : s.shape()) {
                shape.add(d);
            }
            long bytes = s.numel() * dtype.bytes();
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // data aligned to 8 bytes, the header padded with spaces
        byte[] out = Arrays.copyOf(json, json.length + pad);
        Arrays.fill(out, json.length, out.length, (byte) ' ');
        return out;
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
