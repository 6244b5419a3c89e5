package io.cgfed.registry.adapter;

import io.cgfed.registry.RegistryProperties;
import io.cgfed.service.support.security.SecurityProperties;
import io.cgfed.service.support.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads adapter versions from the coordinator, which keeps them. A 404 there is a 404 here (with
 * the coordinator's detail); a coordinator that cannot be reached or answers otherwise is a 502.
 * Requests carry the key the registry shares with the coordinator (CGFED_REGISTRY_API_KEY), so they
 * pass where the coordinator's reads are closed.
 */
@Component
public class CoordinatorClient {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorClient.class);
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private final HttpClient http;
    private final String baseUrl;
    private final ObjectMapper json;
    private final String apiKey;

    CoordinatorClient(RegistryProperties properties, SecurityProperties security, ObjectMapper json) {
        this.apiKey = security.registryApiKey();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3))
                .build();
        String url = properties.coordinatorUrl();
        this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.json = json;
    }

    /** A global adapter version as the coordinator lists it: the raw safetensors blob's digest and size. */
    public record AdapterVersion(int version, String sha256, long bytes) {
    }

    /** A PEFT zip on its way from the coordinator; the caller closes the body. */
    public record Download(InputStream body, OptionalLong length, String contentDisposition) {
    }

    public List<AdapterVersion> adapterVersions(UUID experimentId) {
        String path = "/api/v1/experiments/" + experimentId;
        HttpResponse<InputStream> r = send(path, Duration.ofSeconds(10));
        JsonNode experiment;
        try (InputStream body = r.body()) {
            requireOk(r, body, "experiment " + experimentId);
            experiment = json.readTree(body);
        } catch (IOException | JacksonException e) {
            throw badGateway("the coordinator's answer for experiment " + experimentId + " could not be read", e);
        }
        JsonNode versions = experiment.path("adapterVersions");
        if (!versions.isArray()) {
            throw badGateway("the coordinator's experiment " + experimentId + " has no adapterVersions list", null);
        }
        List<AdapterVersion> out = new ArrayList<>();
        for (JsonNode v : versions) {
            if (!v.path("version").canConvertToInt()) {
                throw badGateway("the coordinator listed an adapter version without a number: " + v, null);
            }
            out.add(new AdapterVersion(v.path("version").asInt(), v.path("sha256").asString(null),
                    v.path("bytes").asLong(0)));
        }
        return out;
    }

    /** A READY codec version as the coordinator lists it (from the codec-service): its weights' digest and size. */
    public record CodecVersion(int version, String origin, String status, Long bytes, String sha256) {
    }

    /**
     * The codec versions of an experiment (learned codecs only; empty for the others), read as the shared record
     * the codec-service writes and the coordinator passes on ({@link io.cgfed.core.protocol.CodecVersionView}).
     */
    public List<CodecVersion> codecVersions(UUID experimentId) {
        String path = "/api/v1/experiments/" + experimentId + "/codec-versions";
        HttpResponse<InputStream> r = send(path, Duration.ofSeconds(10));
        List<io.cgfed.core.protocol.CodecVersionView> list;
        try (InputStream body = r.body()) {
            requireOk(r, body, "codec versions of experiment " + experimentId);
            // a peer's answer is read tolerantly (a field a newer coordinator adds is skipped), unlike request bodies
            list = json.readerFor(new tools.jackson.core.type.TypeReference<List<io.cgfed.core.protocol.CodecVersionView>>() {
            }).without(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(body);
        } catch (IOException | JacksonException e) {
            throw badGateway("the coordinator's codec versions of " + experimentId + " could not be read", e);
        }
        if (list == null) {
            throw badGateway("the coordinator's codec versions of " + experimentId + " are not a list", null);
        }
        return list.stream().map(v -> new CodecVersion(v.version(), v.origin(), v.status(), v.weightsBytes(),
                v.weightsSha256())).toList();
    }

    /** An adapter version's safetensors, as the coordinator stores it (the bytes its sha256 and size describe). */
    public Download adapter(UUID experimentId, int version) {
        return download("/api/v1/experiments/" + experimentId + "/adapters/" + version,
                "adapter version " + version + " of experiment " + experimentId,
                "attachment; filename=\"adapter-" + experimentId + "-v" + version + ".safetensors\"");
    }

    /** A codec version's model file (safetensors: encoder and decoder), through the coordinator. */
    public Download codecWeights(UUID experimentId, int version) {
        return download("/api/v1/experiments/" + experimentId + "/codec-versions/" + version + "/encoder",
                "codec version " + version + " of experiment " + experimentId,
                "attachment; filename=\"codec-" + experimentId + "-v" + version + ".safetensors\"");
    }

    private Download download(String path, String what, String defaultDisposition) {
        HttpResponse<InputStream> r = send(path, Duration.ofSeconds(60));
        InputStream body = r.body();
        try {
            requireOk(r, body, what);
        } catch (IOException e) {
            throw badGateway("the coordinator's answer could not be read", e);
        }
        return new Download(body, r.headers().firstValueAsLong("Content-Length"),
                r.headers().firstValue("Content-Disposition").orElse(defaultDisposition));
    }

    public Download peft(UUID experimentId, int version) {
        HttpResponse<InputStream> r = send("/api/v1/experiments/" + experimentId + "/adapters/" + version + "/peft",
                Duration.ofSeconds(60));
        InputStream body = r.body();
        try {
            requireOk(r, body, "adapter version " + version + " of experiment " + experimentId);
        } catch (IOException e) {
            throw badGateway("the coordinator's answer could not be read", e);
        }
        OptionalLong length = r.headers().firstValueAsLong("Content-Length");
        String disposition = r.headers().firstValue("Content-Disposition")
                .orElse("attachment; filename=\"adapter-" + experimentId + "-v" + version + "-peft.zip\"");
        return new Download(body, length, disposition);
    }

    private HttpResponse<InputStream> send(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout).GET();
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest request = b.build();
        try {
            return http.send(request, BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw badGateway("the coordinator at " + baseUrl + " cannot be reached (" + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw badGateway("interrupted while asking the coordinator", e);
        }
    }

    /** Closes the body and throws unless the coordinator answered 200. */
    private void requireOk(HttpResponse<InputStream> r, InputStream body, String what) throws IOException {
        if (r.statusCode() == 200) {
            return;
        }
        String detail;
        try (body) {
            detail = detail(body.readNBytes(MAX_ERROR_BODY));
        }
        if (r.statusCode() == 404) {
            throw ApiException.notFound(detail != null ? detail : "the coordinator has no " + what);
        }
        if (r.statusCode() == 409) {
            throw ApiException.conflict(detail != null ? detail : what + " is not ready");
        }
        throw badGateway("the coordinator answered " + r.statusCode() + " for " + what
                + (detail != null ? ": " + detail : ""), null);
    }

    /** The detail of a problem+json body, if it is one. */
    private String detail(byte[] body) {
        try {
            JsonNode p = json.readTree(new String(body, StandardCharsets.UTF_8));
            return p != null && p.path("detail").isString() ? p.path("detail").asString() : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static ApiException badGateway(String detail, Exception cause) {
        if (cause != null) {
            log.warn("{}", detail);
        }
        return new ApiException(HttpStatus.BAD_GATEWAY, detail);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
