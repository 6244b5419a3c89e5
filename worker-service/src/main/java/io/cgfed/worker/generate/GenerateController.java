package io.cgfed.worker.generate;

import io.cgfed.core.model.Generator;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.text.TextTokenizer;
import io.cgfed.service.support.ApiException;
import io.cgfed.worker.client.CoordinatorClient;
import io.cgfed.worker.model.ModelHost;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpClientErrorException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Continues a prompt with an experiment's global adapter, so a user can see what an adapter does.
 * The worker fetches the experiment's spec and the adapter version from the coordinator. It takes a
 * user's API key ({@code Authorization: Bearer}, role USER or ADMIN), which the coordinator checks
 * ({@code GET /api/v1/api-keys/self}): the worker holds no key table, and a key revoked at the
 * coordinator is refused here from its next request on.
 */
@RestController
public class GenerateController {
    private static final Logger log = LoggerFactory.getLogger(GenerateController.class);
    private final CoordinatorClient coordinator;
    private final ModelHost models;
    private final ObjectMapper json;

    GenerateController(CoordinatorClient coordinator, ModelHost models, ObjectMapper json) {
        this.coordinator = coordinator;
        this.models = models;
        this.json = json;
    }

    /**
     * @param adapterVersion a version of the experiment's global adapter; the latest when absent
     * @param temperature    0 for greedy decoding
     * @param topK           sample among the k most likely tokens (0: all)
     */
    public record Request(@NotNull UUID experimentId, @Min(0) Integer adapterVersion, @NotBlank String prompt,
                          @Min(1) @Max(4096) Integer maxNewTokens, @DecimalMin("0.0") Double temperature,
                          @Min(0) Integer topK, Long seed) {
    }

    public record Response(UUID experimentId, int adapterVersion, String model, String prompt, String completion,
                           int promptTokens, int newTokens) {
    }

    @PostMapping("/api/v1/generate")
    public Response generate(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                             @Valid @RequestBody Request r) {
        if (authorization == null || !authorization.startsWith("Bearer ") || authorization.length() <= 7) {
            throw ApiException.unauthorized("generating needs a user's API key: Authorization: Bearer <key>");
        }
        CoordinatorClient.KeyCheck key;
        try {
            key = coordinator.checkUserKey(authorization);
        } catch (org.springframework.web.client.RestClientException unreachable) {
            throw new ApiException(org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE,
                    "the coordinator could not check the API key: " + unreachable.getMessage());
        }
        if (!key.valid()) {
            throw key.status() == 403 ? ApiException.forbidden("generating needs an API key with role USER or ADMIN")
                    : ApiException.unauthorized("the API key is not valid (unknown or revoked at the coordinator)");
        }
        log.info("generate for experiment {} by key '{}'", r.experimentId(), key.name());
        JsonNode experiment;
        try {
            experiment = coordinator.experiment(r.experimentId());
        } catch (HttpClientErrorException.NotFound e) {
            throw ApiException.notFound("no experiment " + r.experimentId());
        }
        // the coordinator's answer is read tolerantly (the strict mapper is for request bodies)
        ExperimentSpec spec = json.readerFor(ExperimentSpec.class)
                .without(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(experiment.get("spec"));
        int latest = -1;
        for (JsonNode v : experiment.get("adapterVersions")) {
            latest = Math.max(latest, v.get("version").asInt());
        }
        int version = r.adapterVersion() == null ? latest : r.adapterVersion();
        if (version < 0 || version > latest) {
            throw ApiException.notFound("experiment " + r.experimentId() + " has no adapter version " + version);
        }
        byte[] adapter = coordinator.adapter(r.experimentId(), version);
        TextTokenizer tokenizer = models.exclusive(() -> models.tokenizer(spec));
        int[] encoded = tokenizer.encode(r.prompt());
        int[] prompt = tokenizer.bos() >= 0 ? prepend(tokenizer.bos(), encoded) : encoded;
        Generator.Settings settings = new Generator.Settings(r.maxNewTokens() == null ? 32 : r.maxNewTokens(),
                r.temperature() == null ? 0 : r.temperature(), r.topK() == null ? 0 : r.topK(),
                r.seed() == null ? 0 : r.seed(), tokenizer.eos() >= 0 ? new int[] {tokenizer.eos()} : new int[0]);
        int[] generated = models.exclusive(() -> {
            LlamaModel model = models.model(spec);
            model.loadAdapter(SafeTensors.read(adapter));
            return new Generator(model).generate(prompt, settings);
        });
        return new Response(r.experimentId(), version, spec.model().name(), r.prompt(), tokenizer.decode(generated),
                prompt.length, generated.length);
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

}
