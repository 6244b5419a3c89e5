package io.cgfed.registry.adapter;

import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Requires;
import java.util.List;
import java.util.UUID;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Every global adapter version of an experiment as a Hugging Face PEFT download. The coordinator
 * keeps the adapters; the registry lists them and streams the coordinator's zip through.
 */
@RestController
@RequestMapping("/api/v1/experiments/{id}/adapters")
public class AdapterController {
    static final String ZIP = "application/zip";
    private final CoordinatorClient coordinator;

    AdapterController(CoordinatorClient coordinator) {
        this.coordinator = coordinator;
    }

    /** Version, SHA-256 and size of each version's safetensors as the coordinator stores it. */
    @GetMapping
    public List<CoordinatorClient.AdapterVersion> list(@PathVariable UUID id) {
        return coordinator.adapterVersions(id);
    }

    /** The version's adapter as one safetensors file: the bytes the listing's sha256 and size describe. */
    @Requires(Caller.WEIGHTS)
    @GetMapping(path = "/{version}", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<InputStreamResource> safetensors(@PathVariable UUID id, @PathVariable int version) {
        return stream(coordinator.adapter(id, version), MediaType.APPLICATION_OCTET_STREAM);
    }

    static ResponseEntity<InputStreamResource> stream(CoordinatorClient.Download download, MediaType type) {
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok().contentType(type)
                .header(HttpHeaders.CONTENT_DISPOSITION, download.contentDisposition());
        download.length().ifPresent(ok::contentLength);
        return ok.body(new InputStreamResource(download.body()));
    }

    /** A zip of adapter_config.json and adapter_model.safetensors, streamed from the coordinator. */
    @Requires(Caller.WEIGHTS)
    @GetMapping(path = "/{version}/peft", produces = ZIP)
    public ResponseEntity<InputStreamResource> peft(@PathVariable UUID id, @PathVariable int version) {
        CoordinatorClient.Download download = coordinator.peft(id, version);
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(ZIP))
                .header(HttpHeaders.CONTENT_DISPOSITION, download.contentDisposition());
        download.length().ifPresent(ok::contentLength);
        return ok.body(new InputStreamResource(download.body()));
    }
}
