package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

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
        return decode(bytes, expected, STATELESS);
    }

    /** Finds the codec a payload needs: by name for stateless codecs, by name and version for learned ones. */
    @FunctionalInterface
    public interface CodecResolver {
        /** @throws PayloadFormatException when the payload names a codec or version that cannot decode here */
        Codec resolve(PayloadHeader header);
    }

    /** Stateless codecs only: a learned codec's payload is refused. */
    public static final CodecResolver STATELESS = h -> {
        if (Codecs.learned(h.codec())) {
            throw new PayloadFormatException("payload codec '" + h.codec() + "' needs its trained codec version "
                    + h.codecVersion() + ", which is not available here");
        }
        return Codecs.create(h.codec(), null).seeded(sharedSeed(h));
    };

    /** The seed a payload's codec shares between client and server, from the payload's identity. */
    public static long sharedSeed(PayloadHeader h) {
        return io.cgfed.core.codec.rotq.SharedSeeds.of(h.experimentId(), h.round(), h.clientIndex());
    }

    /** As {@link #decode(byte[], List)}, with learned codecs found through {@code resolver}. */
    public static DecodedUpdate decode(byte[] bytes, List<TensorSpec> expected, CodecResolver resolver) {
        return decode(bytes, expected, expected == null ? null : UpdatePayload.Layouts.of(expected), resolver);
    }

    /**
     * As {@link #decode(byte[], List, CodecResolver)}, where a version 2 payload's layout is found through
     * {@code layouts} (the codec-service finds it in the codec version the payload names).
     */
    public static DecodedUpdate decode(byte[] bytes, List<TensorSpec> expected, UpdatePayload.Layouts layouts,
                                       CodecResolver resolver) {
        UpdatePayload payload = UpdatePayload.parse(bytes, layouts);
        PayloadHeader h = payload.header();
        if (expected != null && !expected.equals(h.manifest())) {
            throw new PayloadFormatException("payload manifest does not match the experiment's adapter layout");
        }
        if (!Codecs.exists(h.codec())) {
            throw new PayloadFormatException("payload names unknown codec '" + h.codec() + "'");
        }
        NamedTensors update = resolver.resolve(h).decode(payload.body(), h.manifest());
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
