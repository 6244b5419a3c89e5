package io.cgfed.launcher;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.PeftAdapter;
import io.cgfed.core.model.hf.MergedExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./cgfed export --experiment ID --version V --out DIR [--merged] [--coordinator URL]} (the key in
 * {@code CGFED_API_KEY}): an experiment's adapter version as a PEFT directory, or with {@code --merged} the
 * base model with it merged in as a Hugging Face checkpoint in the base's dtype, written shard by shard
 * ({@link MergedExport}). The base is the experiment's {@code model.name}: a checkpoint directory this
 * machine can read, or a built-in model (rebuilt from its seed).
 */
final class ExportCommand {
    private ExportCommand() {
    }

    static final String SYNOPSIS = "export --experiment ID --version V --out DIR [--merged] [--coordinator URL]";
    static final java.util.List<CliArgs.Option> OPTIONS = java.util.List.of(
            CliArgs.value("--experiment", "ID", "the experiment"),
            CliArgs.value("--version", "V", "the adapter version (0 is the initial adapter)"),
            CliArgs.value("--out", "DIR", "where to write (a PEFT directory, or with --merged a checkpoint)"),
            CliArgs.flag("--merged", "the base model with the adapter merged in, in the base's dtype"),
            CliArgs.value("--coordinator", "URL", "the coordinator (CGFED_COORDINATOR_URL, else http://localhost:8081)"));

    static int run(String[] args) throws Exception {
        String experiment = null;
        Integer version = null;
        Path out = null;
        boolean merged = false;
        String coordinator = System.getenv().getOrDefault("CGFED_COORDINATOR_URL", "http://localhost:8081");
        try {
            CliArgs.Parsed parsed = CliArgs.parse(args, OPTIONS);
            if (parsed.help()) {
                System.out.print(CliArgs.usage(SYNOPSIS, OPTIONS));
                return 0;
            }
            for (var given : parsed.given()) {
                String flag = given.getKey();
                String v = given.getValue();
                switch (flag) {
                    case "--merged" -> merged = true;
                    case "--experiment" -> experiment = v;
                    case "--version" -> version = Integer.parseInt(v);
                    case "--out" -> out = Path.of(v).toAbsolutePath();
                    case "--coordinator" -> coordinator = v;
                    default -> throw new IllegalStateException(flag);
                }
            }
            if (experiment == null || version == null || out == null) {
                throw new IllegalArgumentException("export needs --experiment ID, --version V and --out DIR");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("cgfed export: " + e.getMessage());
            System.err.print(CliArgs.usage(SYNOPSIS, OPTIONS));
            return 2;
        }
        String key = System.getenv("CGFED_API_KEY");
        if (key == null || key.isBlank()) {
            System.err.println("cgfed export needs an API key in CGFED_API_KEY (adapters are weights: reads need a key)");
            return 2;
        }
        CoordinatorApi api = new CoordinatorApi(coordinator, key.strip());
        JsonNode e = api.experiment(experiment);
        JsonNode spec = e.get("spec");
        String model = spec.get("model").get("name").asString();
        long seed = spec.get("model").path("seed").asLong(0);
        long t0 = System.nanoTime();
        byte[] zip = api.download("/api/v1/experiments/" + experiment + "/adapters/" + version + "/peft");
        LlamaConfig config = ModelCatalog.exists(model) ? ModelCatalog.config(model)
                : io.cgfed.core.model.hf.HfConfig.read(Path.of(model).resolve("config.json"));
        PeftAdapter adapter = PeftAdapter.readZip(zip, config);
        if (!merged) {
            if (Files.exists(out) && Files.list(out).findAny().isPresent()) {
                System.err.println("cgfed export: " + out + " exists and is not empty: choose a new --out");
                return 2;
            }
            adapter.writeDirectory(out);
            System.out.println("PEFT adapter version " + version + " of " + experiment + " in " + out);
            return 0;
        }
        MergedExport.Result r = ModelCatalog.exists(model)
                ? MergedExport.fromWeights(ModelCatalog.baseWeights(model, seed), config, adapter.tensors(),
                        adapter.lora().scaling(), out)
                : MergedExport.fromCheckpoint(Path.of(model), adapter.tensors(), adapter.lora().scaling(), out);
        System.out.printf(Locale.ROOT, "%s with adapter version %d of %s merged (%d matrices): %s, %,d bytes in %s, %.1f s%n",
                model, version, experiment, r.mergedMatrices(), r.directory(), r.bytes(), r.files(),
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
