package io.cgfed.coordinator.adapter;

import io.cgfed.coordinator.blob.BlobStore;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.service.support.ApiException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Keeps every global adapter version: safetensors in the blob store, a row in adapter_versions. */
@Component
public class AdapterStore {
    private final BlobStore blobs;
    private final AdapterVersionRepository versions;

    AdapterStore(BlobStore blobs, AdapterVersionRepository versions) {
        this.blobs = blobs;
        this.versions = versions;
    }

    /** Writes the blob durably, then records it (call inside the caller's transaction). */
    public AdapterVersion save(UUID experimentId, int version, NamedTensors adapter) {
        byte[] bytes = SafeTensors.write(adapter, DType.F32, Map.of(
                "format", "pt", "cgfed.experiment", experimentId.toString(), "cgfed.version", Integer.toString(version)));
        String key = "adapters/" + experimentId + "/v" + version + ".safetensors";
        blobs.put(key, bytes);
        return versions.save(new AdapterVersion(experimentId, version, key, BlobStore.sha256(bytes), bytes.length,
                Instant.now()));
    }

    public byte[] bytes(UUID experimentId, int version) {
        AdapterVersion v = versions.findById(new AdapterVersionKey(experimentId, version))
                .orElseThrow(() -> ApiException.notFound("experiment " + experimentId + " has no adapter version " + version));
        return blobs.get(v.getBlobKey());
    }

    /** The file of an adapter version, to stream a download from (not a copy on the heap per request). */
    public java.nio.file.Path file(UUID experimentId, int version) {
        AdapterVersion v = versions.findById(new AdapterVersionKey(experimentId, version))
                .orElseThrow(() -> ApiException.notFound("experiment " + experimentId + " has no adapter version " + version));
        return blobs.file(v.getBlobKey());
    }

    public NamedTensors load(UUID experimentId, int version) {
        return SafeTensors.read(bytes(experimentId, version));
    }
}
