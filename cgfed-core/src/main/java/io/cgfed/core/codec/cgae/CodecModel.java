package io.cgfed.core.codec.cgae;

import io.cgfed.core.codec.TensorSpec;
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
        return manifest.stream().map(s -> s.name() + ":" + java.util.Arrays.stream(s.shape()).mapToObj(Integer::toString)
                .collect(Collectors.joining("x"))).collect(Collectors.joining(";"));
    }

    static List<TensorSpec> parseManifest(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("cgae codec file: the manifest is missing");
        }
        return java.util.Arrays.stream(text.split(";")).map(entry -> {
            int colon = entry.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("cgae codec file: bad manifest entry '" + entry + "'");
            }
            int[] shape;
            try {
                shape = java.util.Arrays.stream(entry.substring(colon + 1).split("x")).mapToInt(Integer::parseInt).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cgae codec file: bad manifest entry '" + entry + "'");
            }
            return new TensorSpec(entry.substring(0, colon), shape);
        }).toList();
    }
}
