package io.cgfed.core.model;

import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A LoRA adapter in Hugging Face PEFT's on-disk layout: a directory (or a zip of one) holding
 * {@code adapter_config.json} and {@code adapter_model.safetensors}, which
 * {@code PeftModel.from_pretrained(base, dir)} loads. Tensors are float32 under PEFT names
 * ({@link LoraAdapter#name}); the safetensors header carries {@code __metadata__ {"format":"pt"}}.
 *
 * <p>Reading infers rank, targets and layer count from the tensor names and shapes, checks them
 * against the config (and against a {@link LlamaConfig} when one is given) and refuses what this
 * platform cannot represent (per-module ranks, rsLoRA, DoRA, biases, modules to save) with a
 * {@link TensorFormatException} that says what is wrong. Unknown config fields are ignored.
 */
public final class PeftAdapter {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** Entries of a zip larger than this are refused before they are read whole. */
    public static final long MAX_ZIP_ENTRY_BYTES = 1L << 30;
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    /** 1980-01-01, the earliest zip time: the same adapter always gives the same zip bytes. */
    private static final long ZIP_TIME = 315532800000L;

    private final String baseModel;
    private final LoraConfig lora;
    private final int layers;
    private final NamedTensors tensors;

    PeftAdapter(String baseModel, LoraConfig lora, int layers, NamedTensors tensors) {
        this.baseModel = baseModel;
        this.lora = lora;
        this.layers = layers;
        this.tensors = tensors;
    }

    /**
     * An adapter to export, checked against the model's layout for this LoRA configuration.
     *
     * @param baseModel {@code base_model_name_or_path}: the base model's name or path (may be null)
     */
    public static PeftAdapter of(String baseModel, LlamaConfig model, LoraConfig lora, NamedTensors tensors) {
        PeftLayout layout = PeftLayout.infer(tensors, model);
        PeftLayout.requireSame(layout, lora);
        return new PeftAdapter(baseModel, lora, layout.layers(), layout.tensors());
    }

    /** An adapter to export, checked for consistency (rank and targets as configured) without a model. */
    public static PeftAdapter of(String baseModel, LoraConfig lora, NamedTensors tensors) {
        return of(baseModel, null, lora, tensors);
    }

    /** {@code base_model_name_or_path}, or null. */
    public String baseModel() {
        return baseModel;
    }

    /** Rank, alpha, targets and dropout as read or given. */
    public LoraConfig lora() {
        return lora;
    }

    /** Number of decoder layers the adapter covers (all of them, from layer 0). */
    public int layers() {
        return layers;
    }

    /** The LoRA factors under PEFT names, in layout order (layer, then q k v o gate up down, A before B). */
    public NamedTensors tensors() {
        return tensors;
    }

    /** The base weights with this adapter folded in ({@link LoraMerge}). */
    public NamedTensors mergeInto(NamedTensors baseWeights) {
        return LoraMerge.merge(baseWeights, tensors, lora);
    }

    /**
     * Refuses an adapter whose rank, alpha or targets differ from the expected configuration (for
     * example the experiment's). Dropout is a training setting and is not compared.
     */
    public PeftAdapter requireMatches(LoraConfig expected) {
        if (expected.rank() != lora.rank() || !sameAlpha(expected.alpha(), lora.alpha())
                || !expected.targets().equals(lora.targets())) {
            throw new TensorFormatException("PEFT adapter has r=" + lora.rank() + ", lora_alpha=" + number(lora.alpha())
                    + ", target_modules " + peftNames(lora.targets()) + "; expected r=" + expected.rank()
                    + ", lora_alpha=" + number(expected.alpha()) + ", target_modules " + peftNames(expected.targets()));
        }
        return this;
    }

    // ------------------------------------------------------------------ writing

    /**
     * {@code adapter_config.json} as PEFT writes it for LoRA (keys sorted, as PEFT does), with the
     * fields PEFT 0.x needs to load it.
     */
    public byte[] configJson() {
        ObjectNode c = JSON.createObjectNode();
        c.putObject("alpha_pattern");
        c.putNull("auto_mapping");
        if (baseModel == null) {
            c.putNull("base_model_name_or_path");
        } else {
            c.put("base_model_name_or_path", baseModel);
        }
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.putNull("layers_pattern");
        c.putNull("layers_to_transform");
        if (lora.alpha() == Math.rint(lora.alpha()) && Math.abs(lora.alpha()) < 1e15) {
            c.put("lora_alpha", (long) lora.alpha()); // PEFT's lora_alpha is an int
        } else {
            c.put("lora_alpha", lora.alpha());
        }
        c.put("lora_dropout", lora.dropout());
        c.putNull("modules_to_save");
        c.put("peft_type", "LORA");
        c.put("r", lora.rank());
        c.putObject("rank_pattern");
        c.putNull("revision");
        var targets = c.putArray("target_modules");
        lora.targets().forEach(t -> targets.add(t.peftName()));
        c.put("task_type", "CAUSAL_LM");
        c.put("use_dora", false);
        c.put("use_rslora", false);
        return (JSON.writeValueAsString(c) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** {@code adapter_model.safetensors}: float32, PEFT names, metadata {@code {"format":"pt"}}. */
    public byte[] weights() {
        return SafeTensors.write(tensors, DType.F32, Map.of("format", "pt"));
    }

    /** Writes both files into the directory, creating it if needed. */
    public void writeDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(CONFIG_FILE), configJson());
        Files.write(dir.resolve(WEIGHTS_FILE), weights());
    }

    /** A zip with both files at its root; the same adapter always gives the same bytes. */
    public void writeZip(OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        entry(zip, CONFIG_FILE, configJson());
        entry(zip, WEIGHTS_FILE, weights());
        zip.finish();
    }

    public byte[] toZip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeZip(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(ZIP_TIME);
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads a PEFT adapter directory.
     *
     * @param model checks layer count and every shape against this architecture; null for none
     */
    public static PeftAdapter readDirectory(Path dir, LlamaConfig model) throws IOException {
        return PeftAdapterReader.readDirectory(dir, model);
    }

    /**
     * Reads a zip of a PEFT adapter directory: both files at its root or together in one folder;
     * other entries (a README, training arguments) are ignored.
     */
    public static PeftAdapter readZip(byte[] zipBytes, LlamaConfig model) {
        return PeftAdapterReader.readZip(zipBytes, model);
    }

    /** Reads the two files' contents. */
    public static PeftAdapter read(byte[] configJson, byte[] weights, LlamaConfig model) {
        return PeftAdapterReader.read(configJson, weights, model);
    }

    static List<String> peftNames(List<LoraTarget> targets) {
        return targets.stream().map(LoraTarget::peftName).toList();
    }

    private static boolean sameAlpha(double a, double b) {
        return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    @Override
    public String toString() {
        return "PeftAdapter[" + baseModel + ", r=" + lora.rank() + ", alpha=" + number(lora.alpha()) + ", "
                + peftNames(lora.targets()) + ", " + layers + " layers]";
    }
}
