package io.cgfed.core.model.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** {@code model.safetensors.index.json}: which shard file holds each tensor ({@code weight_map}). */
final class ShardIndex {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private ShardIndex() {
    }

    /** Tensor name to shard file name; shard names must be plain files in the index's directory. */
    static Map<String, String> weightMap(Path indexFile) throws IOException {
        JsonNode index;
        try {
            index = JSON.readTree(Files.readString(indexFile));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(indexFile + ": not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode map = index == null ? null : index.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new IllegalArgumentException(indexFile + ": lacks a non-empty weight_map object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : map.properties()) {
            String file = e.getValue().isString() ? e.getValue().asString() : "";
            if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals("..") || file.equals(".")) {
                throw new IllegalArgumentException(indexFile + ": weight_map puts tensor '" + e.getKey()
                        + "' in " + e.getValue() + ", not a file name in the checkpoint directory");
            }
            if (!Files.isRegularFile(indexFile.resolveSibling(file))) {
                throw new IllegalArgumentException(indexFile + ": weight_map puts tensor '" + e.getKey() + "' in "
                        + file + ", which does not exist in " + indexFile.getParent());
            }
            out.put(e.getKey(), file);
        }
        return out;
    }
}
