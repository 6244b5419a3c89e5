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
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--layout-only")) {
                    layoutOnly = true;
                    continue;
                }
                if (flag.equals("-h") || flag.equals("--help")) {
                    usage();
                    return 0;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String v = args[++i];
                switch (flag) {
                    case "--config" -> name = v;
                    case "--out" -> out = Path.of(v).toAbsolutePath();
                    case "--dtype" -> dtype = dtype(v);
                    case "--shards" -> shards = CliArgs.positive(flag, v);
                    case "--seed" -> seed = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option " + flag);
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
            usage();
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

    private static void usage() {
        System.err.println("usage: cgfed make-checkpoint --config NAME --out DIR [--dtype bf16|f16|f32] [--shards N]"
                + " [--seed S] [--layout-only]\n  NAME: " + String.join(", ", PublishedModels.names()));
    }
}
