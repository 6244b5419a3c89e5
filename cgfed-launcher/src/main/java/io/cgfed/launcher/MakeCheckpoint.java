package io.cgfed.launcher;

import io.cgfed.core.model.hf.CheckpointMaker;
import io.cgfed.core.model.hf.PublishedModels;
import io.cgfed.core.tensor.DType;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code ./cgfed make-checkpoint --config NAME --out DIR [--dtype bf16|f16|f32] [--shards N]
 * [--seed S] [--layout-only]}: a Hugging Face Llama checkpoint of a published architecture with
 * random weights ({@link CheckpointMaker}), without a download.
 */
final class MakeCheckpoint {
    private MakeCheckpoint() {
    }

    static int run(String[] args) throws Exception {
        String name = null;
        Path out = null;
        DType dtype = null;
        int shards = 1;
        long seed = 0;
        boolean layoutOnly = false;
        try {
            CliArgs.Parsed parsed = CliArgs.parse(args, OPTIONS);
            if (parsed.help()) {
                System.out.print(usage());
                return 0;
            }
            for (var given : parsed.given()) {
                String flag = given.getKey();
                String v = given.getValue();
                switch (flag) {
                    case "--layout-only" -> layoutOnly = true;
                    case "--config" -> name = v;
                    case "--out" -> out = Path.of(v).toAbsolutePath();
                    case "--dtype" -> dtype = dtype(v);
                    case "--shards" -> shards = CliArgs.positive(flag, v);
                    case "--seed" -> seed = Long.parseLong(v);
                    default -> throw new IllegalStateException(flag);
                }
            }
            if (name == null || out == null) {
                throw new IllegalArgumentException("make-checkpoint needs --config NAME and --out DIR");
            }
            PublishedModels.Published model = PublishedModels.get(name);
            long t0 = System.nanoTime();
            CheckpointMaker.Result r = CheckpointMaker.write(model, out, new CheckpointMaker.Options(
                    dtype != null ? dtype : model.torchDtype(), shards, seed, layoutOnly));
            System.out.printf(Locale.ROOT, "%s (%s): %,d parameters, %,d bytes of weights in %s%s, %.1f s%n",
                    name, model.hubRepo(), r.parameters(), r.weightBytes(), r.weightFiles(),
                    r.layoutOnly() ? " (layout only: config, index and tokenizer, no weights)" : "",
                    (System.nanoTime() - t0) / 1e9);
            System.out.println("model.name for a spec: " + r.directory());
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed make-checkpoint: " + e.getMessage());
            System.err.print(usage());
            return 2;
        }
    }

    private static DType dtype(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "fp16", "float16" -> DType.F16;
            case "f32", "fp32", "float32" -> DType.F32;
            default -> throw new IllegalArgumentException("--dtype must be bf16, f16 or f32, got '" + v + "'");
        };
    }

    static final java.util.List<CliArgs.Option> OPTIONS = java.util.List.of(
            CliArgs.value("--config", "NAME", "a published shape"),
            CliArgs.value("--out", "DIR", "where to write the checkpoint"),
            CliArgs.value("--dtype", "bf16|f16|f32", "the weights' dtype (the published one by default)"),
            CliArgs.value("--shards", "N", "safetensors files (1)"),
            CliArgs.value("--seed", "S", "of the random weights (0)"),
            CliArgs.flag("--layout-only", "config, index with sizes and tokenizer, no weights (for the load bench)"));

    private static String usage() {
        return CliArgs.usage("make-checkpoint --config NAME --out DIR [options]", OPTIONS)
                + "  NAME: " + String.join(", ", PublishedModels.names()) + "\n";
    }
}
