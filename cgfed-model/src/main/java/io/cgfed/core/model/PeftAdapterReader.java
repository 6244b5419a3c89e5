package io.cgfed.core.model;

import static io.cgfed.core.model.PeftAdapter.CONFIG_FILE;
import static io.cgfed.core.model.PeftAdapter.MAX_ZIP_ENTRY_BYTES;
import static io.cgfed.core.model.PeftAdapter.WEIGHTS_FILE;
import static io.cgfed.core.model.PeftAdapter.peftNames;

import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reading of {@link PeftAdapter} from a directory, a zip or bytes: finds the two files and checks that
 * {@code adapter_config.json} ({@link PeftConfigJson}) and the tensors ({@link PeftLayout}) agree.
 */
final class PeftAdapterReader {
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
        PeftConfigJson config = PeftConfigJson.parse(configJson);
        NamedTensors tensors;
        try {
            tensors = SafeTensors.read(weights);
        } catch (TensorFormatException e) {
            throw new TensorFormatException("PEFT adapter " + WEIGHTS_FILE + ": " + e.getMessage(), e);
        }
        PeftLayout layout = PeftLayout.infer(tensors, model);
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

    private static List<LoraTarget> sorted(Set<LoraTarget> targets) {
        return targets.stream().sorted().toList();
    }
}
