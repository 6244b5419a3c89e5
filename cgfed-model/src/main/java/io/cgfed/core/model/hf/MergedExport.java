package io.cgfed.core.model.hf;

import io.cgfed.core.text.ByteTokenizer;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraMerge;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensorsFile;
import io.cgfed.core.tensor.SafeTensorsStreamWriter;
import io.cgfed.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a base model with a LoRA adapter merged in ({@code W + (alpha / r) B A}, {@link LoraMerge}) as a
 * Hugging Face checkpoint that needs no adapter: shard by shard in the base's layout and dtype, one
 * tensor at a time (an adapted matrix is merged whole, every other tensor is copied in chunks), so memory
 * is one matrix whatever the model's size. The base's config, tokenizer and generation files come along.
 * Plain Java: it runs where the launcher runs, without the engine.
 */
public final class MergedExport {
    private static final List<String> SIDE_FILES = List.of(HfCheckpoint.CONFIG, "generation_config.json",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");
    private static final int CHUNK = 1 << 20;

    private MergedExport() {
    }

    /** What was written. */
    public record Result(Path directory, List<String> files, int mergedMatrices, long bytes) {
    }

    /** The checkpoint in {@code base} with the adapter (LoRA factors under PEFT names) merged, into {@code out}. */
    public static Result fromCheckpoint(Path base, NamedTensors adapter, double scaling, Path out) throws IOException {
        requireEmpty(out);
        HfConfig.read(base.resolve(HfCheckpoint.CONFIG)); // a base this platform can run, or a clear error now
        Map<String, String> fileOf = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        if (Files.exists(base.resolve(HfCheckpoint.INDEX))) {
            fileOf.putAll(ShardIndex.weightMap(base.resolve(HfCheckpoint.INDEX)));
            files.addAll(new LinkedHashSet<>(fileOf.values()));
        } else {
            files.add(HfCheckpoint.SINGLE_FILE);
        }
        Map<String, FloatTensor[]> pairs = pairs(adapter);
        Set<String> all = new LinkedHashSet<>();
        Map<String, SafeTensorsFile> opened = new LinkedHashMap<>();
        for (String f : files) {
            SafeTensorsFile file = SafeTensorsFile.open(base.resolve(f));
            opened.put(f, file);
            all.addAll(file.header().entries().keySet());
        }
        for (String weight : pairs.keySet()) {
            if (!all.contains(weight)) {
                throw new IllegalArgumentException("the base checkpoint " + base + " has no " + weight
                        + " for the adapter to merge into");
            }
        }
        Files.createDirectories(out);
        long bytes = 0;
        for (String f : files) {
            SafeTensorsFile file = opened.get(f);
            List<TensorSpec> specs = new ArrayList<>();
            Set<DType> dtypes = new LinkedHashSet<>();
            for (var e : file.header().entries().entrySet()) {
                specs.add(new TensorSpec(e.getKey(), e.getValue().shape()));
                dtypes.add(e.getValue().dtype());
            }
            DType dtype = dtypes.size() == 1 ? dtypes.iterator().next() : DType.F32;
            SafeTensorsStreamWriter.write(out.resolve(f), specs, dtype, Map.of("format", "pt"),
                    new Values(file, pairs, scaling));
            bytes += Files.size(out.resolve(f));
        }
        for (String side : SIDE_FILES) {
            if (Files.isRegularFile(base.resolve(side))) {
                Files.copy(base.resolve(side), out.resolve(side), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        if (Files.exists(base.resolve(HfCheckpoint.INDEX))) {
            Files.copy(base.resolve(HfCheckpoint.INDEX), out.resolve(HfCheckpoint.INDEX));
        }
        return new Result(out, files, pairs.size(), bytes);
    }

    /**
     * A built-in model's base (held in memory) with the adapter merged, as a float32 checkpoint with a
     * config.json and a tokenizer.json of its byte vocabulary (bytes 0-255, BOS, EOS and PAD after them).
     */
    public static Result fromWeights(NamedTensors base, LlamaConfig config, NamedTensors adapter, double scaling, Path out)
            throws IOException {
        requireEmpty(out);
        NamedTensors merged = LoraMerge.merge(base, adapter, scaling);
        Files.createDirectories(out);
        List<TensorSpec> specs = new ArrayList<>();
        merged.forEach((name, t) -> specs.add(new TensorSpec(name, t.shape())));
        SafeTensorsStreamWriter.write(out.resolve(HfCheckpoint.SINGLE_FILE), specs, DType.F32, Map.of("format", "pt"),
                (spec, from, into, count) -> System.arraycopy(merged.get(spec.name()).data(), (int) from, into, 0, count));
        Files.writeString(out.resolve(HfCheckpoint.CONFIG), CheckpointMaker.pretty(
                CheckpointMaker.configJson(config, ByteTokenizer.BOS, ByteTokenizer.EOS, 0.02, DType.F32)));
        Files.writeString(out.resolve("tokenizer.json"), ByteLevelTokenizerJson.of(List.of(
                new PublishedModels.Special("<s>", ByteTokenizer.BOS), new PublishedModels.Special("</s>", ByteTokenizer.EOS),
                new PublishedModels.Special("<pad>", ByteTokenizer.PAD))));
        return new Result(out, List.of(HfCheckpoint.SINGLE_FILE), pairs(adapter).size(),
                Files.size(out.resolve(HfCheckpoint.SINGLE_FILE)));
    }

    /** Adapted projection weight name to its (A, B) factors. */
    private static Map<String, FloatTensor[]> pairs(NamedTensors adapter) {
        Map<String, FloatTensor[]> pairs = new LinkedHashMap<>();
        adapter.forEach((name, t) -> {
            LoraAdapter.Factor f = LoraAdapter.parse(name);
            pairs.computeIfAbsent(LoraMerge.baseName(f.layer(), f.target()), k -> new FloatTensor[2])[f.factor() == 'A' ? 0 : 1] = t;
        });
        pairs.forEach((weight, ab) -> {
            if (ab[0] == null || ab[1] == null) {
                throw new IllegalArgumentException("the adapter has only one factor for " + weight);
            }
        });
        return pairs;
    }

    /** Each tensor's values: merged whole for an adapted matrix, read in chunks otherwise. */
    private static final class Values implements SafeTensorsStreamWriter.Values {
        private final SafeTensorsFile file;
        private final Map<String, FloatTensor[]> pairs;
        private final double scaling;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK * 4).order(ByteOrder.nativeOrder());
        private String mergedName;
        private float[] merged;

        Values(SafeTensorsFile file, Map<String, FloatTensor[]> pairs, double scaling) {
            this.file = file;
            this.pairs = pairs;
            this.scaling = scaling;
        }

        @Override
        public void fill(TensorSpec tensor, long from, float[] into, int count) {
            try {
                FloatTensor[] ab = pairs.get(tensor.name());
                if (ab != null) {
                    if (!tensor.name().equals(mergedName)) {
                        merged = LoraMerge.mergeOne(tensor.name(), file.read(tensor.name()), ab[0], ab[1], scaling).data();
                        mergedName = tensor.name();
                    }
                    System.arraycopy(merged, (int) from, into, 0, count);
                    return;
                }
                for (int done = 0; done < count; done += CHUNK) {
                    int n = Math.min(CHUNK, count - done);
                    buffer.clear().limit(n * 4);
                    file.readFloats(tensor.name(), from + done, buffer);
                    buffer.flip().asFloatBuffer().get(into, done, n);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("reading " + tensor.name() + " from " + file.path(), e);
            }
        }
    }

    private static void requireEmpty(Path out) throws IOException {
        if (Files.exists(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException(out + " exists and is not empty: choose a new --out");
                }
            }
        }
    }
}
