package io.cgfed.core.model;

import static io.cgfed.core.model.PeftAdapter.CONFIG_FILE;
import static io.cgfed.core.model.PeftAdapter.MAX_ZIP_ENTRY_BYTES;
import static io.cgfed.core.model.PeftAdapter.WEIGHTS_FILE;
import static io.cgfed.core.model.PeftAdapter.peftNames;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reading and validation of {@link PeftAdapter}: parsing, layout inference and its checks. */
final class PeftAdapterReader {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PeftAdapterReader() {
    }

    static PeftAdapter readDirectory(Path dir, LlamaConfig model) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new TensorFormatException("PEFT adapter: " + dir + " is not a directory");
        }
        Path config = dir.resolve(CONFIG_FILE);
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(config)) {
            throw new TensorFormatException("PEFT adapter: " + dir + " has no " + CONFIG_FILE);
        }
        if (!Files.isRegularFile(weights)) {
            throw new TensorFormatException("PEFT adapter: " + dir + " has no " + WEIGHTS_FILE
                    + (Files.exists(dir.resolve("adapter_model.bin"))
                    ? " (only adapter_model.bin, a pickle, which is not read: save with safe_serialization=True)" : ""));
        }
        return read(Files.readAllBytes(config), Files.readAllBytes(weights), model);
    }

    static PeftAdapter readZip(byte[] zipBytes, LlamaConfig model) {
        Map<String, String> folders = new TreeMap<>();
        Map<String, byte[]> files = new TreeMap<>();
        boolean any = false;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(zipBytes))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                any = true;
                String path = e.getName();
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (e.isDirectory() || path.startsWith("__MACOSX/")
                        || !(file.equals(CONFIG_FILE) || file.equals(WEIGHTS_FILE) || file.equals("adapter_model.bin"))) {
                    continue;
                }
                if (files.containsKey(file)) {
                    throw new TensorFormatException("PEFT adapter zip holds more than one " + file + " ("
                            + folders.get(file) + file + ", " + path + ")");
                }
                folders.put(file, path.substring(0, path.length() - file.length()));
                files.put(file, readEntry(zip, path));
            }
        } catch (ZipException e) {
            throw new TensorFormatException("PEFT adapter: not a readable zip archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!any) {
            throw new TensorFormatException("PEFT adapter: not a zip archive, or an empty one");
        }
        if (!files.containsKey(CONFIG_FILE)) {
            throw new TensorFormatException("PEFT adapter zip has no " + CONFIG_FILE);
        }
        if (!files.containsKey(WEIGHTS_FILE)) {
            throw new TensorFormatException("PEFT adapter zip has no " + WEIGHTS_FILE + (files.containsKey("adapter_model.bin")
                    ? " (only adapter_model.bin, a pickle, which is not read: save with safe_serialization=True)" : ""));
        }
        if (!folders.get(CONFIG_FILE).equals(folders.get(WEIGHTS_FILE))) {
            throw new TensorFormatException("PEFT adapter zip has " + folders.get(CONFIG_FILE) + CONFIG_FILE + " and "
                    + folders.get(WEIGHTS_FILE) + WEIGHTS_FILE + " in different folders");
        }
        return read(files.get(CONFIG_FILE), files.get(WEIGHTS_FILE), model);
    }

    private static byte[] readEntry(InputStream in, String path) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, MAX_ZIP_ENTRY_BYTES + 1));
        if (bytes.length > MAX_ZIP_ENTRY_BYTES) {
            throw new TensorFormatException("PEFT adapter zip entry " + path + " is larger than "
                    + MAX_ZIP_ENTRY_BYTES + " bytes");
        }
        return bytes;
    }

    static PeftAdapter read(byte[] configJson, byte[] weights, LlamaConfig model) {
        Config config = parseConfig(configJson);
        NamedTensors tensors;
        try {
            tensors = SafeTensors.read(weights);
        } catch (TensorFormatException e) {
            throw new TensorFormatException("PEFT adapter " + WEIGHTS_FILE + ": " + e.getMessage(), e);
        }
        Layout layout = infer(tensors, model);
        if (config.rank() != layout.rank()) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE + " says r=" + config.rank()
                    + " but the tensors of " + WEIGHTS_FILE + " have rank " + layout.rank());
        }
        if (config.targets() != null && !config.targets().equals(Set.copyOf(layout.targets()))) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE + " has target_modules "
                    + peftNames(sorted(config.targets())) + " but " + WEIGHTS_FILE + " adapts "
                    + peftNames(layout.targets()));
        }
        LoraConfig lora = new LoraConfig(layout.rank(), config.alpha(), layout.targets(), config.dropout());
        return new PeftAdapter(config.baseModel(), lora, layout.layers(), layout.tensors());
    }

    /** What this platform takes from {@code adapter_config.json}; targets null when only the tensors say. */
    private record Config(String baseModel, int rank, double alpha, double dropout, Set<LoraTarget> targets) {
    }

    private static Config parseConfig(byte[] bytes) {
        JsonNode c;
        try {
            c = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE + " is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (c == null || !c.isObject()) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE + " is not a JSON object");
        }
        JsonNode type = c.path("peft_type");
        if (!type.isMissingNode() && !type.isNull() && !"LORA".equalsIgnoreCase(type.asString(""))) {
            throw new TensorFormatException("PEFT adapter: peft_type is " + type + "; only LORA adapters are read");
        }
        JsonNode r = c.path("r");
        if (!r.isIntegralNumber() || !r.canConvertToInt() || r.asInt() <= 0) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE
                    + (r.isMissingNode() ? " has no r" : " has r=" + r + ", not a positive integer"));
        }
        JsonNode alpha = c.path("lora_alpha");
        if (!alpha.isNumber() || !(alpha.asDouble() > 0) || Double.isInfinite(alpha.asDouble())) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE
                    + (alpha.isMissingNode() ? " has no lora_alpha" : " has lora_alpha=" + alpha + ", not a positive number"));
        }
        JsonNode dropoutNode = c.path("lora_dropout");
        double dropout = 0.0;
        if (!dropoutNode.isMissingNode() && !dropoutNode.isNull()) {
            dropout = dropoutNode.isNumber() ? dropoutNode.asDouble() : Double.NaN;
            if (!(dropout >= 0 && dropout < 1)) {
                throw new TensorFormatException("PEFT adapter: lora_dropout=" + dropoutNode + " is not in [0, 1)");
            }
        }
        refuseIfSet(c, "use_rslora", "rank-stabilised LoRA (scaling alpha/sqrt(r)) is not supported");
        refuseIfSet(c, "use_dora", "DoRA is not supported");
        refuseIfSet(c, "fan_in_fan_out", "fan_in_fan_out (Conv1D weights) does not apply to LLaMA projections");
        refuseIfSet(c, "lora_bias", "LoRA biases are not supported");
        JsonNode bias = c.path("bias");
        if (!bias.isMissingNode() && !bias.isNull() && !"none".equals(bias.asString(""))) {
            throw new TensorFormatException("PEFT adapter: bias=" + bias + " is not supported (only \"none\")");
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode p = c.path(pattern);
            if (!p.isMissingNode() && !p.isNull() && !(p.isObject() && p.isEmpty())) {
                throw new TensorFormatException("PEFT adapter: " + pattern + " " + p
                        + " is not supported (one rank and one alpha for every module)");
            }
        }
        JsonNode save = c.path("modules_to_save");
        if (!save.isMissingNode() && !save.isNull() && !(save.isArray() && save.isEmpty())) {
            throw new TensorFormatException("PEFT adapter: modules_to_save " + save
                    + " is not supported (only LoRA factors are read)");
        }
        JsonNode base = c.path("base_model_name_or_path");
        return new Config(base.isString() ? base.asString() : null, r.asInt(), alpha.asDouble(), dropout,
                targets(c.path("target_modules")));
    }

    private static void refuseIfSet(JsonNode config, String field, String why) {
        if (config.path(field).asBoolean(false)) {
            throw new TensorFormatException("PEFT adapter: " + field + " is true; " + why);
        }
    }

    /** The modules of {@code target_modules}; null for a regular expression or none (the tensors decide). */
    private static Set<LoraTarget> targets(JsonNode node) {
        if (node.isArray()) {
            Set<LoraTarget> out = EnumSet.noneOf(LoraTarget.class);
            for (JsonNode n : node) {
                if (!n.isString()) {
                    throw new TensorFormatException("PEFT adapter: target_modules holds " + n + ", not a module name");
                }
                try {
                    out.add(LoraTarget.fromPeftName(n.asString()));
                } catch (IllegalArgumentException e) {
                    throw new TensorFormatException("PEFT adapter: target_modules: " + e.getMessage());
                }
            }
            return out;
        }
        if (node.isString()) {
            // PEFT takes a single string as a regular expression (or "all-linear"): the tensors decide
            for (LoraTarget t : LoraTarget.values()) {
                if (t.peftName().equals(node.asString())) {
                    return EnumSet.of(t);
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ layout inference

    /** Rank, targets and layers read off tensor names and shapes, with the tensors in layout order. */
    record Layout(int rank, List<LoraTarget> targets, int layers, NamedTensors tensors) {
    }

    static Layout infer(NamedTensors tensors, LlamaConfig model) {
        if (tensors.size() == 0) {
            throw new TensorFormatException("PEFT adapter holds no LoRA tensors");
        }
        TreeMap<Integer, Map<LoraTarget, FloatTensor[]>> byLayer = new TreeMap<>();
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        tensors.forEach((name, t) -> {
            LoraAdapter.Factor f;
            try {
                f = LoraAdapter.parse(name);
            } catch (IllegalArgumentException e) {
                throw new TensorFormatException("PEFT adapter: " + e.getMessage());
            }
            if (t.rank() != 2) {
                throw new TensorFormatException("PEFT adapter: " + name + " has shape " + Arrays.toString(t.shape())
                        + "; a LoRA factor is a matrix");
            }
            targets.add(f.target());
            byLayer.computeIfAbsent(f.layer(), k -> new TreeMap<>())
                    .computeIfAbsent(f.target(), k -> new FloatTensor[2])[f.factor() == 'A' ? 0 : 1] = t;
        });
        int layers = byLayer.lastKey() + 1;
        if (byLayer.size() != layers) {
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < layers && missing.size() < 10; i++) {
                if (!byLayer.containsKey(i)) {
                    missing.add(i);
                }
            }
            throw new TensorFormatException("PEFT adapter adapts layers up to " + (layers - 1) + " but has no LoRA "
                    + "factors for layer" + (missing.size() == 1 ? " " : "s ") + missing.toString().replaceAll("[\\[\\]]", "")
                    + (layers - byLayer.size() > missing.size() ? ", ..." : "")
                    + " (adapters of some layers only are not supported)");
        }
        if (model != null && layers != model.numHiddenLayers()) {
            throw new TensorFormatException("PEFT adapter adapts " + layers + " layers; the model has "
                    + model.numHiddenLayers());
        }
        List<LoraTarget> targetList = sorted(targets);
        int rank = -1;
        String rankSource = null;
        int[] inOf = new int[LoraTarget.values().length];
        int[] outOf = new int[LoraTarget.values().length];
        NamedTensors ordered = new NamedTensors();
        for (int layer = 0; layer < layers; layer++) {
            Map<LoraTarget, FloatTensor[]> modules = byLayer.get(layer);
            for (LoraTarget t : targetList) {
                FloatTensor[] ab = modules.get(t);
                String nameA = LoraAdapter.name(layer, t, 'A');
                String nameB = LoraAdapter.name(layer, t, 'B');
                if (ab == null) {
                    throw new TensorFormatException("PEFT adapter adapts " + t.peftName() + " in some layers but not in "
                            + "layer " + layer + " (no " + nameA + ")");
                }
                if (ab[0] == null || ab[1] == null) {
                    throw new TensorFormatException("PEFT adapter has " + (ab[0] == null ? nameB : nameA)
                            + " but no " + (ab[0] == null ? nameA : nameB));
                }
                FloatTensor a = ab[0];
                FloatTensor b = ab[1];
                if (a.dim(0) != b.dim(1)) {
                    throw new TensorFormatException("PEFT adapter: inconsistent rank: " + nameA + " has shape "
                            + Arrays.toString(a.shape()) + " (r x in) but " + nameB + " has shape "
                            + Arrays.toString(b.shape()) + " (out x r)");
                }
                if (rank < 0) {
                    rank = a.dim(0);
                    rankSource = nameA;
                } else if (a.dim(0) != rank) {
                    throw new TensorFormatException("PEFT adapter: inconsistent rank: " + nameA + " has rank "
                            + a.dim(0) + " but " + rankSource + " has rank " + rank
                            + " (per-module ranks are not supported)");
                }
                if (rank == 0) {
                    throw new TensorFormatException("PEFT adapter: " + nameA + " has rank 0");
                }
                int in = model != null ? model.inFeatures(t) : layer == 0 ? a.dim(1) : inOf[t.ordinal()];
                int out = model != null ? model.outFeatures(t) : layer == 0 ? b.dim(0) : outOf[t.ordinal()];
                inOf[t.ordinal()] = in;
                outOf[t.ordinal()] = out;
                String against = model != null ? "the model's " + t.peftName() + " (" + out + " x " + in + ")"
                        : t.peftName() + " of layer 0";
                if (a.dim(1) != in) {
                    throw new TensorFormatException("PEFT adapter: " + nameA + " has shape " + Arrays.toString(a.shape())
                            + "; expected [" + rank + ", " + in + "] for " + against);
                }
                if (b.dim(0) != out) {
                    throw new TensorFormatException("PEFT adapter: " + nameB + " has shape " + Arrays.toString(b.shape())
                            + "; expected [" + out + ", " + rank + "] for " + against);
                }
                ordered.put(nameA, a);
                ordered.put(nameB, b);
            }
        }
        return new Layout(rank, targetList, layers, ordered);
    }

    static void requireSame(Layout layout, LoraConfig lora) {
        if (layout.rank() != lora.rank()) {
            throw new TensorFormatException("adapter tensors have rank " + layout.rank() + ", the LoRA configuration "
                    + "says r=" + lora.rank());
        }
        if (!layout.targets().equals(lora.targets())) {
            throw new TensorFormatException("adapter tensors adapt " + peftNames(layout.targets())
                    + ", the LoRA configuration targets " + peftNames(lora.targets()));
        }
    }

    private static List<LoraTarget> sorted(Set<LoraTarget> targets) {
        return targets.stream().sorted().toList();
    }
}
