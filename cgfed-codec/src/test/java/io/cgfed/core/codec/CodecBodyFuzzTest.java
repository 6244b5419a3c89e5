package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import static org.assertj.core.api.Assertions.assertThat;

import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Decoders read bodies that a client wrote: a mutated body (with a valid checksum around it, so it
 * reaches the decoder) must decode to finite values of the manifest's shapes or be refused with a
 * PayloadFormatException, never anything else.
 */
class CodecBodyFuzzTest {
    private static final NamedTensors UPDATE = BaselineCodecsTest.update(300, 11);

    @Test
    void mutatedBodiesOfEveryCodecDecodeOrAreRefusedAsFormatErrors() {
        SplittableRandom random = new SplittableRandom(42);
        int refused = 0;
        int decoded = 0;
        // the learned codec with a version trained on updates like this one
        io.cgfed.core.codec.cgae.CgaeCodec cgae = new io.cgfed.core.codec.cgae.CgaeCodec(
                io.cgfed.core.codec.cgae.CgaeTraining.train(io.cgfed.core.codec.cgae.CgaeSettings.of(Map.of("tile", 8,
                        "compression", 16)), List.of(new io.cgfed.core.codec.cgae.CgaeTraining.Sample(0, 0, UPDATE),
                        new io.cgfed.core.codec.cgae.CgaeTraining.Sample(1, 0, BaselineCodecsTest.update(300, 12))),
                        io.cgfed.core.codec.cgae.TrainingProgress.NONE).model());
        UpdateDecoder.CodecResolver resolver = h -> Codecs.learned(h.codec()) ? cgae : UpdateDecoder.STATELESS.resolve(h);
        List<Map.Entry<String, Map<String, Object>>> codecs = new java.util.ArrayList<>();
        for (String name : Codecs.names()) {
            codecs.add(Map.entry(name, name.equals("topk") ? Map.of("fraction", 0.1) : Map.of()));
        }
        codecs.add(Map.entry("rotq", Map.of("quantiser", "entropy")));
        codecs.add(Map.entry("rotq", Map.of("bits", 2)));
        for (var entry : codecs) {
            String name = entry.getKey();
            Codec codec = Codecs.learned(name) ? cgae : Codecs.create(name, entry.getValue());
            byte[] body = codec.encode(UPDATE);
            for (int trial = 0; trial < 1000; trial++) {
                byte[] mutated = mutate(body, random);
                byte[] payload = new UpdatePayload(new PayloadHeader("e", 1, 0, name, 0, 5,
                        TensorSpec.manifestOf(UPDATE), Map.of()), mutated).toBytes();
                try {
                    UpdateDecoder.DecodedUpdate d = UpdateDecoder.decode(payload, TensorSpec.manifestOf(UPDATE), resolver);
                    assertThat(d.update().sameLayout(UPDATE)).isTrue();
                    for (float v : d.update().flatten()) {
                        assertThat(Float.isFinite(v)).isTrue();
                    }
                    decoded++;
                } catch (PayloadFormatException expected) {
                    refused++;
                }
            }
        }
        assertThat(refused).isPositive();
        assertThat(decoded).isPositive();
    }

    private static byte[] mutate(byte[] body, SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> { // flip bytes
                byte[] b = body.clone();
                for (int i = 0; i < 1 + r.nextInt(4); i++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                yield b;
            }
            case 1 -> Arrays.copyOf(body, r.nextInt(body.length)); // truncate
            case 2 -> { // grow with junk
                byte[] b = Arrays.copyOf(body, body.length + 1 + r.nextInt(16));
                for (int i = body.length; i < b.length; i++) {
                    b[i] = (byte) r.nextInt(256);
                }
                yield b;
            }
            default -> { // overwrite the leading parameters (block size, count, norm, levels)
                byte[] b = body.clone();
                for (int i = 0; i < Math.min(8, b.length); i++) {
                    b[i] = (byte) r.nextInt(256);
                }
                yield b;
            }
        };
    }

    @Test
    void theFuzzCoversEveryRegisteredCodec() {
        assertThat(Codecs.names()).containsAll(List.of("none", "fp16", "int8", "topk", "qsgd", "cgae"));
    }
}
