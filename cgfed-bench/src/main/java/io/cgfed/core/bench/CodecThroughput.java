package io.cgfed.core.bench;

import io.cgfed.core.codec.Codec;
import io.cgfed.core.codec.Codecs;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Encode and decode speed of the non-learned codecs on one thread, on an update of LLaMA-7B's LoRA layout
 * (r 8 on q, k, v, o of 32 layers of width 4096: 128 pairs of 8 x 4096 and 4096 x 8, 8,388,608 values,
 * 32 MiB of fp32), beside {@code System.arraycopy} of the same floats in the same run. A small harness
 * of its own, not JMH: each measurement is warmed up, then timed over repeated calls for at least
 * {@code seconds}; the best of {@code repeats} such timings is reported (the least disturbed by the
 * machine's other work), in GB (10^9 bytes) of fp32 input per second.
 * Run: {@code ./cgfed bench-codec-speed [-Dseconds=1 -Drepeats=3 -Dlayers=32 -Dwidth=4096 -Drank=8]}.
 */
public final class CodecThroughput {
    private CodecThroughput() {
    }

    public static void main(String[] args) {
        int layers = Integer.getInteger("layers", 32);
        int width = Integer.getInteger("width", 4096);
        int rank = Integer.getInteger("rank", 8);
        double seconds = Double.parseDouble(System.getProperty("seconds", "1"));
        int repeats = Integer.getInteger("repeats", 3);
        NamedTensors update = layout(layers, width, rank, 11);
        long n = update.numel();
        System.out.printf(Locale.ROOT, "# Codec speed, one thread: %d values (%,d fp32 bytes), LoRA r%d on q,k,v,o of %d "
                        + "layers of width %d; JVM %s; best of %d timings of >= %.1f s%n%n", n, 4 * n, rank, layers, width,
                System.getProperty("java.version"), repeats, seconds, seconds);
        System.out.println("| codec | body bytes | of fp32 | encode GB/s | decode GB/s |");
        System.out.println("|---|---:|---:|---:|---:|");
        double copy = best(repeats, () -> CodecQuality.copyThroughput(update, seconds));
        System.out.printf(Locale.ROOT, "| System.arraycopy (the baseline) | | | %.2f | |%n", copy / 1000);
        for (var e : configurations(n).entrySet()) {
            Codec codec = Codecs.create(e.getValue().getKey(), e.getValue().getValue()).seeded(42);
            byte[] body = codec.encode(update);
            double enc = best(repeats, () -> CodecQuality.throughput(codec, update, seconds)[0]);
            double dec = best(repeats, () -> CodecQuality.throughput(codec, update, seconds)[1]);
            System.out.printf(Locale.ROOT, "| %s | %,d | %.4f | %.2f | %.2f |%n", e.getKey(), body.length,
                    body.length / (4.0 * n), enc / 1000, dec / 1000);
        }
    }

    /** The codecs measured, by label: every non-learned codec at the settings the benches use. */
    static Map<String, Map.Entry<String, Map<String, Object>>> configurations(long n) {
        Map<String, Map.Entry<String, Map<String, Object>>> c = new LinkedHashMap<>();
        c.put("none", Map.entry("none", Map.of()));
        c.put("fp16", Map.entry("fp16", Map.of()));
        c.put("int8 (block 64)", Map.entry("int8", Map.of()));
        c.put("qsgd (16 levels)", Map.entry("qsgd", Map.of("seed", 1)));
        c.put("topk 1/64", Map.entry("topk", Map.of("fraction", ByteBudget.topkFraction(n, 64))));
        c.put("rotq 4 bits", Map.entry("rotq", Map.of("bits", 4)));
        c.put("rotq 1/64 (lloyd)", Map.entry("rotq", Map.of("compression", 64)));
        c.put("rotq 1/64 entropy (factors 1)", Map.entry("rotq", Map.of("compression", 64, "quantiser", "entropy")));
        c.put("rotq 1/64 entropy flat", Map.entry("rotq", Map.of("compression", 64, "quantiser", "entropy", "factors", 0)));
        c.put("rotq 1/256 (lloyd)", Map.entry("rotq", Map.of("compression", 256)));
        return c;
    }

    private static double best(int repeats, java.util.function.DoubleSupplier measure) {
        double best = 0;
        for (int i = 0; i < repeats; i++) {
            best = Math.max(best, measure.getAsDouble());
        }
        return best;
    }

    /** Gaussian values in LLaMA's LoRA layout (A: r x width, B: width x r, per target and layer). */
    static NamedTensors layout(int layers, int width, int rank, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        NamedTensors u = new NamedTensors();
        List<String> targets = List.of("q_proj", "k_proj", "v_proj", "o_proj");
        for (int l = 0; l < layers; l++) {
            for (String t : targets) {
                String base = "base_model.model.model.layers." + l + ".self_attn." + t;
                u.put(base + ".lora_A.weight", gaussian(r, rank, width));
                u.put(base + ".lora_B.weight", gaussian(r, width, rank));
            }
        }
        return u;
    }

    private static FloatTensor gaussian(SplittableRandom r, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (0.01 * r.nextGaussian());
        }
        return new FloatTensor(new int[] {rows, cols}, d);
    }
}
