package io.cgfed.coordinator.experiment;

import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Requires;
import io.cgfed.coordinator.remote.CodecServiceClient;
import io.cgfed.service.support.ApiException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpClientErrorException;

/**
 * An experiment's learned codec versions, from the codec-service, through the one address workers
 * and users know: the list, one version (status, progress, held-out quality), and its model file,
 * which workers download to encode.
 */
@RestController
@RequestMapping("/api/v1/experiments/{experimentId}/codec-versions")
public class CodecVersionController {
    private final ExperimentService experiments;
    private final CodecServiceClient codecService;

    CodecVersionController(ExperimentService experiments, CodecServiceClient codecService) {
        this.experiments = experiments;
        this.codecService = codecService;
    }

    @GetMapping
    public List<io.cgfed.core.protocol.CodecVersionView> list(@PathVariable UUID experimentId) {
        experiments.find(experimentId);
        return codecService.versions(experimentId);
    }

    @GetMapping("/{version}")
    public io.cgfed.core.protocol.CodecVersionView get(@PathVariable UUID experimentId, @PathVariable int version) {
        experiments.find(experimentId);
        io.cgfed.core.protocol.CodecVersionView v = codecService.version(experimentId, version);
        if (v == null) {
            throw ApiException.notFound("codec version " + version + " of experiment " + experimentId);
        }
        return v;
    }

    @Requires(Caller.WEIGHTS)
    @GetMapping(path = "/{version}/encoder", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<byte[]> encoder(@PathVariable UUID experimentId, @PathVariable int version) {
        experiments.find(experimentId);
        try {
            return ResponseEntity.ok()
                    .header("Content-Disposition", "attachment; filename=\"codec-" + experimentId + "-v" + version
                            + ".safetensors\"")
                    .body(codecService.modelFile(experimentId, version));
        } catch (HttpClientErrorException.NotFound e) {
            throw ApiException.notFound("codec version " + version + " of experiment " + experimentId);
        } catch (HttpClientErrorException.Conflict e) {
            throw ApiException.conflict("codec version " + version + " of experiment " + experimentId + " has no weights yet");
        }
    }
}
