package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Format version 1, which writers no longer produce and readers still accept. */
class UpdatePayloadTest {

    private static NamedTensors smallUpdate() {
        return new NamedTensors()
                .put("a", new FloatTensor(new int[] {2, 2}, new float[] {0.5f, -1f, 2f, 0.25f}))
                .put("b", new FloatTensor(new int[] {3}, new float[] {1e-3f, -7f, 0f}));
    }

    private static PayloadHeader header(String codec, NamedTensors update) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", 1.25);
        metrics.put("cosine", 0.875);
        return new PayloadHeader("exp-1", 3, 2, codec, 1, 42, TensorSpec.manifestOf(update), metrics);
    }

    private static byte[] payload(String codec, NamedTensors update) {
        byte[] body = Codecs.create(codec, null).encode(update);
        return new UpdatePayload(header(codec, update), body).toBytesV1();
    }

    /** Recomputes the trailing CRC32C so that a deliberate edit is checked past the checksum. */
    private static byte[] withValidCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }

    /** Builds a payload around an arbitrary header text, with correct lengths and checksum. */
    private static byte[] rawPayload(String headerJson, byte[] body) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(12 + h.length + 8 + body.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(UpdatePayload.MAGIC).putShort((short) 1).putShort((short) 0).putInt(h.length).put(h)
                .putLong(body.length).put(body).putInt(0);
        return withValidCrc(buf.array());
    }

    @Test
    void roundTripKeepsHeaderManifestMetricsAndBody() {
        NamedTensors update = smallUpdate();
        PayloadHeader header = header("none", update);
        byte[] body = new NoneCodec().encode(update);

        UpdatePayload parsed = UpdatePayload.parse(new UpdatePayload(header, body).toBytesV1());

        PayloadHeader h = parsed.header();
        assertThat(h.experimentId()).isEqualTo("exp-1");
        assertThat(h.round()).isEqualTo(3);
        assertThat(h.clientIndex()).isEqualTo(2);
        assertThat(h.codec()).isEqualTo("none");
        assertThat(h.codecVersion()).isEqualTo(1);
        assertThat(h.samples()).isEqualTo(42);
        assertThat(h.manifest()).containsExactly(new TensorSpec("a", new int[] {2, 2}), new TensorSpec("b", new int[] {3}));
        assertThat(h.metrics()).containsOnly(Map.entry("loss", 1.25), Map.entry("cosine", 0.875));
        assertThat(h).isEqualTo(header);
        assertThat(parsed.body()).containsExactly(body);
    }

    @Test
    void wireLayoutStartsWithMagicVersionAndFlagsAndEndsWithChecksum() {
        byte[] bytes = payload("fp16", smallUpdate());
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(Arrays.copyOf(bytes, 4)).containsExactly('C', 'G', 'F', 'U');
        assertThat(buf.getShort(4)).isEqualTo((short) 1);
        assertThat(buf.getShort(6)).isEqualTo((short) 0);
        int headerLen = buf.getInt(8);
        long bodyLen = buf.getLong(12 + headerLen);
        assertThat(bodyLen).isEqualTo(2 * 7);
        assertThat(bytes.length).isEqualTo(12 + headerLen + 8 + 14 + 4);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        assertThat(buf.getInt(bytes.length - 4)).isEqualTo((int) crc.getValue());
    }

    @Test
    void everySingleBitFlipIsRejectedAsAFormatError() {
        byte[] good = payload("none", smallUpdate());
        for (int pos = 0; pos < good.length; pos++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[pos] ^= (byte) (1 << bit);
                expectFormatError(bad, "bit " + bit + " of byte " + pos);
            }
        }
    }

    @Test
    void everyWholeByteCorruptionIsRejectedAsAFormatError() {
        byte[] good = payload("fp16", smallUpdate());
        for (int pos = 0; pos < good.length; pos++) {
            for (int value : new int[] {0x00, 0xff, 0x7f, 0x80}) {
                if (good[pos] == (byte) value) {
                    continue;
                }
                byte[] bad = good.clone();
                bad[pos] = (byte) value;
                expectFormatError(bad, "byte " + pos + " set to " + value);
            }
        }
    }

    @Test
    void truncationAtEveryLengthIsRejectedAsAFormatError() {
        byte[] good = payload("none", smallUpdate());
        for (int len = 0; len < good.length; len++) {
            expectFormatError(Arrays.copyOf(good, len), "truncated to " + len + " bytes");
        }
    }

    @Test
    void trailingGarbageIsRejectedAsAFormatError() {
        byte[] good = payload("none", smallUpdate());
        expectFormatError(Arrays.copyOf(good, good.length + 1), "one extra byte");
        expectFormatError(Arrays.copyOf(good, good.length + 100), "100 extra bytes");
    }

    private static void expectFormatError(byte[] bad, String what) {
        try {
            UpdatePayload.parse(bad);
            fail("parse accepted a payload with " + what);
        } catch (PayloadFormatException expected) {
            assertThat(expected.getMessage()).as(what).isNotBlank();
        } catch (RuntimeException other) {
            fail("parse threw " + other + " instead of PayloadFormatException for " + what, other);
        }
    }

    @Test
    void wrongMagicIsNamedInTheMessage() {
        byte[] bytes = payload("none", smallUpdate());
        bytes[0] = 'X';
        assertThatThrownBy(() -> UpdatePayload.parse(withValidCrc(bytes)))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("magic")
                .hasMessageContaining("CGFU");
    }

    @Test
    void wrongVersionIsNamedInTheMessage() {
        byte[] bytes = payload("none", smallUpdate());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 3);
        assertThatThrownBy(() -> UpdatePayload.parse(withValidCrc(bytes)))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("version 3")
                .hasMessageContaining("not supported");
    }

    @Test
    void unknownFlagsAreRejected() {
        byte[] bytes = payload("none", smallUpdate());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) 2);
        assertThatThrownBy(() -> UpdatePayload.parse(withValidCrc(bytes)))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("flags 2");
    }

    @Test
    void aPlainHeaderMarkedDeflatedIsRejected() {
        byte[] bytes = payload("none", smallUpdate());
        assertThat(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getShort(6)).as("a small header stays plain")
                .isZero();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) UpdatePayload.FLAG_DEFLATED_HEADER);
        assertThatThrownBy(() -> UpdatePayload.parse(withValidCrc(bytes)))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("DEFLATE");
    }

    /** A tiny-llama-like manifest: 32 tensors with long, repetitive names. */
    private static NamedTensors manyTensors() {
        NamedTensors u = new NamedTensors();
        for (int layer = 0; layer < 4; layer++) {
            for (String proj : List.of("q", "k", "v", "o")) {
                for (String ab : List.of("A", "B")) {
                    u.put("base_model.model.model.layers." + layer + ".self_attn." + proj + "_proj.lora_" + ab + ".weight",
                            new FloatTensor(new int[] {2, 3}, new float[] {layer, 0.5f, -1f, 2f, 0.25f, 1e-3f}));
                }
            }
        }
        return u;
    }

    @Test
    void aLargeHeaderIsDeflatedAndReadBackTheSame() {
        NamedTensors update = manyTensors();
        PayloadHeader header = header("fp16", update);
        byte[] body = new Fp16Codec().encode(update);

        byte[] bytes = new UpdatePayload(header, body).toBytesV1();

        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort(6)).isEqualTo((short) UpdatePayload.FLAG_DEFLATED_HEADER);
        int compressed = b.getInt(8);
        int json = UpdatePayloadTest.jsonLength(header, body);
        assertThat(json).isGreaterThan(UpdatePayload.DEFLATE_FROM);
        assertThat(compressed).as("deflated %d of %d JSON bytes", compressed, json).isLessThan(json / 3);
        UpdatePayload parsed = UpdatePayload.parse(bytes);
        assertThat(parsed.header()).isEqualTo(header);
        assertThat(parsed.body()).isEqualTo(body);
        assertThat(new UpdatePayload(header, body).toBytesV1()).as("deterministic: a resend is the same bytes").isEqualTo(bytes);
    }

    /** The header JSON's length, from a copy of the payload written without deflating. */
    private static int jsonLength(PayloadHeader header, byte[] body) {
        byte[] bytes = new UpdatePayload(header, body).toBytesV1();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] deflated = Arrays.copyOfRange(bytes, 12, 12 + b.getInt(8));
        java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
        inf.setInput(deflated);
        byte[] out = new byte[1 << 20];
        try {
            return inf.inflate(out);
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError(e);
        } finally {
            inf.end();
        }
    }

    @Test
    void aHeaderThatInflatesPastTheLimitIsRejected() {
        // 5 MiB of spaces deflates to a few KiB: the reader stops at 4 MiB
        byte[] bomb = " ".repeat(5 << 20).getBytes(StandardCharsets.UTF_8);
        java.util.zip.Deflater d = new java.util.zip.Deflater(9, true);
        d.setInput(bomb);
        d.finish();
        byte[] buf = new byte[1 << 20];
        int n = d.deflate(buf);
        d.end();
        byte[] body = {0, 0, 0, 0};
        ByteBuffer p = ByteBuffer.allocate(12 + n + 8 + body.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        p.put(UpdatePayload.MAGIC).putShort((short) 1).putShort((short) UpdatePayload.FLAG_DEFLATED_HEADER).putInt(n)
                .put(buf, 0, n).putLong(body.length).put(body).putInt(0);
        assertThatThrownBy(() -> UpdatePayload.parse(withValidCrc(p.array())))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("inflates past");
    }

    @Test
    void checksumMismatchIsNamedInTheMessage() {
        byte[] bytes = payload("none", smallUpdate());
        bytes[bytes.length - 10] ^= 0x01; // inside the body: lengths still agree
        assertThatThrownBy(() -> UpdatePayload.parse(bytes))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void headerThatIsNotJsonIsRejectedEvenWithAValidChecksum() {
        assertThatThrownBy(() -> UpdatePayload.parse(rawPayload("this is not json", new byte[4])))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void headerMissingSamplesIsRejected() {
        String json = "{\"experiment\":\"e\",\"round\":0,\"client\":0,\"codec\":\"none\",\"codecVersion\":1,"
                + "\"tensors\":[{\"name\":\"x\",\"dtype\":\"F32\",\"shape\":[1]}]}";
        assertThatThrownBy(() -> UpdatePayload.parse(rawPayload(json, new byte[4])))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("'samples'");
    }

    @Test
    void manifestWithNonPositiveDimensionIsRejected() {
        String json = "{\"experiment\":\"e\",\"round\":0,\"client\":0,\"codec\":\"none\",\"codecVersion\":1,"
                + "\"samples\":5,\"tensors\":[{\"name\":\"x\",\"dtype\":\"F32\",\"shape\":[0]}]}";
        assertThatThrownBy(() -> UpdatePayload.parse(rawPayload(json, new byte[0])))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("'x'")
                .hasMessageContaining("not a positive integer");
    }

    @Test
    void randomHeaderEditsBehindAValidChecksumGiveAFormatErrorOrAValidPayload() {
        NamedTensors update = smallUpdate();
        byte[] good = payload("none", update);
        int headerLen = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        String json = new String(good, 12, headerLen, StandardCharsets.UTF_8);
        byte[] body = new NoneCodec().encode(update);
        String alphabet = "{}[]\":,.-+eE0123456789 abcnrtulsfF32x\\";
        java.util.SplittableRandom random = new java.util.SplittableRandom(2024);
        int accepted = 0;
        for (int n = 0; n < 5000; n++) {
            StringBuilder edited = new StringBuilder(json);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int pos = random.nextInt(edited.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> edited.setCharAt(pos, c);
                    case 1 -> edited.insert(pos, c);
                    default -> edited.deleteCharAt(pos);
                }
            }
            byte[] bytes = rawPayload(edited.toString(), body);
            try {
                UpdateDecoder.decode(bytes, null);
                accepted++;
            } catch (PayloadFormatException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (RuntimeException other) {
                fail("header " + edited + " gave " + other + " instead of PayloadFormatException", other);
            }
        }
        assertThat(accepted).isLessThan(5000);
    }

    // ---- UpdateDecoder

    @Test
    void decoderReturnsTheUpdateWithItsWireSize() {
        NamedTensors update = smallUpdate();
        byte[] bytes = payload("none", update);
        UpdateDecoder.DecodedUpdate decoded = UpdateDecoder.decode(bytes, TensorSpec.manifestOf(update));
        assertThat(decoded.update().flatten()).containsExactly(update.flatten());
        assertThat(decoded.wireBytes()).isEqualTo(bytes.length);
        assertThat(decoded.rawBytes()).isEqualTo(4 * 7);
        assertThat(decoded.header().samples()).isEqualTo(42);
    }

    @Test
    void decoderAcceptsAnyManifestWhenNoneIsExpected() {
        NamedTensors update = smallUpdate();
        assertThat(UpdateDecoder.decode(payload("fp16", update), null).update().names()).containsExactly("a", "b");
    }

    @Test
    void decoderRejectsAManifestDifferentFromTheExpectedOne() {
        NamedTensors update = smallUpdate();
        byte[] bytes = payload("none", update);
        List<TensorSpec> otherShape = List.of(new TensorSpec("a", new int[] {4}), new TensorSpec("b", new int[] {3}));
        List<TensorSpec> otherName = List.of(new TensorSpec("a", new int[] {2, 2}), new TensorSpec("c", new int[] {3}));
        List<TensorSpec> otherOrder = List.of(new TensorSpec("b", new int[] {3}), new TensorSpec("a", new int[] {2, 2}));
        for (List<TensorSpec> expected : List.of(otherShape, otherName, otherOrder)) {
            assertThatThrownBy(() -> UpdateDecoder.decode(bytes, expected))
                    .as("expected %s", expected)
                    .isInstanceOf(PayloadFormatException.class)
                    .hasMessageContaining("manifest does not match");
        }
    }

    @Test
    void decoderRejectsANanValueInTheBody() {
        NamedTensors update = smallUpdate();
        update.get("b").data()[1] = Float.NaN;
        byte[] bytes = payload("none", update);
        assertThatThrownBy(() -> UpdateDecoder.decode(bytes, TensorSpec.manifestOf(update)))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("'b'")
                .hasMessageContaining("non-finite");
    }

    @Test
    void decoderRejectsAnInfinityProducedByFp16Overflow() {
        NamedTensors update = smallUpdate();
        update.get("a").data()[0] = 1e5f; // beyond the fp16 range: encodes as +inf
        byte[] bytes = payload("fp16", update);
        assertThatThrownBy(() -> UpdateDecoder.decode(bytes, TensorSpec.manifestOf(update)))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("'a'")
                .hasMessageContaining("non-finite");
    }

    @Test
    void decoderRejectsAnUnknownCodec() {
        NamedTensors update = smallUpdate();
        byte[] bytes = new UpdatePayload(header("zstd", update), new NoneCodec().encode(update)).toBytesV1();
        assertThatThrownBy(() -> UpdateDecoder.decode(bytes, null))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("unknown codec 'zstd'");
    }

    @Test
    void decoderRejectsABodyThatDoesNotFitTheManifest() {
        NamedTensors update = smallUpdate();
        // header says fp16, body is float32: twice too long for the manifest
        byte[] bytes = new UpdatePayload(header("fp16", update), new NoneCodec().encode(update)).toBytesV1();
        assertThatThrownBy(() -> UpdateDecoder.decode(bytes, TensorSpec.manifestOf(update)))
                .isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("codec fp16");
    }

    @Test
    void decoderRejectsAManifestWhoseSizeOverflowsAsAFormatError() {
        // 2^30 * 2^30 * 4 values: 4 bytes each wraps to a 0-byte body
        String json = "{\"experiment\":\"e\",\"round\":0,\"client\":0,\"codec\":\"none\",\"codecVersion\":1,"
                + "\"samples\":5,\"tensors\":[{\"name\":\"x\",\"dtype\":\"F32\",\"shape\":[1073741824,1073741824,4]}]}";
        byte[] bytes = rawPayload(json, new byte[0]);
        assertThatThrownBy(() -> UpdateDecoder.decode(bytes, null))
                .isInstanceOf(PayloadFormatException.class);
    }

    @Test
    void decoderRejectsAManifestWhoseElementCountOverflowsALongAsAFormatError() {
        String json = "{\"experiment\":\"e\",\"round\":0,\"client\":0,\"codec\":\"fp16\",\"codecVersion\":1,"
                + "\"samples\":5,\"tensors\":[{\"name\":\"x\",\"dtype\":\"F32\","
                + "\"shape\":[2147483647,2147483647,2147483647]}]}";
        byte[] bytes = rawPayload(json, new byte[2]);
        assertThatThrownBy(() -> UpdateDecoder.decode(bytes, null))
                .isInstanceOf(PayloadFormatException.class);
    }
}
