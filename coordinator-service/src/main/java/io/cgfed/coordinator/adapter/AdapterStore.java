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
        return save(experimentId, version, adapter, null, null);
    }

    /**
     * Writes version r's adapter and, beside it, the strategy's server optimiser state after round r (null:
     * none) and what the strategy did (JSON), all recorded in the caller's transaction: a crash leaves either
     * all of them or none, so a resumed experiment continues from the state the adapter was made with.
     */
    public AdapterVersion save(UUID experimentId, int version, NamedTensors adapter, NamedTensors serverState,
                               String diagnostics) {
        String stateKey = null;
        if (serverState != null) {
            stateKey = "adapters/" + experimentId + "/v" + version + ".server-state.safetensors";
            blobs.put(stateKey, SafeTensors.write(serverState, DType.F32, Map.of("cgfed.experiment",
                    experimentId.toString(), "cgfed.version", Integer.toString(version))));
        }
        byte[] bytes = SafeTensors.write(adapter, DType.F32, Map.of(
                "format", "pt", "cgfed.experiment", experimentId.toString(), "cgfed.version", Integer.toString(version)));
        String key = "adapters/" + experimentId + "/v" + version + ".safetensors";
        blobs.put(key, bytes);
        AdapterVersion v = new AdapterVersion(experimentId, version, key, BlobStore.sha256(bytes), bytes.length,
                Instant.now());
        v.strategy(stateKey, diagnostics);
        return versions.save(v);
    }

    /** The server optimiser state stored with a version, or null when there is none. */
    public NamedTensors serverState(UUID experimentId, int version) {
        return versions.findById(new AdapterVersionKey(experimentId, version))
                .map(AdapterVersion::getServerStateBlobKey)
                .map(key -> SafeTensors.read(blobs.get(key)))
                .orElse(null);
    }

    /** What the strategy did for each version that records it (JSON objects), by version: one query. */
    public Map<Integer, String> diagnosticsByVersion(UUID experimentId) {
        Map<Integer, String> out = new java.util.HashMap<>();
        for (AdapterVersion v : versions.findByExperimentIdOrderByVersion(experimentId)) {
            if (v.getAggregationDiagnostics() != null) {
                out.put(v.getVersion(), v.getAggregationDiagnostics());
            }
        }
        return out;
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
