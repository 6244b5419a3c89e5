package io.cgfed.launcher.deploy;

/** Marks test-side API types (records) whose content {@link KubernetesManifests} checks strictly. */
interface StrictRecord {
}
