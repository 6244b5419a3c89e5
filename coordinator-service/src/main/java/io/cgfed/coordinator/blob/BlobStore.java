package io.cgfed.coordinator.blob;

import io.cgfed.coordinator.CoordinatorProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.springframework.stereotype.Component;

/**
 * Adapters and uploads on disk. A blob is written to a temporary file, forced to disk and renamed
 * into place, so a crash leaves either the whole blob or none; database rows point at blobs only
 * after they are durable.
 *
 * <p>Reads and writes go through the channel in slices of at most {@link #IO_CHUNK} bytes: NIO copies
 * a heap buffer through a temporary direct buffer as large as the request and keeps it cached per
 * thread, so whole-blob I/O from hundreds of request threads (500 workers uploading at once) pinned a
 * blob-sized direct buffer in each and ran out of direct memory (-XX:MaxDirectMemorySize = the heap).
 */
@Component
public class BlobStore {
    static final int IO_CHUNK = 64 * 1024;
    private final Path root;

    public BlobStore(CoordinatorProperties properties) {
        this.root = properties.blobDir().toAbsolutePath();
    }

    public void put(String key, byte[] bytes) {
        Path target = resolve(key);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".part");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                for (int at = 0; at < bytes.length; ) {
                    at += ch.write(ByteBuffer.wrap(bytes, at, Math.min(IO_CHUNK, bytes.length - at)));
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write blob " + key, e);
        }
    }

    public void delete(String key) {
        try {
            Files.deleteIfExists(resolve(key));
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete blob " + key, e);
        }
    }

    public byte[] get(String key) {
        try (FileChannel ch = FileChannel.open(resolve(key), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException("blob of " + size + " bytes is too large to read at once");
            }
            byte[] out = new byte[(int) size];
            for (int at = 0; at < out.length; ) {
                int n = ch.read(ByteBuffer.wrap(out, at, Math.min(IO_CHUNK, out.length - at)));
                if (n < 0) {
                    throw new IOException("blob " + key + " ended after " + at + " of " + size + " bytes");
                }
                at += n;
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read blob " + key, e);
        }
    }

    /** The file a blob is stored in, for streaming it out (it must exist). */
    public Path file(String key) {
        Path file = resolve(key);
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new IOException("blob " + key + " is missing"));
        }
        return file;
    }

    /** A stored blob as a part of a payload batch, read from its file only while it is written out. */
    public io.cgfed.core.codec.PayloadBatch.Part part(String key) {
        Path file = resolve(key);
        long length;
        try {
            length = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read blob " + key, e);
        }
        return new io.cgfed.core.codec.PayloadBatch.Part() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void writeTo(java.io.OutputStream out) throws IOException {
                try (java.io.InputStream in = Files.newInputStream(file)) {
                    byte[] chunk = new byte[IO_CHUNK];
                    long left = length;
                    while (left > 0) {
                        int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
                        if (n < 0) {
                            throw new IOException("blob " + key + " ended " + left + " bytes early");
                        }
                        out.write(chunk, 0, n);
                        left -= n;
                    }
                }
            }
        };
    }

    public static String sha256(byte[] bytes) {
        return io.cgfed.core.util.Digests.sha256Hex(bytes);
    }

    private Path resolve(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("blob key escapes the store: " + key);
        }
        return p;
    }
}
