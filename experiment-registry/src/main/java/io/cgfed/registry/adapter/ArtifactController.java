package io.cgfed.registry.adapter;

import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Requires;
import io.cgfed.registry.experiment.ExperimentRecords;
import io.cgfed.service.support.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * What an experiment produced, to download: every global adapter version (safetensors, and as a PEFT
 * zip) and every codec version's model file. The coordinator keeps them (codec versions through the
 * codec-service); the registry lists them with size and SHA-256 and streams the bytes through.
 */
@RestController
public class ArtifactController {
    public static final String ADAPTER = "ADAPTER";
    public static final String CODEC = "CODEC";
    private final CoordinatorClient coordinator;
    private final ExperimentRecords records;

    ArtifactController(CoordinatorClient coordinator, ExperimentRecords records) {
        this.coordinator = coordinator;
        this.records = records;
    }

    /**
     * One downloadable file.
     *
     * @param kind        ADAPTER (a global LoRA adapter version) or CODEC (a learned codec version's weights)
     * @param version     the adapter version (= the round that produced it; 0 is the initial adapter) or codec version
     * @param bytes       size of the file behind downloadUrl
     * @param sha256      SHA-256 (hex) of the file behind downloadUrl
     * @param downloadUrl the file (safetensors), streamed from the coordinator
     * @param peftUrl     adapters only: a Hugging Face PEFT zip (adapter_config.json + adapter_model.safetensors)
     * @param origin      codec versions only: TGAP or FAF
     */
    public record Artifact(String kind, int version, Long bytes, String sha256, String downloadUrl, String peftUrl,
                           String origin) {
    }

    @Operation(summary = "An experiment's artifacts",
            description = "Every adapter version and every READY codec version, with size, SHA-256 and where to "
                    + "download it (streamed through from the coordinator). 404 for an experiment the registry "
                    + "does not know.")
    @GetMapping("/api/v1/experiments/{id}/artifacts")
    public List<Artifact> artifacts(@PathVariable UUID id) {
        var record = records.find(id).orElseThrow(() -> ApiException.notFound("no experiment " + id));
        String base = "/api/v1/experiments/" + id;
        List<Artifact> out = new ArrayList<>();
        for (CoordinatorClient.AdapterVersion a : coordinator.adapterVersions(id)) {
            out.add(new Artifact(ADAPTER, a.version(), a.bytes(), a.sha256(), base + "/adapters/" + a.version(),
                    base + "/adapters/" + a.version() + "/peft", null));
        }
        List<CoordinatorClient.CodecVersion> codecs = io.cgfed.core.codec.Codecs.learned(record.codec())
                ? coordinator.codecVersions(id) : List.of();
        for (CoordinatorClient.CodecVersion c : codecs) {
            if ("READY".equals(c.status()) && c.sha256() != null) {
                out.add(new Artifact(CODEC, c.version(), c.bytes(), c.sha256(),
                        base + "/codec-versions/" + c.version() + "/weights", null, c.origin()));
            }
        }
        return out;
    }

    /** A codec version's model file (safetensors with the encoder and the decoder). */
    @Requires(Caller.WEIGHTS)
    @GetMapping(path = "/api/v1/experiments/{id}/codec-versions/{version}/weights",
            produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<InputStreamResource> codecWeights(@PathVariable UUID id, @PathVariable int version) {
        return AdapterController.stream(coordinator.codecWeights(id, version), MediaType.APPLICATION_OCTET_STREAM);
    }
}
