package io.cgfed.core.codec.cgae;

import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A trained {@code cgae} codec: its settings, the update layout it was trained for, and its
 * autoencoder. Stored as safetensors: the autoencoder's weights, and in the metadata
 * {@code cgae.settings} (JSON), {@code cgae.positions} and {@code cgae.manifest}.
 */
public record CodecModel(CgaeSettings settings, List<TensorSpec> manifest, TileAutoencoder autoencoder) {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    public CodecModel {
        manifest = List.copyOf(manifest);
        int positions = TileLayout.positions(manifest, settings.tileSize());
        if (autoencoder.positions() != positions || autoencoder.tileSize() != settings.tileSize()
                || autoencoder.latentDim() != settings.latentDim()) {
            throw new IllegalArgumentException("autoencoder does not fit the settings and layout");
        }
    }

    public int positions() {
        return autoencoder.positions();
    }

    /** The FAF contribution of one update: its tiles, prepared as the codec sees them, through the autoencoder. */
    public NamedTensors contribution(NamedTensors update) {
        float[][] tiles = Tiles.prepared(TileLayout.tiles(update, settings.tileSize()), settings.normalise());
        return autoencoder.contribution(List.<float[][]>of(tiles));
    }

    public CodecModel withAutoencoder(TileAutoencoder next) {
        return new CodecModel(settings, manifest, next);
    }

    public byte[] toBytes() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("cgfed.codec", "cgae");
        meta.put("cgae.settings", JSON.writeValueAsString(settings.asMap()));
        meta.put("cgae.positions", Integer.toString(positions()));
        meta.put("cgae.manifest", manifestText(manifest));
        return SafeTensors.write(autoencoder.state(), DType.F32, meta);
    }

    /** @throws IllegalArgumentException when the bytes are not a cgae codec this build can read */
    public static CodecModel read(byte[] bytes) {
        SafeTensors.Parsed parsed = SafeTensors.parse(bytes);
        Map<String, String> meta = parsed.metadata();
        if (!"cgae".equals(meta.get("cgfed.codec"))) {
            throw new IllegalArgumentException("not a cgae codec file (metadata cgfed.codec is missing)");
        }
        Map<String, Object> settingsMap;
        try {
            settingsMap = JSON.readValue(meta.getOrDefault("cgae.settings", "{}"), new TypeReference<Map<String, Object>>() {
            });
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cgae codec file: settings are not valid JSON");
        }
        CgaeSettings settings = CgaeSettings.of(settingsMap);
        List<TensorSpec> manifest = parseManifest(meta.getOrDefault("cgae.manifest", ""));
        int positions = TileLayout.positions(manifest, settings.tileSize());
        TileAutoencoder ae = Architectures.of(settings.architecture()).fromState(parsed.tensors(), positions, settings);
        return new CodecModel(settings, manifest, ae);
    }

    static String manifestText(List<TensorSpec> manifest) {
        return TensorSpec.layoutText(manifest);
    }

    static List<TensorSpec> parseManifest(String text) {
        try {
            return TensorSpec.parseLayoutText(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cgae codec file: " + e.getMessage());
        }
    }
}
