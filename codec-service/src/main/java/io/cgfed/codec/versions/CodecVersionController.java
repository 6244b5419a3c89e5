package io.cgfed.codec.versions;

import io.cgfed.core.protocol.CodecVersionView;

import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Requires;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * An experiment's codec versions: start TGAP (multipart: {@code spec} JSON with {@code codec} and
 * {@code settings}, {@code snapshots} a CGFB batch of uncompressed payloads), follow its progress and
 * quality, download the model file, and adapt a version with FAF contributions.
 */
@RestController
@RequestMapping("/api/v1/experiments/{experimentId}/codec-versions")
public class CodecVersionController {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private final CodecVersionService versions;
    private final ObjectMapper json;

    CodecVersionController(CodecVersionService versions, ObjectMapper json) {
        this.versions = versions;
        this.json = json;
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<CodecVersionView> startTgap(@PathVariable UUID experimentId,
                                                         @RequestPart("spec") CodecVersionView.TgapRequest spec,
                                                         @RequestPart("snapshots") MultipartFile snapshots) throws IOException {
        CodecVersionService.Created c = versions.startTgap(experimentId, spec, snapshots.getBytes());
        return ResponseEntity.status(c.created() ? HttpStatus.ACCEPTED : HttpStatus.OK).body(view(c.row()));
    }

    @GetMapping
    public List<CodecVersionView> list(@PathVariable UUID experimentId) {
        return versions.list(experimentId).stream().map(this::view).toList();
    }

    @GetMapping("/{version}")
    public CodecVersionView get(@PathVariable UUID experimentId, @PathVariable int version) {
        return view(versions.find(experimentId, version));
    }

    /**
     * The version's model file (safetensors with its settings and layout in the metadata). It holds
     * the decoder as well as the encoder: workers decode their own update to measure what the server
     * will reconstruct, and error feedback needs that reconstruction.
     */
    @Requires(Caller.WEIGHTS)
    @GetMapping(path = "/{version}/encoder", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<byte[]> encoder(@PathVariable UUID experimentId, @PathVariable int version) {
        byte[] weights = versions.weights(experimentId, version);
        return ResponseEntity.ok()
                .header("Content-Disposition", "attachment; filename=\"codec-" + experimentId + "-v" + version
                        + ".safetensors\"")
                .body(weights);
    }

    /** Body: a CGFB batch of safetensors contributions; answer: the next version (201, or 200 if it existed). */
    @PostMapping(path = "/{version}/contributions", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<CodecVersionView> adapt(@PathVariable UUID experimentId, @PathVariable int version,
                                                     @RequestBody byte[] batch) {
        CodecVersionService.Created c = versions.adapt(experimentId, version, batch);
        return ResponseEntity.status(c.created() ? HttpStatus.CREATED : HttpStatus.OK).body(view(c.row()));
    }

    /**
     * FAF from the server's side. Body: a CGFB batch of a round's payloads encoded with this version;
     * answer: the next version, refitted on their decoded updates (201, or 200 if it existed).
     */
    @PostMapping(path = "/{version}/refit", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<CodecVersionView> refit(@PathVariable UUID experimentId, @PathVariable int version,
                                                     @RequestBody byte[] batch) {
        CodecVersionService.Created c = versions.refit(experimentId, version, batch);
        return ResponseEntity.status(c.created() ? HttpStatus.CREATED : HttpStatus.OK).body(view(c.row()));
    }

    private CodecVersionView view(CodecVersionStore.Row r) {
        Map<String, Object> progress = r.progress() == null ? null : json.readValue(r.progress(), MAP);
        // TGAP's loss curve: per epoch, trainLoss and heldOutLoss (null without a held-out part); [] for FAF
        List<Object> history = progress != null && progress.get("history") instanceof List<?> h ? List.copyOf(h) : List.of();
        return new CodecVersionView(r.experimentId(), r.version(), r.codec(), r.architecture(), r.origin(),
                r.parentVersion(), r.status(), json.readValue(r.settings(), MAP), r.snapshots(), progress, history,
                r.quality() == null ? null : json.readValue(r.quality(), MAP), r.failureReason(), r.weightsBytes(),
                r.weightsSha256(), r.createdAt(), r.finishedAt());
    }
}
