package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/**
 * Compresses a client's update for the wire and restores it on the server. One implementation per
 * codec, chosen by name from the experiment spec through {@link Codecs}. The manifest (names and
 * shapes) travels in the payload header, so bodies carry only values.
 */
public interface Codec {
    /** The name in experiment specs and payload headers, e.g. {@code fp16}. */
    String name();

    /** Encodes an update; the caller writes the manifest of {@code update} into the header. */
    byte[] encode(NamedTensors update);

    /**
     * Restores an update from a body and its manifest.
     *
     * @throws PayloadFormatException when the body does not fit the manifest
     */
    NamedTensors decode(byte[] body, List<TensorSpec> manifest);

    /**
     * This codec as it encodes or decodes one payload, for codecs that draw randomness both sides must
     * share (rotations, subsets): {@code sharedSeed} comes from the payload's identity
     * ({@link io.cgfed.core.codec.rotq.SharedSeeds#of}), so it is never sent. Codecs without shared
     * randomness return themselves.
     */
    default Codec seeded(long sharedSeed) {
        return this;
    }

    /**
     * This codec leaving {@code headerBytes} of its byte budget to the payload's header, for codecs whose
     * budget is a setting they fill (rotq): then "1/64" is 1/64 of the fp32 bytes for the whole request,
     * header included. Codecs of a fixed body size return themselves.
     */
    default Codec withHeaderBytes(int headerBytes) {
        return this;
    }

    /**
     * This codec encoding an update made from {@code globalAdapter} (the round's global adapter, which the
     * client holds), for codecs that weigh an error by what it does to the weights (rotq's
     * {@code weighting: deltaW}). Whatever such a codec derives from it travels in its body: the decoder
     * never needs the adapter. Codecs that do not use it return themselves.
     */
    default Codec withReference(NamedTensors globalAdapter) {
        return this;
    }
}
