package io.cgfed.launcher.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import io.cgfed.launcher.deploy.KubernetesManifests.Manifest;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart (helm/cgfed): {@code helm lint --strict}, and {@code helm template} with the default
 * values, GPU workers (deploy/values-gpu.yaml) and an external database with three coordinators
 * (deploy/values-external-db.yaml), every rendered manifest read strictly into the Kubernetes API
 * types. Helm runs from the helm-java jar (helm 3 compiled in), so nothing is installed or skipped.
 */
class HelmChartTest {

    private static Path root;
    private static Path chart;

    @BeforeAll
    static void locate() {
        root = RepoRoot.find();
        chart = root.resolve("helm/cgfed");
    }

    private static TemplateCommand template() {
        // helm-java's template asks a cluster for lookup(): the chart's secret reuse is off here
        return new Helm(chart).template().withName("cgfed").withNamespace("cgfed").set("secrets.reuseExisting", false);
    }

    private static List<Manifest> render(Path valuesFile) throws Exception {
        TemplateCommand t = template();
        if (valuesFile != null) {
            t = t.withValuesFile(valuesFile);
        }
        String out = t.call();
        List<Manifest> manifests = KubernetesManifests.parse(out);
        assertThat(manifests).isNotEmpty();
        manifests.forEach(HelmChartTest::commonChecks);
        return manifests;
    }

    private static List<Manifest> of(List<Manifest> all, String kind) {
        return all.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    private static Manifest one(List<Manifest> all, String kind, String name) {
        return all.stream().filter(m -> m.kind().equals(kind) && m.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + all.stream().map(m -> m.kind() + "/" + m.name()).toList()));
    }

    /** What holds for every workload: non-root, probes on the actuator, resources, reads closed. */
    private static void commonChecks(Manifest m) {
        PodSpec pod = switch (m.kind()) {
            case "Deployment" -> m.as(Deployment.class).getSpec().getTemplate().getSpec();
            case "StatefulSet" -> m.as(StatefulSet.class).getSpec().getTemplate().getSpec();
            default -> null;
        };
        if (pod == null) {
            return;
        }
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(m.name()).isTrue();
        for (Container c : pod.getContainers()) {
            assertThat(c.getResources().getRequests()).as(m.name() + " requests").containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).as(m.name() + " limits").containsKey("memory");
            assertThat(c.getReadinessProbe()).as(m.name() + " readiness").isNotNull();
            assertThat(c.getLivenessProbe()).as(m.name() + " liveness").isNotNull();
            if (!m.name().endsWith("-postgresql")) {
                assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
                assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
                assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
                assertThat(c.getImage()).startsWith("cgfed/");
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                assertThat(pod.getServiceAccountName()).isEqualTo("cgfed");
            }
        }
    }

    private static Container container(Manifest m) {
        PodSpec pod = m.kind().equals("Deployment") ? m.as(Deployment.class).getSpec().getTemplate().getSpec()
                : m.as(StatefulSet.class).getSpec().getTemplate().getSpec();
        return pod.getContainers().get(0);
    }

    private static String secret(List<Manifest> all, String key) {
        Secret s = one(all, "Secret", "cgfed-secrets").as(Secret.class);
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    @Test
    void lintStrictPasses() {
        LintResult r = new Helm(chart).lint().strict().call();
        assertThat(r.isFailed()).as(String.join("\n", r.getMessages())).isFalse();
    }

    @Test
    void lintStrictPassesWithTheGpuAndExternalDatabaseValues() throws Exception {
        for (String values : List.of("deploy/values-gpu.yaml", "deploy/values-external-db.yaml")) {
            LintResult r = lintWith(root.resolve(values));
            assertThat(r.isFailed()).as(values + ":\n" + String.join("\n", r.getMessages())).isFalse();
        }
    }

    @Test
    void lintWithAValuesFileSeesItsValues() throws Exception {
        // the overlay really reaches the linter: a value of the wrong type fails lint's schema check
        Path bad = Files.createTempFile("cgfed-bad-values", ".yaml");
        try {
            Files.writeString(bad, "workers:\n  replicas: four\n");
            LintResult r = lintWith(bad);
            assertThat(r.isFailed()).isTrue();
            assertThat(String.join("\n", r.getMessages())).contains("replicas");
        } finally {
            Files.deleteIfExists(bad);
        }
    }

    /**
     * {@code helm lint --strict -f VALUES}: helm-java's lint takes no values file, so the chart is
     * copied and VALUES coalesced into the copy's values.yaml the way helm does it (maps merge key by
     * key, anything else replaces, null deletes), then the copy is linted.
     */
    private static LintResult lintWith(Path valuesFile) throws Exception {
        Path copy = Files.createTempDirectory("cgfed-chart-lint").resolve("cgfed");
        try (Stream<Path> files = Files.walk(chart)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(chart.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        YAMLMapper yaml = new YAMLMapper();
        JsonNode merged = coalesce(yaml.readTree(chart.resolve("values.yaml").toFile()), yaml.readTree(valuesFile.toFile()));
        yaml.writeValue(copy.resolve("values.yaml").toFile(), merged);
        try {
            return new Helm(copy).lint().strict().call();
        } finally {
            try (Stream<Path> files = Files.walk(copy.getParent())) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static JsonNode coalesce(JsonNode base, JsonNode over) {
        if (!(base instanceof ObjectNode b) || !(over instanceof ObjectNode o)) {
            return over;
        }
        ObjectNode out = b.deepCopy();
        o.properties().forEach(e -> {
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), out.has(e.getKey()) ? coalesce(out.get(e.getKey()), e.getValue()) : e.getValue());
            }
        });
        return out;
    }

    @Test
    void defaultValues() throws Exception {
        List<Manifest> all = render(null);
        assertThat(all.stream().map(m -> m.kind() + "/" + m.name()).toList()).contains(
                "ServiceAccount/cgfed", "ConfigMap/cgfed-config", "Secret/cgfed-secrets",
                "Deployment/cgfed-coordinator", "Deployment/cgfed-codec-service", "Deployment/cgfed-registry",
                "StatefulSet/cgfed-worker", "StatefulSet/cgfed-postgresql",
                "Service/cgfed-coordinator", "Service/cgfed-codec-service", "Service/cgfed-registry",
                "Service/cgfed-worker", "Service/cgfed-postgresql", "PersistentVolumeClaim/cgfed-blobs",
                "PodDisruptionBudget/cgfed-coordinator", "PodDisruptionBudget/cgfed-codec-service",
                "PodDisruptionBudget/cgfed-registry", "PodDisruptionBudget/cgfed-worker");
        assertThat(of(all, "Ingress")).isEmpty();
        assertThat(of(all, "ServiceMonitor")).isEmpty();
        assertThat(one(all, "ConfigMap", "cgfed-config").as(ConfigMap.class).getData())
                .containsEntry("CGFED_OPEN_READS", "false")
                .containsEntry("CGFED_CODEC_URL", "http://cgfed-codec-service:8082")
                .containsEntry("CGFED_DATA_ROOTS", "/data").containsEntry("CGFED_MODEL_ROOTS", "/models");
        assertThat(secret(all, "CGFED_DB_URL")).isEqualTo("jdbc:postgresql://cgfed-postgresql:5432/cgfed");
        assertThat(secret(all, "CGFED_ADMIN_API_KEY")).hasSize(48);
        Deployment coordinator = one(all, "Deployment", "cgfed-coordinator").as(Deployment.class);
        assertThat(coordinator.getSpec().getReplicas()).isEqualTo(1);
        assertThat(coordinator.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        Container worker = container(one(all, "StatefulSet", "cgfed-worker"));
        assertThat(worker.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(worker.getImage()).isEqualTo("cgfed/worker-service:0.1.0");
        // workers get the join token only
        assertThat(worker.getEnv().stream().map(e -> e.getName()).toList())
                .contains("CGFED_JOIN_TOKEN", "CGFED_WORKER_NAME")
                .doesNotContain("CGFED_ADMIN_API_KEY", "CGFED_DB_PASSWORD", "CGFED_CODEC_API_KEY");
        // the codec-service key: random, and only the coordinator and the codec-service have it
        assertThat(secret(all, "CGFED_CODEC_API_KEY")).hasSize(48).isNotEqualTo(secret(all, "CGFED_REGISTRY_API_KEY"));
        assertThat(envNames(container(one(all, "Deployment", "cgfed-coordinator")))).contains("CGFED_CODEC_API_KEY");
        assertThat(envNames(container(one(all, "Deployment", "cgfed-codec-service")))).contains("CGFED_CODEC_API_KEY");
        assertThat(envNames(container(one(all, "Deployment", "cgfed-registry")))).doesNotContain("CGFED_CODEC_API_KEY");
    }

    private static List<String> envNames(Container c) {
        return c.getEnv().stream().map(e -> e.getName()).toList();
    }

    @Test
    void gpuWorkers() throws Exception {
        List<Manifest> all = render(root.resolve("deploy/values-gpu.yaml"));
        StatefulSet workers = one(all, "StatefulSet", "cgfed-worker").as(StatefulSet.class);
        PodSpec pod = workers.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertThat(workers.getSpec().getReplicas()).isEqualTo(4);
        assertThat(c.getImage()).isEqualTo("cgfed/worker-service:0.1.0-cuda");
        assertThat(c.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(c.getResources().getRequests()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        assertThat(pod.getAffinity().getPodAntiAffinity()).isNotNull();
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("PYTORCH_FLAVOR");
            assertThat(e.getValue()).isEqualTo("cu128");
        });
        assertThat(workers.getSpec().getVolumeClaimTemplates()).hasSize(1);
        assertThat(c.getVolumeMounts()).anySatisfy(v -> assertThat(v.getMountPath()).isEqualTo("/models"));
        assertThat(of(all, "ServiceMonitor")).hasSize(1);
        ServiceMonitorV1 sm = (ServiceMonitorV1) of(all, "ServiceMonitor").get(0).typed();
        assertThat(sm.spec().endpoints().get(0).path()).isEqualTo("/actuator/prometheus");
    }

    @Test
    void externalDatabaseAndThreeCoordinators() throws Exception {
        List<Manifest> all = render(root.resolve("deploy/values-external-db.yaml"));
        assertThat(of(all, "StatefulSet")).extracting(Manifest::name).containsExactly("cgfed-worker");
        Deployment coordinator = one(all, "Deployment", "cgfed-coordinator").as(Deployment.class);
        assertThat(coordinator.getSpec().getReplicas()).isEqualTo(3);
        assertThat(coordinator.getSpec().getStrategy()).isNull();
        assertThat(one(all, "PersistentVolumeClaim", "cgfed-blobs").as(PersistentVolumeClaim.class).getSpec().getAccessModes())
                .containsExactly("ReadWriteMany");
        assertThat(secret(all, "CGFED_DB_URL")).isEqualTo("jdbc:postgresql://db.example.internal:5432/cgfed");
        Ingress ingress = one(all, "Ingress", "cgfed").as(Ingress.class);
        assertThat(ingress.getSpec().getRules()).hasSize(2);
        assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getName())
                .isEqualTo("cgfed-coordinator");
    }

    @Test
    void schemaRefusesWrongTypesAndUnknownValues() {
        assertThatThrownBy(() -> template().set("coordinator.replicas", "three").call()).hasMessageContaining("replicas");
        assertThatThrownBy(() -> template().set("workers.gpuu.count", 1).call()).hasMessageContaining("gpuu");
        assertThatThrownBy(() -> template().set("workers.pytorchFlavor", "cuda").call()).hasMessageContaining("pytorchFlavor");
    }

    @Test
    void severalCoordinatorsNeedASharedBlobVolume() {
        assertThatThrownBy(() -> template().set("coordinator.replicas", 2).call()).hasMessageContaining("ReadWriteMany");
        assertThatThrownBy(() -> template().set("postgresql.enabled", false).call()).hasMessageContaining("externalDatabase.url");
    }

    /** The validator itself: a misspelled field or a wrong type in a manifest fails. */
    @Test
    void validatorRefusesMisspelledFieldsAndWrongTypes() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        String good = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  replicas: 1
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers:
                        - name: c
                          image: i
                          env: [{name: A, value: "1"}]
                          ports: [{containerPort: 8081}]
                """;
        KubernetesManifests.check(yaml.readTree(good));
        Map<String, String> bad = Map.of(
                "replica: 1", "replicas: 1",
                "containerPortt: 8081", "containerPort: 8081",
                "replicas: three", "replicas: 1",
                "value: 1}", "value: \"1\"}",
                "image: [i]", "image: i");
        for (var e : bad.entrySet()) {
            String yamlText = good.replace(e.getValue(), e.getKey());
            assertThat(yamlText).isNotEqualTo(good);
            JsonNode doc = yaml.readTree(yamlText);
            assertThatThrownBy(() -> KubernetesManifests.check(doc)).as(e.getKey()).isInstanceOf(IllegalArgumentException.class);
        }
        Consumer<String> badKind = k -> assertThatThrownBy(() -> KubernetesManifests.check(yaml.readTree(good.replace("kind: Deployment", k))))
                .isInstanceOf(IllegalArgumentException.class);
        badKind.accept("kind: Deploymnet");
        assertThatThrownBy(() -> KubernetesManifests.check(yaml.readTree(good.replace("apps/v1", "extensions/v1beta1"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
