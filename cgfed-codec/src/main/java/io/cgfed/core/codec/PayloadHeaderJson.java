package io.cgfed.core.codec;

import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON header of wire format version 1 ({@link PayloadV1}): a {@link PayloadHeader} with its whole
 * manifest written out, and read back with every field checked before it is trusted.
 */
final class PayloadHeaderJson {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private PayloadHeaderJson() {
    }

    static String write(PayloadHeader h) {
        ObjectNode n = JSON.createObjectNode();
        n.put("experiment", h.experimentId());
        n.put("round", h.round());
        n.put("client", h.clientIndex());
        n.put("codec", h.codec());
        n.put("codecVersion", h.codecVersion());
        n.put("samples", h.samples());
        var tensors = n.putArray("tensors");
        for (TensorSpec s : h.manifest()) {
            ObjectNode t = tensors.addObject();
            t.put("name", s.name());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (int d : s.shape()) {
                shape.add(d);
            }
        }
        ObjectNode metrics = n.putObject("metrics");
        h.metrics().forEach(metrics::put);
        return JSON.writeValueAsString(n);
    }

    static PayloadHeader read(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new PayloadFormatException("payload header is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new PayloadFormatException("payload header is not a JSON object");
        }
        String experiment = requiredText(n, "experiment");
        int round = requiredInt(n, "round");
        int client = requiredInt(n, "client");
        String codec = requiredText(n, "codec");
        int codecVersion = requiredInt(n, "codecVersion");
        long samples = n.path("samples").canConvertToLong() ? n.path("samples").asLong() : -1;
        if (samples <= 0 || samples > UpdatePayload.MAX_SAMPLES) {
            throw new PayloadFormatException("payload header field 'samples' must be an integer in [1, "
                    + UpdatePayload.MAX_SAMPLES + "]");
        }
        List<TensorSpec> manifest = manifest(n.path("tensors"));
        Map<String, Double> metrics = new LinkedHashMap<>();
        n.path("metrics").properties().forEach(e -> {
            if (e.getValue().isNumber()) {
                metrics.put(e.getKey(), e.getValue().asDouble());
            }
        });
        return new PayloadHeader(experiment, round, client, codec, codecVersion, samples, manifest, metrics);
    }

    /**
     * The {@code tensors} array: distinct, unreserved names, F32, 1 to 8 positive dimensions, and no
     * more values in all than one update can hold.
     */
    private static List<TensorSpec> manifest(JsonNode tensors) {
        if (!tensors.isArray() || tensors.isEmpty()) {
            throw new PayloadFormatException("payload header field 'tensors' must be a non-empty array");
        }
        List<TensorSpec> manifest = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode t : tensors) {
            String name = requiredText(t, "name");
            if (name.equals(SafeTensors.METADATA_KEY)) {
                throw new PayloadFormatException("tensor name '" + name + "' is reserved");
            }
            if (!names.add(name)) {
                throw new PayloadFormatException("tensor '" + name + "' appears twice in the manifest");
            }
            if (!"F32".equals(t.path("dtype").asString("F32"))) {
                throw new PayloadFormatException("tensor '" + name + "': only dtype F32 is supported in manifests");
            }
            JsonNode shape = t.path("shape");
            if (!shape.isArray() || shape.isEmpty() || shape.size() > 8) {
                throw new PayloadFormatException("tensor '" + name + "': shape must be an array of 1 to 8 dimensions");
            }
            int[] dims = new int[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = shape.get(i);
                if (!d.canConvertToInt() || d.asInt() <= 0) {
                    throw new PayloadFormatException("tensor '" + name + "': dimension " + d + " is not a positive integer");
                }
                dims[i] = d.asInt();
            }
            manifest.add(new TensorSpec(name, dims));
        }
        long total;
        try {
            total = TensorSpec.totalNumel(manifest);
        } catch (ArithmeticException e) {
            total = Long.MAX_VALUE;
        }
        if (total > Integer.MAX_VALUE) {
            throw new PayloadFormatException("payload manifest holds " + (total == Long.MAX_VALUE ? "too many" : total)
                    + " values, more than one update can hold (" + Integer.MAX_VALUE + ")");
        }
        return manifest;
    }

    private static String requiredText(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isString() || v.asString().isBlank()) {
            throw new PayloadFormatException("payload header field '" + field + "' must be a non-empty string");
        }
        return v.asString();
    }

    private static int requiredInt(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.canConvertToInt() || v.asInt() < 0) {
            throw new PayloadFormatException("payload header field '" + field + "' must be a non-negative integer");
        }
        return v.asInt();
    }
}
