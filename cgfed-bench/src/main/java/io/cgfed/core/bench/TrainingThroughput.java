package io.cgfed.core.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.cgfed.core.model.BaseWeights;
import io.cgfed.core.model.GradMode;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.NativeArrays;
import io.cgfed.core.train.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training throughput of LoRA fine-tuning on this machine, beside the matmul roofline measured in the
 * same run: tokens per second, achieved GFLOP/s as a share of the matmul GFLOP/s, peak memory.
 * Run: {@code ./cgfed bench-train} (or this class's main with DJL on the class path).
 */
public final class TrainingThroughput {
    private TrainingThroughput() {
    }

    public static void main(String[] args) throws IOException {
        int batch = Integer.getInteger("batch", 16);
        int seq = Integer.getInteger("seq", 64);
        int steps = Integer.getInteger("steps", 20);
        System.out.printf(Locale.ROOT, "engine %s, intra-op threads %s, batch %d x seq %d, %d timed steps after 3 warm-up%n",
                Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"), batch, seq, steps);
        double roofline = matmulGflops(Integer.getInteger("matmul", 2048));
        System.out.printf(Locale.ROOT, "matmul roofline: %.1f GFLOP/s (fp32 square matmul)%n", roofline);
        String checkpoint = System.getProperty("model");
        if (checkpoint != null) {
            checkpointRow(checkpoint, batch, seq, steps, roofline);
            return;
        }
        LlamaConfig wide = new LlamaConfig(ModelCatalog.BYTE_VOCAB, 512, 1376, 2, 8, 4, 1e-6, 10000.0, 512, false);
        System.out.println("| model | parameters | tokens/s | ms/step | GFLOP/s | share of roofline |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (var m : List.of(new Named("tiny-llama", ModelCatalog.config("tiny-llama")), new Named("2x512", wide))) {
            Result r = train(m.config(), batch, Math.min(seq, m.config().maxPositionEmbeddings()), steps);
            System.out.printf(Locale.ROOT, "| %s | %,d | %,.0f | %.1f | %.1f | %.0f %% |%n", m.name(),
                    m.config().parameterCount(), r.tokensPerSecond(), r.msPerStep(), r.gflops(), 100 * r.gflops() / roofline);
        }
        System.out.printf(Locale.ROOT, "peak resident memory of this process: %d MiB%n", peakRssMiB());
    }

    record Named(String name, LlamaConfig config) {
    }

    /**
     * {@code -Dmodel=DIR}: the training step of a Hugging Face checkpoint as a worker runs it, base held as
     * {@code -DbaseDtype} (float16 or float32; default the checkpoint's), {@code -Dcheckpointing} (default on
     * for a float16 base), LoRA r 8 on {@code -Dtargets} (q,v): the same step as
     * {@code bench/torch_peer.py --config DIR/config.json} runs in PyTorch eager.
     */
    static void checkpointRow(String dir, int batch, int seq, int steps, double roofline) throws IOException {
        io.cgfed.core.model.hf.HfCheckpoint source = io.cgfed.core.model.hf.HfCheckpoint.open(java.nio.file.Path.of(dir));
        String dtype = System.getProperty("baseDtype", "auto");
        ai.djl.ndarray.types.DataType storage = switch (dtype) {
            case "float32" -> ai.djl.ndarray.types.DataType.FLOAT32;
            case "float16" -> ai.djl.ndarray.types.DataType.FLOAT16;
            default -> source.storedAs();
        };
        boolean checkpointing = Boolean.parseBoolean(System.getProperty("checkpointing",
                Boolean.toString(storage != ai.djl.ndarray.types.DataType.FLOAT32)));
        List<LoraTarget> targets = java.util.Arrays.stream(System.getProperty("targets", "q,v").split(","))
                .map(LoraTarget::parse).toList();
        LlamaConfig config = source.config();
        LoraConfig lora = new LoraConfig(8, 16, targets);
        System.out.println("| model | parameters | base | checkpointing | batch x seq | tokens/s | ms/step | GFLOP/s | share of roofline |");
        System.out.println("|---|---:|---|---|---|---:|---:|---:|---:|");
        SplittableRandom random = new SplittableRandom(1);
        long[] tokens = new long[batch * seq];
        long[] labels = new long[batch * seq];
        float[] mask = new float[batch * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(Math.min(256, config.vocabSize()));
            labels[i] = random.nextInt(Math.min(256, config.vocabSize()));
            mask[i] = 1f;
        }
        int warmup = Integer.getInteger("warmup", 1);
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, source, lora, storage);
             AdamW optimizer = new AdamW(model.manager(), 0.0, 1.0)) {
            model.loadAdapter(LoraAdapter.initialise(config, lora, 1));
            model.setTraining(true);
            long t0 = 0;
            for (int s = 0; s < steps + warmup; s++) {
                if (s == warmup) {
                    t0 = System.nanoTime();
                }
                try (NDManager step = model.manager().newSubManager()) {
                    Shape shape = new Shape(batch, seq);
                    model.lossAndGradients(NativeArrays.of(step, tokens, shape), NativeArrays.of(step, labels, shape),
                            NativeArrays.of(step, mask, shape), NativeArrays.scalar(step, 1.0), checkpointing, s);
                    GradMode.off();
                    optimizer.step(model.loraParameters(), 1e-3, step);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double tps = (double) batch * seq * steps / seconds;
            double gflops = flopsPerToken(config, lora, seq) * tps / 1e9;
            System.out.printf(Locale.ROOT, "| %s | %,d | %s | %s | %d x %d | %,.1f | %.0f | %.1f | %.0f %% |%n",
                    java.nio.file.Path.of(dir).getFileName(), config.parameterCount(), storage, checkpointing, batch, seq,
                    tps, 1000 * seconds / steps, gflops, 100 * gflops / roofline);
        }
        System.out.printf(Locale.ROOT, "peak resident memory of this process: %d MiB%n", peakRssMiB());
    }

    record Result(double tokensPerSecond, double msPerStep, double gflops) {
    }

    static double matmulGflops(int n) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            int reps = 10;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0);
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            return 2.0 * n * n * n * reps / s / 1e9;
        }
    }

    static Result train(LlamaConfig config, int batch, int seq, int steps) {
        LoraConfig lora = new LoraConfig(8, 16, List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O));
        SplittableRandom random = new SplittableRandom(1);
        long[] tokens = new long[batch * seq];
        long[] targets = new long[batch * seq];
        float[] mask = new float[batch * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(256);
            targets[i] = random.nextInt(256);
            mask[i] = 1f;
        }
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, BaseWeights.random(config, 1, 0.02), lora);
             AdamW optimizer = new AdamW(model.manager(), 0.0, 1.0)) {
            model.loadAdapter(LoraAdapter.initialise(config, lora, 1));
            long t0 = 0;
            for (int s = 0; s < steps + 3; s++) {
                if (s == 3) {
                    t0 = System.nanoTime();
                }
                try (NDManager step = model.manager().newSubManager()) {
                    Shape shape = new Shape(batch, seq);
                    NDArray x = NativeArrays.of(step, tokens, shape);
                    NDArray y = NativeArrays.of(step, targets, shape);
                    NDArray w = NativeArrays.of(step, mask, shape);
                    try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = LlamaModel.maskedCrossEntropy(model.forward(x), y, w);
                        c.backward(loss);
                        loss.getFloat();
                    }
                    GradMode.off();
                    optimizer.step(model.loraParameters(), 1e-3, step);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double tokensPerSecond = (double) batch * seq * steps / seconds;
            return new Result(tokensPerSecond, 1000 * seconds / steps, flopsPerToken(config, lora, seq) * tokensPerSecond / 1e9);
        }
    }

    /**
     * FLOPs per token of one training step with frozen base weights: the forward pass (2 per
     * multiply-add of every projection, the attention scores and context, the output head) and a
     * backward pass that computes activation gradients (as much again) but weight gradients only
     * for the LoRA factors.
     */
    static double flopsPerToken(LlamaConfig c, LoraConfig lora, int seq) {
        double linear = 0;
        for (LoraTarget t : LoraTarget.values()) {
            linear += (double) c.inFeatures(t) * c.outFeatures(t);
        }
        double loraMacs = 0;
        for (LoraTarget t : lora.targets()) {
            loraMacs += (double) lora.rank() * (c.inFeatures(t) + c.outFeatures(t));
        }
        double attention = 2.0 * seq * c.hiddenSize(); // scores and context, per token, causal average ~ seq/2 x 2
        double perLayer = linear + loraMacs + attention / 2;
        double forward = 2 * (c.numHiddenLayers() * perLayer + (double) c.vocabSize() * c.hiddenSize());
        double loraWeightGrads = 2 * c.numHiddenLayers() * loraMacs;
        return 2 * forward + loraWeightGrads;
    }

    static long peakRssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
