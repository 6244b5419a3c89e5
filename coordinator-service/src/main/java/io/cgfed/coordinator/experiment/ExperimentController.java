package io.cgfed.coordinator.experiment;

import io.cgfed.service.support.security.Caller;
import io.cgfed.service.support.security.Requires;
import io.cgfed.coordinator.adapter.AdapterStore;
import io.cgfed.core.model.PeftAdapter;
import io.cgfed.core.protocol.ExperimentSpec;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Users submit, inspect and cancel experiments here; workers fetch global adapters. */
@RestController
@RequestMapping("/api/v1/experiments")
public class ExperimentController {
    static final String PEFT_ZIP = "application/zip";
    private final ExperimentService service;
    private final AdapterStore adapters;

    ExperimentController(ExperimentService service, AdapterStore adapters) {
        this.service = service;
        this.adapters = adapters;
    }

    @PostMapping
    public ResponseEntity<ExperimentView> submit(@Valid @RequestBody ExperimentSpec spec) {
        ExperimentView view = service.submit(spec);
        return ResponseEntity.created(URI.create("/api/v1/experiments/" + view.id())).body(view);
    }

    @GetMapping
    public List<ExperimentView> list() {
        return service.list();
    }

    @GetMapping("/{id}")
    public ExperimentView get(@PathVariable UUID id) {
        return service.get(id);
    }

    /** Cancels; retried when the round driver changed the experiment at the same moment. */
    @PostMapping("/{id}/cancel")
    public ExperimentView cancel(@PathVariable UUID id) {
        for (int attempt = 1; ; attempt++) {
            try {
                return service.cancel(id);
            } catch (OptimisticLockingFailureException raced) {
                if (attempt >= 5) {
                    throw raced;
                }
            }
        }
    }

    /**
     * A global adapter version as safetensors (PEFT tensor names), streamed from its file: 50 workers
     * fetching a 7B layout's 33 MB adapter at once had each download copied onto the heap, and the
     * coordinator ran out of memory (./cgfed bench-load --model llama-7b, 2026-12-03).
     */
    @Requires(Caller.WEIGHTS)
    @GetMapping(path = "/{id}/adapters/{version}", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<org.springframework.core.io.Resource> adapter(@PathVariable UUID id, @PathVariable int version) {
        service.find(id);
        java.nio.file.Path file = adapters.file(id, version);
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(file.toFile().length())
                .body(new org.springframework.core.io.FileSystemResource(file));
    }

    /**
     * A global adapter version as Hugging Face PEFT loads it: a zip of {@code adapter_config.json}
     * (base_model_name_or_path: the spec's model name) and {@code adapter_model.safetensors}.
     */
    @Requires(Caller.WEIGHTS)
    @GetMapping(path = "/{id}/adapters/{version}/peft", produces = PEFT_ZIP)
    public ResponseEntity<byte[]> peftAdapter(@PathVariable UUID id, @PathVariable int version) {
        ExperimentSpec spec = service.spec(service.find(id));
        PeftAdapter peft = PeftAdapter.of(spec.model().name(), SpecRules.modelConfig(spec), SpecRules.loraConfig(spec),
                adapters.load(id, version));
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(PEFT_ZIP))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                        .filename("adapter-" + id + "-v" + version + "-peft.zip").build().toString())
                .body(peft.toZip());
    }
}
