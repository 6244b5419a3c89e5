package io.cgfed.core.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.WeightSource;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.SafeTensorsFile;
import io.cgfed.core.tensor.SafeTensorsHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face checkpoint directory: {@code config.json} and the weights in
 * {@code model.safetensors}, or sharded with {@code model.safetensors.index.json}. Opening it reads
 * the config and the safetensors headers and checks that every tensor the model needs is there
 * with its shape; {@link #load} then streams one tensor at a time into the engine, in chunks of at
 * most {@code chunkBytes} (F16 and BF16 widened to float32 in Java). Holds no open files.
 */
public final class HfCheckpoint implements WeightSource {
    public static final String CONFIG = "config.json";
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** The most float32 bytes of one tensor held in Java memory at a time when loading. */
    public static final int DEFAULT_CHUNK_BYTES = 16 << 20;

    private static final System.Logger LOG = System.getLogger(HfCheckpoint.class.getName());
    private final Path directory;
    private final LlamaConfig config;
    private final Map<String, SafeTensorsFile> fileOf;
    private final List<SafeTensorsFile> files;
    private final int chunkBytes;
    private ByteBuffer scratch;

    private HfCheckpoint(Path directory, LlamaConfig config, Map<String, SafeTensorsFile> fileOf,
                         List<SafeTensorsFile> files, int chunkBytes) {
        this.directory = directory;
        this.config = config;
        this.fileOf = Collections.unmodifiableMap(fileOf);
        this.files = List.copyOf(files);
        this.chunkBytes = chunkBytes;
    }

    public static HfCheckpoint open(Path directory) throws IOException {
        return open(directory, DEFAULT_CHUNK_BYTES);
    }

    /** chunkBytes: the largest piece of a tensor read and handed to the engine at once. */
    public static HfCheckpoint open(Path directory, int chunkBytes) throws IOException {
        if (chunkBytes < 4) {
            throw new IllegalArgumentException("chunkBytes must hold at least one float32");
        }
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("checkpoint " + directory + " is not a directory");
        }
        Path configFile = directory.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException("checkpoint " + directory + " has no " + CONFIG);
        }
        LlamaConfig config = HfConfig.read(configFile);
        Map<String, SafeTensorsFile> byFileName = new LinkedHashMap<>();
        Map<String, SafeTensorsFile> fileOf = new LinkedHashMap<>();
        if (Files.exists(directory.resolve(INDEX))) {
            for (var e : ShardIndex.weightMap(directory.resolve(INDEX)).entrySet()) {
                SafeTensorsFile file = byFileName.get(e.getValue());
                if (file == null) {
                    file = SafeTensorsFile.open(directory.resolve(e.getValue()));
                    byFileName.put(e.getValue(), file);
                }
                if (!file.contains(e.getKey())) {
                    throw new IllegalArgumentException(INDEX + " in " + directory + " puts tensor '" + e.getKey()
                            + "' in " + e.getValue() + ", which has no such tensor");
                }
                fileOf.put(e.getKey(), file);
            }
        } else if (Files.exists(directory.resolve(SINGLE_FILE))) {
            SafeTensorsFile file = SafeTensorsFile.open(directory.resolve(SINGLE_FILE));
            byFileName.put(SINGLE_FILE, file);
            file.header().entries().keySet().forEach(name -> fileOf.put(name, file));
        } else {
            throw new IllegalArgumentException("checkpoint " + directory + " has neither " + SINGLE_FILE + " nor "
                    + INDEX + (Files.exists(directory.resolve("pytorch_model.bin"))
                    ? " (pytorch_model.bin is not read: convert the checkpoint to safetensors)" : ""));
        }
        HfCheckpoint checkpoint = new HfCheckpoint(directory, config, fileOf,
                List.copyOf(byFileName.values()), chunkBytes);
        checkpoint.requireModelTensors();
        return checkpoint;
    }

    /** Whether a directory holds a config.json, the mark of a Hugging Face model directory. */
    public static boolean isCheckpoint(Path directory) {
        return Files.isDirectory(directory) && Files.isRegularFile(directory.resolve(CONFIG));
    }

    public Path directory() {
        return directory;
    }

    public LlamaConfig config() {
        return config;
    }

    /** Tensor names, each in the file that holds it. */
    public Map<String, SafeTensorsFile> tensors() {
        return fileOf;
    }

    /** The safetensors files of this checkpoint, once each. */
    public List<SafeTensorsFile> files() {
        return files;
    }

    /** The largest single read of tensor data from any file so far, in bytes. */
    public long largestReadBytes() {
        return files.stream().mapToLong(SafeTensorsFile::largestReadBytes).max().orElse(0);
    }

    @Override
    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    @Override
    public NDArray load(NDManager manager, String name, int... expectedShape) {
        return load(manager, name, DataType.FLOAT32, expectedShape);
    }

    /**
     * FLOAT16 storage converts as it reads (BF16 and F32 rounded to nearest even), chunk by chunk:
     * the tensor is never held in float32. A tensor with a finite value beyond the float16 range is
     * kept in float32 instead (rather than made infinite), and said so on the log.
     */
    @Override
    public synchronized NDArray load(NDManager manager, String name, DataType storage, int... expectedShape) {
        WeightSource.requireStorage(storage);
        SafeTensorsFile file = fileOf.get(name);
        if (file == null) {
            throw new IllegalArgumentException("checkpoint " + directory + " has no tensor '" + name + "' (in "
                    + files.stream().map(f -> f.path().getFileName().toString()).toList() + ")");
        }
        SafeTensorsHeader.Entry entry = file.entry(name);
        if (!Arrays.equals(entry.shape(), expectedShape)) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + file.path() + " has shape "
                    + Arrays.toString(entry.shape()) + ", the config needs " + Arrays.toString(expectedShape));
        }
        Shape shape = new Shape(Arrays.stream(expectedShape).asLongStream().toArray());
        try {
            if (storage == DataType.FLOAT16) {
                NDArray half = read(manager, file, name, entry.numel(), shape, DataType.FLOAT16);
                if (half != null) {
                    return half;
                }
                LOG.log(System.Logger.Level.WARNING, "tensor ''{0}'' in {1} has values beyond the float16 range:"
                        + " held in float32", name, file.path());
            }
            return read(manager, file, name, entry.numel(), shape, DataType.FLOAT32);
        } catch (IOException e) {
            throw new UncheckedIOException("reading tensor '" + name + "' from " + file.path() + ": " + e.getMessage(), e);
        }
    }

    /** The tensor in the engine as FLOAT32 or FLOAT16; null if a value does not fit float16. */
    private NDArray read(NDManager manager, SafeTensorsFile file, String name, long n, Shape shape, DataType type)
            throws IOException {
        int width = type == DataType.FLOAT16 ? 2 : 4;
        int perChunk = (int) Math.min(n, chunkBytes / width);
        ByteBuffer buf = scratch(perChunk * width);
        if (perChunk == n) {
            buf.clear().limit(perChunk * width);
            if (!fill(file, name, 0, buf, type)) {
                return null;
            }
            buf.flip();
            try (NDArray view = manager.create(buf, shape, type)) {
                return view.duplicate();
            }
        }
        // too large for one chunk: fill a flat array that libtorch owns, chunk by chunk
        NDArray flat = manager.zeros(new Shape(n), type);
        for (long from = 0; from < n; from += perChunk) {
            int count = (int) Math.min(perChunk, n - from);
            buf.clear().limit(count * width);
            if (!fill(file, name, from, buf, type)) {
                flat.close();
                return null;
            }
            try (NDArray chunk = manager.create(buf.flip(), new Shape(count), type)) {
                flat.set(new NDIndex("{}:{}", from, from + count), chunk);
            }
        }
        if (shape.dimension() == 1) {
            return flat;
        }
        NDArray shaped = flat.reshape(shape); // a view: the storage outlives the flat handle
        flat.close();
        return shaped;
    }

    private static boolean fill(SafeTensorsFile file, String name, long from, ByteBuffer buf, DataType type)
            throws IOException {
        if (type == DataType.FLOAT16) {
            return file.readHalves(name, from, buf);
        }
        file.readFloats(name, from, buf);
        return true;
    }

    /** FLOAT16 if the checkpoint's embeddings are F16 or BF16 (both are held as FLOAT16), else FLOAT32. */
    @Override
    public DataType storedAs() {
        String embed = "model.embed_tokens.weight";
        DType d = fileOf.get(embed).entry(embed).dtype();
        return d == DType.F32 ? DataType.FLOAT32 : DataType.FLOAT16;
    }

    private ByteBuffer scratch(int bytes) {
        if (scratch == null || scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        return scratch;
    }

    /** Every tensor the model reads is present with the shape the config gives it. */
    private void requireModelTensors() {
        Map<String, int[]> needed = new LinkedHashMap<>();
        needed.put("model.embed_tokens.weight", new int[] {config.vocabSize(), config.hiddenSize()});
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            needed.put(p + "input_layernorm.weight", new int[] {config.hiddenSize()});
            needed.put(p + "post_attention_layernorm.weight", new int[] {config.hiddenSize()});
            for (LoraTarget t : LoraTarget.values()) {
                needed.put(p + t.modulePath() + ".weight", new int[] {config.outFeatures(t), config.inFeatures(t)});
            }
        }
        needed.put("model.norm.weight", new int[] {config.hiddenSize()});
        if (!config.tieWordEmbeddings()) {
            needed.put("lm_head.weight", new int[] {config.vocabSize(), config.hiddenSize()});
        }
        needed.forEach((name, shape) -> {
            SafeTensorsFile file = fileOf.get(name);
            if (file == null) {
                throw new IllegalArgumentException("checkpoint " + directory + " lacks tensor '" + name + "' (in "
                        + files.stream().map(f -> f.path().getFileName().toString()).toList() + ")");
            }
            int[] actual = file.entry(name).shape();
            if (!Arrays.equals(actual, shape)) {
                throw new IllegalArgumentException("tensor '" + name + "' in " + file.path() + " has shape "
                        + Arrays.toString(actual) + ", " + CONFIG + " needs " + Arrays.toString(shape));
            }
        });
    }

    @Override
    public String toString() {
        return "HfCheckpoint[" + directory + ", " + config + ", " + files.size() + " file(s)]";
    }
}
