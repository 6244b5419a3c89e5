package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.tensor.NamedTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Wire format version 2: a binary header naming the layout by digest, so that the request is the budget. */
class UpdatePayloadV2Test {
    private static final String EXPERIMENT = "4f9c2a6e-0d1b-4c3e-9a57-2b8e6f1d0c93";

    /** The bench model's adapter: tiny-llama, LoRA r8 on q, k, v, o: 16 tensors, 7,168 values. */
    static NamedTensors benchUpdate() {
        NamedTensors zeros = LoraAdapter.layout(ModelCatalog.config("tiny-llama"),
                new LoraConfig(8, 16, List.of("q", "k", "v", "o").stream().map(LoraTarget::parse).toList()));
        SplittableRandom r = new SplittableRandom(3);
        NamedTensors u = new NamedTensors();
        zeros.forEach((name, t) -> {
            float[] d = new float[t.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (0.01 * (r.nextDouble() - 0.5));
            }
            u.put(name, new io.cgfed.core.tensor.FloatTensor(t.shape(), d));
        });
        return u;
    }

    /** The metrics a worker sends with every update. */
    static Map<String, Double> workerMetrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String k : List.of("trainLoss", "firstLoss", "lastLoss", "cosine", "relativeL2Error", "snrDb", "deltaWCosine",
                "deltaWSnrDb", "updateNorm", "trainMs", "encodeMs")) {
            m.put(k, 0.25 + k.length());
        }
        return m;
    }

    private static PayloadHeader header(String experiment, NamedTensors update, Map<String, Double> metrics) {
        return new PayloadHeader(experiment, 12, 3, "rotq", 0, 400, TensorSpec.manifestOf(update), metrics);
    }

    @Test
    void roundTripKeepsEveryFieldWithTheLayoutGivenByTheReader() {
        NamedTensors u = benchUpdate();
        Map<String, Double> metrics = workerMetrics();
        metrics.put("someNewMetric", -3.5);
        for (String experiment : List.of(EXPERIMENT, "exp-1")) {
            PayloadHeader h = header(experiment, u, metrics);
            byte[] body = {1, 2, 3, 4, 5};
            byte[] bytes = new UpdatePayload(h, body).toBytes();
            assertThat(bytes[4]).isEqualTo((byte) 2);
            UpdatePayload back = UpdatePayload.parse(bytes, TensorSpec.manifestOf(u));
            assertThat(back.header().experimentId()).isEqualTo(experiment);
            assertThat(back.header().round()).isEqualTo(12);
            assertThat(back.header().clientIndex()).isEqualTo(3);
            assertThat(back.header().codec()).isEqualTo("rotq");
            assertThat(back.header().samples()).isEqualTo(400);
            assertThat(back.header().manifest()).isEqualTo(TensorSpec.manifestOf(u));
            assertThat(back.header().metrics()).containsOnlyKeys(metrics.keySet());
            metrics.forEach((k, v) -> assertThat(back.header().metrics().get(k)).isEqualTo((double) v.floatValue()));
            assertThat(back.body()).containsExactly(body);
        }
    }

    @Test
    void theWorkedExampleOfTheDocsIsWhatTheWriterWrites() {
        NamedTensors w = new NamedTensors().put("w", new io.cgfed.core.tensor.FloatTensor(new int[] {2}, new float[] {1f, -0.5f}));
        byte[] bytes = new UpdatePayload(new PayloadHeader("e1", 1, 0, "fp16", 0, 4, TensorSpec.manifestOf(w), Map.of()),
                new Fp16Codec().encode(w)).toBytes();
        assertThat(java.util.HexFormat.of().formatHex(bytes)).isEqualTo(
                "4347465502000265310100046670313600" + "04bea9d42235483812" + "0004003c00b8" + "e1227cb3");
    }

    @Test
    void aRotqPayloadAtOneSixtyFourthIsWithinTheBudgetOnTheWireHeaderIncluded() {
        NamedTensors u = benchUpdate();
        long fp32 = 4 * u.numel();
        assertThat(fp32).isEqualTo(28_672);
        PayloadHeader h = header(EXPERIMENT, u, workerMetrics());
        Codec rotq = Codecs.create("rotq", Map.of("compression", 64)).seeded(UpdateDecoder.sharedSeed(h));
        byte[] first = rotq.encode(u);
        Codec fitted = rotq.withHeaderBytes(UpdatePayload.overheadBytes(h, first.length));
        byte[] bytes = new UpdatePayload(h, fitted.encode(u)).toBytes();
        assertThat(bytes.length).isLessThanOrEqualTo(448);
        // the header with the worker's eleven metrics is a small part of the request
        assertThat(UpdatePayload.overheadBytes(h, 448)).isLessThan(110);
        // version 1 spent more on its (deflated) JSON header than on the body
        assertThat(new UpdatePayload(h, first).toBytesV1().length).isGreaterThan(700);
        NamedTensors back = UpdateDecoder.decode(bytes, TensorSpec.manifestOf(u)).update();
        assertThat(ReconstructionQuality.of(u, back).cosine()).isGreaterThan(0.45);
    }

    @Test
    void whereTheHeaderWouldTakeMostOfTheBudgetTheBodyKeepsHalfOfIt() {
        NamedTensors u = benchUpdate();
        PayloadHeader h = header(EXPERIMENT, u, workerMetrics());
        Codec rotq = Codecs.create("rotq", Map.of("compression", 256)).seeded(UpdateDecoder.sharedSeed(h));
        int overhead = UpdatePayload.overheadBytes(h, 112);
        assertThat(overhead).isGreaterThan(56);
        byte[] body = rotq.withHeaderBytes(overhead).encode(u);
        // 1/256 is 112 bytes; the header takes most of it, so the body keeps half and says so in the request's size
        assertThat(body.length).isEqualTo(56);
        NamedTensors back = UpdateDecoder.decode(new UpdatePayload(h, body).toBytes(), TensorSpec.manifestOf(u)).update();
        assertThat(ReconstructionQuality.of(u, back).cosine()).isGreaterThan(0.1);
    }

    @Test
    void aLayoutTheReaderDoesNotKnowIsRefused() {
        NamedTensors u = benchUpdate();
        byte[] bytes = new UpdatePayload(header(EXPERIMENT, u, Map.of()), new byte[3]).toBytes();
        assertThatThrownBy(() -> UpdatePayload.parse(bytes)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("given no layout");
        List<TensorSpec> other = List.of(new TensorSpec("w", new int[] {7168}));
        assertThatThrownBy(() -> UpdatePayload.parse(bytes, other)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("not the layout of experiment " + EXPERIMENT);
        assertThatThrownBy(() -> UpdateDecoder.decode(bytes, other)).isInstanceOf(PayloadFormatException.class);
    }

    @Test
    void everyBitFlipTruncationAndTrailingByteIsRefused() {
        NamedTensors u = benchUpdate();
        List<TensorSpec> layout = TensorSpec.manifestOf(u);
        byte[] good = new UpdatePayload(header(EXPERIMENT, u, workerMetrics()), new byte[] {9, 8, 7}).toBytes();
        for (int bit = 0; bit < 8 * good.length; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> UpdatePayload.parse(bad, layout)).isInstanceOf(PayloadFormatException.class);
        }
        for (int len = 0; len < good.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(good, len);
            assertThatThrownBy(() -> UpdatePayload.parse(cut, layout)).isInstanceOf(PayloadFormatException.class);
        }
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> UpdatePayload.parse(longer, layout)).isInstanceOf(PayloadFormatException.class);
    }

    @Test
    void fieldsThatMakeNoSenseAreRefusedBehindAValidChecksum() {
        NamedTensors u = benchUpdate();
        List<TensorSpec> layout = TensorSpec.manifestOf(u);
        byte[] good = new UpdatePayload(header(EXPERIMENT, u, Map.of("cosine", 0.5)), new byte[] {1}).toBytes();
        // layout: magic 4 | version | flags | uuid 16 | round | client | codec (1 + 4) | version | samples (2) |
        // digest 8 | count | id | f32 | body length | body | crc
        int flags = 5;
        int samples = 6 + 16 + 1 + 1 + 5 + 1;
        int metricValue = samples + 2 + 8 + 1 + 1;
        refused(withCrc(good, flags, (byte) 4), layout, "flags");
        byte[] zeroSamples = good.clone();
        zeroSamples[samples] = 0;
        zeroSamples[samples + 1] = 0;
        refused(withCrc(zeroSamples, -1, (byte) 0), layout, "samples");
        byte[] nan = good.clone();
        nan[metricValue] = 0;
        nan[metricValue + 1] = 0;
        nan[metricValue + 2] = (byte) 0xc0;
        nan[metricValue + 3] = (byte) 0x7f;
        refused(withCrc(nan, -1, (byte) 0), layout, "finite");
        byte[] unknownMetric = good.clone();
        unknownMetric[metricValue - 1] = (byte) 200;
        refused(withCrc(unknownMetric, -1, (byte) 0), layout, "metric id");
        byte[] bodyLength = good.clone();
        bodyLength[metricValue + 4] = 2;
        refused(withCrc(bodyLength, -1, (byte) 0), layout, "body length");
        byte[] versionThree = good.clone();
        versionThree[4] = 3;
        refused(withCrc(versionThree, -1, (byte) 0), layout, "version");
    }

    private static byte[] withCrc(byte[] bytes, int at, byte value) {
        byte[] b = bytes.clone();
        if (at >= 0) {
            b[at] = value;
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        int c = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            b[b.length - 4 + i] = (byte) (c >>> (8 * i));
        }
        return b;
    }

    private static void refused(byte[] bytes, List<TensorSpec> layout, String reason) {
        assertThatThrownBy(() -> UpdatePayload.parse(bytes, layout)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void randomEditsBehindAValidChecksumGiveAFormatErrorOrAValidPayload() {
        NamedTensors u = benchUpdate();
        List<TensorSpec> layout = TensorSpec.manifestOf(u);
        byte[] good = new UpdatePayload(header(EXPERIMENT, u, workerMetrics()), new byte[] {1, 2}).toBytes();
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 3000; t++) {
            byte[] bad = good.clone();
            bad[4 + r.nextInt(bad.length - 8)] = (byte) r.nextInt(256);
            try {
                UpdatePayload p = UpdatePayload.parse(withCrc(bad, -1, (byte) 0), layout);
                assertThat(p.header().samples()).isBetween(1L, UpdatePayload.MAX_SAMPLES);
            } catch (PayloadFormatException expected) {
                // refused as a format error: fine
            }
        }
    }

    @Test
    void aBatchLayoutPartRoundTripsAndABadOneIsRefused() {
        List<TensorSpec> layout = TensorSpec.manifestOf(benchUpdate());
        assertThat(PayloadBatch.layoutOf(PayloadBatch.layoutPart(layout))).isEqualTo(layout);
        assertThat(PayloadBatch.layoutOf(new UpdatePayload(header(EXPERIMENT, benchUpdate(), Map.of()), new byte[1])
                .toBytes())).isNull();
        byte[] bad = "CGFLw:3x0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PayloadBatch.layoutOf(bad)).isInstanceOf(PayloadFormatException.class)
                .hasMessageContaining("not positive");
    }
}
