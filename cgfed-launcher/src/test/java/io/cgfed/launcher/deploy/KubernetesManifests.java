package io.cgfed.launcher.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * Reads rendered manifests into the typed Kubernetes model (fabric8), strictly: a field the API
 * type does not have (fabric8 keeps those in {@code additionalProperties}) fails, and so does a
 * scalar of the wrong type (no coercion of numbers or booleans to strings or back), as the API
 * server would refuse them.
 */
final class KubernetesManifests {

    /** One rendered document: its typed object, or the raw tree for a custom resource. */
    record Manifest(String apiVersion, String kind, String name, Object typed, JsonNode tree) {
        <T> T as(Class<T> type) {
            return type.cast(typed);
        }
    }

    record Kind(String apiVersion, Class<?> type) {
    }

    private static final Map<String, Kind> KINDS = Map.of(
            "ServiceAccount", new Kind("v1", ServiceAccount.class),
            "ConfigMap", new Kind("v1", ConfigMap.class),
            "Secret", new Kind("v1", Secret.class),
            "Service", new Kind("v1", Service.class),
            "PersistentVolumeClaim", new Kind("v1", PersistentVolumeClaim.class),
            "Deployment", new Kind("apps/v1", Deployment.class),
            "StatefulSet", new Kind("apps/v1", StatefulSet.class),
            "PodDisruptionBudget", new Kind("policy/v1", PodDisruptionBudget.class),
            "Ingress", new Kind("networking.k8s.io/v1", Ingress.class),
            "ServiceMonitor", new Kind("monitoring.coreos.com/v1", ServiceMonitorV1.class));

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper STRICT = strictMapper();

    private KubernetesManifests() {
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (LogicalType t : List.of(LogicalType.Textual, LogicalType.Integer, LogicalType.Boolean, LogicalType.Float)) {
            m.coercionConfigFor(t)
                    .setCoercion(CoercionInputShape.Integer, t == LogicalType.Integer ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, t == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, t == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail);
        }
        return m;
    }

    /** Parses helm's output (documents separated by ---) and checks every document; throws on the first error. */
    static List<Manifest> parse(String rendered) throws Exception {
        List<Manifest> out = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).readValues(new YAMLFactory().createParser(rendered))) {
            while (it.hasNext()) {
                JsonNode doc = (JsonNode) it.next();
                if (doc == null || doc.isNull() || doc.isEmpty()) {
                    continue;
                }
                out.add(check(doc));
            }
        }
        return out;
    }

    static Manifest check(JsonNode doc) throws Exception {
        String kind = doc.path("kind").asText();
        String apiVersion = doc.path("apiVersion").asText();
        String name = doc.path("metadata").path("name").asText();
        Kind k = KINDS.get(kind);
        if (k == null) {
            throw new IllegalArgumentException("unknown kind " + kind + " (" + name + ")");
        }
        if (!k.apiVersion().equals(apiVersion)) {
            throw new IllegalArgumentException(kind + " " + name + ": apiVersion " + apiVersion + ", expected " + k.apiVersion());
        }
        if (name.isEmpty() || name.length() > 63 || !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw new IllegalArgumentException(kind + ": bad metadata.name '" + name + "'");
        }
        Object typed;
        try {
            typed = STRICT.treeToValue(doc, k.type());
        } catch (Exception e) {
            throw new IllegalArgumentException(kind + " " + name + ": " + e.getMessage(), e);
        }
        List<String> unknown = new ArrayList<>();
        walk(typed, kind + "/" + name, unknown, new IdentityHashMap<>());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("fields the Kubernetes API does not have: " + unknown);
        }
        if (typed instanceof HasMetadata h && !apiVersion.equals(h.getApiVersion())) {
            throw new IllegalArgumentException(kind + " " + name + ": read back as " + h.getApiVersion());
        }
        return new Manifest(apiVersion, kind, name, typed, doc);
    }

    /** Every fabric8 object reachable from {@code o} must have no additional (unknown) properties. */
    private static void walk(Object o, String path, List<String> unknown, Map<Object, Boolean> seen) throws Exception {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (o instanceof StrictRecord && o.getClass().isRecord()) {
            for (var rc : o.getClass().getRecordComponents()) {
                walk(rc.getAccessor().invoke(o), path + "." + rc.getName(), unknown, seen);
            }
            return;
        }
        if (!o.getClass().getPackageName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = m.invoke(o);
            } catch (InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
                continue;
            }
            walk(v, path + "." + decapitalize(m.getName().substring(3)), unknown, seen);
        }
    }

    private static String decapitalize(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
