package io.cgfed.launcher;

import java.nio.file.Path;

/**
 * The {@code ./cgfed} command line: hands each command to its class.
 * {@code ./cgfed demo [--codec NAME] [--clients N] [--rounds N]}: the platform, one demo
 * experiment, a results table, a JSON summary; exit 0 only if the experiment COMPLETED ({@link DemoCommand}).
 * {@code ./cgfed up [--workers N] [--port-base P]}: the platform, kept running until Ctrl-C ({@link UpCommand}).
 * {@code ./cgfed generate --experiment ID --prompt TEXT}: a running worker continues a prompt ({@link GenerateCommand}).
 * {@code ./cgfed bench-load [--workers N] ...}: one coordinator under N simulated workers ({@link io.cgfed.launcher.load.LoadBench}).
 * {@code ./cgfed make-checkpoint --config NAME --out DIR}: a published architecture with random weights ({@link MakeCheckpoint}).
 * {@code ./cgfed chaos [--trials N]}: services killed at random points of real experiments, hostile specs ({@link io.cgfed.launcher.chaos.ChaosRun}).
 */
public final class CgfedLauncher {
    private CgfedLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            usage();
            System.exit(args.length == 0 ? 2 : 0);
        }
        if (args[0].equals("bench")) {
            System.exit(io.cgfed.launcher.bench.Bench.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        if (args[0].equals("chaos")) {
            System.exit(io.cgfed.launcher.chaos.ChaosRun.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        if (args[0].equals("bench-model")) {
            System.exit(io.cgfed.launcher.bench.BenchModel.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        if (args[0].equals("export")) {
            System.exit(ExportCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args[0].equals("make-checkpoint")) {
            System.exit(MakeCheckpoint.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args[0].equals("bench-load")) {
            System.exit(io.cgfed.launcher.load.LoadBench.run(java.util.Arrays.copyOfRange(args, 1, args.length), home()));
        }
        LauncherOptions o;
        try {
            o = LauncherOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed: " + e.getMessage());
            usage();
            System.exit(2);
            return;
        }
        if (o.help && java.util.List.of("demo", "up", "generate").contains(args[0])) {
            System.out.print(CliArgs.usage(args[0] + " [options]", LauncherOptions.OPTIONS));
            System.exit(0);
        }
        switch (args[0]) {
            case "demo" -> System.exit(DemoCommand.run(o));
            case "up" -> UpCommand.run(o);
            case "generate" -> System.exit(GenerateCommand.run(o));
            default -> {
                System.err.println("cgfed: unknown command '" + args[0] + "'");
                usage();
                System.exit(2);
            }
        }
    }

    /** The project root (where the service jars are built): {@code cgfed.home}, else CGFED_HOME, else here. */
    static Path home() {
        String h = System.getProperty("cgfed.home", System.getenv().getOrDefault("CGFED_HOME", "."));
        return Path.of(h).toAbsolutePath().normalize();
    }

    private static void usage() {
        System.err.println("""
                usage: cgfed demo [--codec NAME] [--set KEY=VALUE ...] [--error-feedback] [--audit]
                                  [--dp-epsilon E [--dp-clip C]] [--clients N]
                                  [--rounds N] [--workers N] [--timeout-minutes N]
                       cgfed up   [--workers N] [--port-base P]
                       cgfed generate --experiment ID --prompt TEXT [--version N] [--max-new-tokens N]
                                      [--temperature T] [--top-k K] [--seed S] [--worker URL]
                       cgfed bench [--quick] [--methods M,...] [--sweeps ratio,noise,dp|none] [--seeds S,...]
                                   [--rounds N] [--out DIR] [--setup dolly|ceval|mmlu --model-dir D --dataset-path P] ...
                       cgfed bench-train
                       cgfed bench-load [--workers 500] [--rounds 2] [--model M] [--rank R] [--targets q,v]
                                        [--codec C] [--payload-kb K] [--spread-ms MS] [--no-download] ...
                       cgfed chaos [--trials 10] [--clients 2] [--rounds 3] [--seed S]
                       cgfed export --experiment ID --version V --out DIR [--merged] [--coordinator URL]
                       cgfed bench-model --model DIR [--workers 2] [--rounds 1] [--steps 4] [--batch 2] [--seq 64]
                                         [--base-dtype auto|float32|float16] [--checkpointing auto|on|off] ...
                       cgfed make-checkpoint --config NAME --out DIR [--dtype bf16|f16|f32] [--shards N] [--seed S]
                                             [--layout-only]
                common: [--work-dir DIR] [--worker-threads N]
                  demo  runs the platform, one demo experiment, prints its results; exit 0 iff it COMPLETED
                  up    runs the platform until Ctrl-C (ports P+1 coordinator, P+2 codec, P+3 registry; default P=8080)
                  generate  continues a prompt with an experiment's adapter on a running worker (default :8090)
                  bench  every codec on the same task through the services: tables (Markdown, CSV), sweeps, SVG plots
                  bench-train  LoRA training throughput beside the matmul roofline
                  bench-load   one coordinator under N simulated workers: upload rate, latency, round close, memory
                  chaos  kill -9 of the coordinator and the codec-service at random points of real experiments,
                         then hostile specs: a table of experiments completed, uploads lost and doubled; exit 0 iff clean
                  export  an adapter version as a PEFT directory, or with --merged the base with it merged in
                         (a Hugging Face checkpoint in the base's dtype); needs CGFED_API_KEY
                  bench-model  one experiment on a checkpoint through the services: each worker's peak RSS and
                         where its training task's time went
                  make-checkpoint  a Hugging Face Llama checkpoint of a published shape (smollm-135m, tinyllama-1.1b,
                         llama-3.2-1b, llama-7b) with random weights, streamed to disk""");
    }
}
