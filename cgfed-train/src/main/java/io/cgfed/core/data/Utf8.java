package io.cgfed.core.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a dataset file as strict UTF-8; invalid bytes are a {@link DatasetFormatException} naming their line. */
final class Utf8 {
    private Utf8() {
    }

    static String read(Path file) throws IOException {
        return decode(Files.readAllBytes(file), file.toString());
    }

    static String decode(byte[] bytes, String file) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new DatasetFormatException(file, line, "not valid UTF-8 (byte offset " + in.position() + ")");
        }
        return out.flip().toString();
    }
}
