package io.cgfed.core.codec;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/** Turns payload bytes into a checked update: format, codec, manifest and finite values. */
public final class UpdateDecoder {
    private UpdateDecoder() {
    }

    /**
     * Parses and decodes; when {@code expected} is given the manifest must match it exactly.
     *
     * @throws PayloadFormatException for anything unacceptable; nothing is decoded half-way
     */
    public static DecodedUpdate decode(byte[] bytes, List<TensorSpec> expected) {
        UpdatePayload payload = UpdatePayload.parse(bytes);
        PayloadHeader h = payload.header();
        if (expected != null && !expected.equals(h.manifest())) {
            throw new PayloadFormatException("payload manifest does not match the experiment's adapter layout");
        }
        if (!Codecs.exists(h.codec())) {
            throw new PayloadFormatException("payload names unknown codec '" + h.codec() + "'");
        }
        NamedTensors update = Codecs.create(h.codec(), null).decode(payload.body(), h.manifest());
        requireFinite(update);
        return new DecodedUpdate(h, update, bytes.length);
    }

    public static void requireFinite(NamedTensors update) {
        update.forEach((name, t) -> {
            for (float v : t.data()) {
                if (!Float.isFinite(v)) {
                    throw new PayloadFormatException("tensor '" + name + "' holds a non-finite value (NaN or Inf)");
                }
            }
        });
    }

    /** A decoded update with its header and the size it had on the wire. */
    public record DecodedUpdate(PayloadHeader header, NamedTensors update, long wireBytes) {
        public long rawBytes() {
            long n = 0;
            for (FloatTensor t : update.asMap().values()) {
                n += 4L * t.size();
            }
            return n;
        }
    }
}
