package io.cgfed.codec.versions;

import io.cgfed.codec.CodecServiceProperties;
import io.cgfed.core.codec.cgae.CodecModel;
import io.cgfed.core.util.LruCache;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The trained models of codec versions kept decoded in memory for decoding ({@code model-cache-size} of
 * them, the least recently used dropped first): put when a version is trained or adapted here, or when its
 * stored weights are first read.
 */
@Component
class CodecModels {
    private final LruCache<String, CodecModel> models;

    CodecModels(CodecServiceProperties properties) {
        int capacity = properties.modelCacheSize();
        this.models = new LruCache<>(capacity);
    }

    /** The version's model, or null where it is not in memory. */
    CodecModel get(UUID experimentId, int version) {
        return models.get(key(experimentId, version));
    }

    void put(UUID experimentId, int version, CodecModel model) {
        models.put(key(experimentId, version), model);
    }

    private static String key(UUID experimentId, int version) {
        return experimentId + "/" + version;
    }
}
