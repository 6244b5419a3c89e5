package io.cgfed.launcher.deploy;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * The part of the Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1) the chart uses,
 * field names as in its CRD; read strictly (unknown fields fail). fabric8 8.x no longer ships the
 * monitoring model on Maven Central.
 */
record ServiceMonitorV1(String apiVersion, String kind, ObjectMeta metadata, Spec spec) implements StrictRecord {

    record Spec(LabelSelector selector, NamespaceSelector namespaceSelector, List<Endpoint> endpoints, String jobLabel)
            implements StrictRecord {
        public Spec {
            if (selector == null || endpoints == null || endpoints.isEmpty()) {
                throw new IllegalArgumentException("ServiceMonitor needs spec.selector and spec.endpoints");
            }
        }
    }

    record NamespaceSelector(Boolean any, List<String> matchNames) implements StrictRecord {
    }

    record Endpoint(String port, String path, String interval, String scrapeTimeout, String scheme,
            Map<String, List<String>> params, Boolean honorLabels) implements StrictRecord {
        public Endpoint {
            if (port == null || port.isEmpty()) {
                throw new IllegalArgumentException("ServiceMonitor endpoint needs a port name");
            }
        }
    }
}
